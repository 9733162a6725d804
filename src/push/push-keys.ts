// Owns the server's push keys: the ES256 key that signs every push request and the VAPID pair for Web Push.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import webpush from 'web-push';
import { rawPublicKey } from '../domain/push-protocol.js';
import { ServerSecretName, type ServerSecretStore } from '../domain/server-secret.js';

export interface PushKeys {
  /** docs/push.md §4: signs every request envelope (SECURITY A7.4). */
  readonly signingKey: KeyObject;
  /** Its public half as the 65-octet point authenticators receive at enrollment (`server_key`). */
  readonly signingPublic: Uint8Array;
  /** RFC 8292 key pair, base64url as web-push and PushManager.subscribe() take them. */
  readonly vapid: { readonly publicKey: string; readonly privateKey: string };
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/**
 * The keys, made on first use and kept sealed with the data (so every restart and every node signs with the same
 * key, and enrolled authenticators keep verifying). A stored value that is not a key is an error, never replaced:
 * replacing it would silently break every enrolled device.
 */
export async function loadPushKeys(store: ServerSecretStore): Promise<PushKeys> {
  const der = await store.getOrCreate(ServerSecretName.PushSigningKey, () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
  });
  const signingKey = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  if (signingKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('the stored push signing key is not a P-256 key');
  }
  const vapidJson = await store.getOrCreate(ServerSecretName.VapidKeys, () =>
    utf8.encode(JSON.stringify(webpush.generateVAPIDKeys())),
  );
  const vapid = JSON.parse(text.decode(vapidJson)) as { publicKey?: unknown; privateKey?: unknown };
  if (typeof vapid.publicKey !== 'string' || typeof vapid.privateKey !== 'string') {
    throw new Error('the stored VAPID keys are malformed');
  }
  return {
    signingKey,
    signingPublic: rawPublicKey(createPublicKey(signingKey)),
    vapid: { publicKey: vapid.publicKey, privateKey: vapid.privateKey },
  };
}
