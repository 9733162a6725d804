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

async function onPush(event: PushEvent): Promise<void> {
  let envelope: unknown;
  try {
    envelope = event.data?.json();
  } catch {
    envelope = undefined;
  }
  const found = envelope === undefined ? undefined : await verified(envelope);
  if (found !== undefined && Date.parse(found.request.expires) > Date.now()) {
    const item: InboxItem = {
      sessionId: found.request.session_id,
      deviceId: found.account.deviceId,
      envelope,
      expires: found.request.expires,
      receivedAt: new Date().toISOString(),
    };
    await put('inbox', item);
  }
  // Chrome requires a notification for every push (userVisibleOnly). The text is generic on purpose: the lock
  // screen shows it, and the details come from the verified request inside the app.
  const session = found?.request.session_id ?? '';
  await self.registration.showNotification('Sign-in request', {
    body: found === undefined ? 'Open Assent to check for requests.' : 'Tap to review it in Assent.',
    tag: session || 'assent',
    icon: `${SCOPE}icon-192.png`,
    badge: `${SCOPE}icon-192.png`,
    requireInteraction: true,
    data: { url: session === '' ? SCOPE : `${SCOPE}#/request/${encodeURIComponent(session)}` },
  });
  for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
    client.postMessage({ type: 'push', session });
  }
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
