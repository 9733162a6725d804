// Owns the service worker: keeps the app's files for offline use (codes work without a network), and turns a push
// message into a notification. The browser has decrypted the message (RFC 8291); what it carries is the server's
// signed envelope (docs/push.md §4), kept for the page, which shows its details only after verifying it again.
/// <reference lib="webworker" />
import { type Account, accounts, type InboxItem, put } from './db.js';
import { importServerKey, openEnvelope, type PushRequest } from './protocol.js';

declare const self: ServiceWorkerGlobalScope;
/** Set by scripts/build-web.ts: the build's content hash and the files of the app shell. */
declare const ASSENT_BUILD: string;
declare const ASSENT_SHELL: string[];

const CACHE = `assent-authenticator-${ASSENT_BUILD}`;
const SCOPE = '/authenticator/';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSENT_SHELL.map((file) => `${SCOPE}${file}`));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('assent-authenticator-') && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

/** The app shell from the cache (offline), everything else (the device API, config.json) from the network only. */
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  const path = url.pathname === SCOPE ? `${SCOPE}index.html` : url.pathname;
  if (!path.startsWith(SCOPE) || path.endsWith('/config.json')) return;
  event.respondWith(
    (async () => {
      const cached = await caches.match(path, { cacheName: CACHE });
      return cached ?? fetch(event.request);
    })(),
  );
});

/** Which account the envelope is for: the one whose server key verifies it. */
async function verified(envelope: unknown): Promise<{ account: Account; request: PushRequest } | undefined> {
  for (const account of await accounts()) {
    const key = await importServerKey(account.serverKey);
    const request = key === undefined ? undefined : await openEnvelope(envelope, key);
    if (request !== undefined && request.user === account.user) return { account, request };
  }
  return undefined;
}

/**
 * Never rejects: a push event that fails is one Firefox answers with a negative acknowledgement, and browsers
 * count such failures against the subscription. What fails is caught step by step; the open app is told whether
 * the request is in the inbox, and polls the server when it is not (docs/push.md §6: a lost push loses nothing).
 */
async function onPush(event: PushEvent): Promise<void> {
  let session = '';
  let stored = false;
  const problems: string[] = [];
  try {
    const found = await inboxItemOf(event);
    session = found?.sessionId ?? '';
    if (found !== undefined) {
      await put('inbox', found);
      stored = true;
    }
  } catch (error) {
    problems.push(`inbox: ${String(error)}`);
  }
  try {
    // Chrome requires a notification for every push (userVisibleOnly). The text is generic on purpose: the lock
    // screen shows it, and the details come from the verified request inside the app.
    await self.registration.showNotification('Sign-in request', {
      body: stored ? 'Tap to review it in Assent.' : 'Open Assent to check for requests.',
      tag: session || 'assent',
      icon: `${SCOPE}icon-192.png`,
      badge: `${SCOPE}icon-192.png`,
      requireInteraction: true,
      data: { url: session === '' ? SCOPE : `${SCOPE}#/request/${encodeURIComponent(session)}` },
    });
  } catch (error) {
    problems.push(`notification: ${String(error)}`);
  }
  try {
    for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
      client.postMessage({ type: 'push', session, stored, problems });
    }
  } catch {
    // No window to tell: the request waits in the inbox, or for the app's next poll.
  }
}

/** The inbox entry for a push whose envelope verifies under one of our accounts and has not expired. */
async function inboxItemOf(event: PushEvent): Promise<InboxItem | undefined> {
  let envelope: unknown;
  try {
    envelope = event.data?.json();
  } catch {
    return undefined;
  }
  const found = envelope === undefined ? undefined : await verified(envelope);
  if (found === undefined || Date.parse(found.request.expires) <= Date.now()) return undefined;
  return {
    sessionId: found.request.session_id,
    deviceId: found.account.deviceId,
    envelope,
    expires: found.request.expires,
    receivedAt: new Date().toISOString(),
  };
}

self.addEventListener('push', (event) => event.waitUntil(onPush(event)));

/** Tapping the notification opens the request: in an open window of the app, or a new one. */
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(
    (event.notification.data as { url?: string } | null)?.url ?? SCOPE,
    self.location.origin,
  ).href;
  event.waitUntil(
    (async () => {
      for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
        if (!new URL(client.url).pathname.startsWith(SCOPE)) continue;
        // navigate() works only on windows this worker controls; the others are told by message.
        const moved = await client.navigate(url).catch(() => null);
        if (moved === null) client.postMessage({ type: 'open', url });
        await (moved ?? client).focus();
        return;
      }
      await self.clients.openWindow(url);
    })(),
  );
});
