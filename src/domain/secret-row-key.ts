// Owns how a secret a browser or a link holds (a portal session's cookie id, a pending authenticator-app id, an
// enrollment link's code) becomes the key of its row in a table every node shares.
import { createHash } from 'node:crypto';

/**
 * SHA-256 of the secret, base64url: the row is found from what the browser sends, while a reader of the table (a
 * backup, a replica, a dump) learns no id it could send itself (SECURITY A11.4, A12.2, A12.6).
 */
export const secretRowKey = (secret: string): string =>
  createHash('sha256').update(secret, 'utf8').digest('base64url');
