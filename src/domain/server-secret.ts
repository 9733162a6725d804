// Owns the ServerSecretStore port: the server's own keys (push signing key, VAPID key pair), made once, kept sealed.
import type { Awaitable } from './awaitable.js';

/**
 * Named secrets the server makes for itself. They live with the data (sealed under the key file, SECURITY A9.1), so
 * every node of a site and every restart uses the same keys, and enrolled authenticators keep trusting them.
 */
export interface ServerSecretStore {
  /**
   * The secret named `name`; made with `make` and stored when there is none yet. When two processes race, both get
   * the one stored first.
   */
  getOrCreate(name: string, make: () => Uint8Array): Awaitable<Uint8Array>;
}

/** Names of the secrets in use. */
export const ServerSecretName = {
  /** PKCS#8 DER of the ECDSA P-256 key that signs every push request (docs/push.md §4). */
  PushSigningKey: 'push-signing-key',
  /** JSON `{publicKey, privateKey}` (base64url) of the VAPID key pair (RFC 8292). */
  VapidKeys: 'vapid-keys',
} as const;
