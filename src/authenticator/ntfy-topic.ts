// Owns a ntfy (UnifiedPush) topic as the authenticator uses it: the URL the user names, the endpoint the server
// publishes to, the stream it listens on, and the RFC 8291 receiver keys (docs/push.md §3, §9).
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { base64url, rawPublicKey } from '../domain/push-protocol.js';
import type { NtfyTopic } from './account-store.js';
import type { PushReceiver } from './web-push-decrypt.js';

/** A `--ntfy` URL that cannot name a topic; the message says why. */
export class TopicUrlError extends Error {
  override readonly name = 'TopicUrlError';
}

/** ntfy's topic names: 1–64 of letters, digits, `-` and `_`. */
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;

/**
 * A topic from `--ntfy`: `https://ntfy.example/upAbC…` names one; a bare server (`https://ntfy.example`) gets a
 * new random `up…` topic, as a UnifiedPush distributor makes one per application. Whoever knows a topic can
 * read its (encrypted) messages and publish to it, so a made one has 96 random bits. Query parameters other than
 * `up` (such as ntfy's `auth`) are kept for both publishing and subscribing.
 */
export function newNtfyTopic(text: string, ca: string): NtfyTopic {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TopicUrlError(`--ntfy: ${JSON.stringify(text)} is not a URL`);
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  // The same rule the server applies to the endpoint (RFC 8030 §8): https, plain http only on this host.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new TopicUrlError('--ntfy: expected an https:// URL');
  if (url.username !== '' || url.password !== '' || url.hash !== '')
    throw new TopicUrlError('--ntfy: a URL without user, password or #fragment (ntfy takes ?auth=… instead)');
  const path = url.pathname.replace(/\/+$/, '');
  const topic = path === '' ? `up${base64url.encode(randomBytes(12))}` : path.slice(1);
  if (!TOPIC.test(topic))
    throw new TopicUrlError(
      '--ntfy: expected https://<ntfy server>[/<topic>], a topic of letters and digits',
    );
  url.pathname = `/${topic}`;
  url.searchParams.delete('up');
  const topicUrl = url.toString();
  // ntfy's UnifiedPush mode: a binary body is delivered whole (base64 in the stream), never made an attachment.
  url.searchParams.set('up', '1');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    topicUrl,
    endpoint: url.toString(),
    receiverKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    auth: base64url.encode(randomBytes(16)),
    ca,
  };
}

/** ntfy's JSON stream of a topic: `GET <topic>/json`, one JSON object per line. */
export function streamUrl(topic: NtfyTopic): string {
  const url = new URL(topic.topicUrl);
  url.pathname = `${url.pathname}/json`;
  return url.toString();
}

/** The keys the server encrypts to, opened from the account file. */
export function receiverOf(topic: NtfyTopic): PushReceiver {
  return {
    privateKey: createPrivateKey(topic.receiverKey),
    auth: base64url.decode(topic.auth) ?? new Uint8Array(),
  };
}

/** docs/push.md §3: the `delivery` an enrollment sends for this topic. */
export function ntfyDelivery(topic: NtfyTopic) {
  return {
    kind: 'ntfy',
    endpoint: topic.endpoint,
    keys: {
      p256dh: base64url.encode(rawPublicKey(createPrivateKey(topic.receiverKey))),
      auth: topic.auth,
    },
  } as const;
}
