// Owns opening one ldapts connection (TCP or LDAPS, then StartTLS) and the deadline every LDAP step runs under.
import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';
import type { LdapOptions } from './ldap-config.js';
import { LdapDeadlineError } from './ldap-failure.js';

/** Settles with `promise`, or rejects with LdapDeadlineError at `deadline` (epoch ms) and calls `onTimeout`. */
export function withDeadline<T>(promise: Promise<T>, deadline: number, onTimeout: () => void): Promise<T> {
  const remaining = deadline - Date.now();
  if (remaining <= 0) {
    onTimeout();
    promise.catch(() => {});
    return Promise.reject(new LdapDeadlineError('deadline passed before the step started'));
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new LdapDeadlineError(`no answer within ${remaining} ms`));
    }, remaining);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Builds the TLS options once; reading the CA file at start makes a bad path a start-up error. */
export function tlsOptionsFor(options: LdapOptions): ConnectionOptions | undefined {
  if (options.tlsCaFile === undefined) return undefined;
  return { ca: fs.readFileSync(options.tlsCaFile), minVersion: 'TLSv1.2' };
}

/**
 * Opens a connection and, when configured, upgrades it with StartTLS (RFC 4513 §3) before anything else is
 * sent, so no bind travels in clear. ldapts bounds connect and each operation but not the TLS handshake of
 * StartTLS, hence the deadline around the whole step.
 */
export async function openConnection(
  options: LdapOptions,
  tls: ConnectionOptions | undefined,
  deadline: number,
): Promise<Client> {
  const timeout = Math.max(1, deadline - Date.now());
  const secure = /^ldaps:/i.test(options.url);
  const client = new Client({
    url: options.url,
    timeout,
    connectTimeout: timeout,
    ...(secure && tls !== undefined ? { tlsOptions: tls } : {}),
  });
  if (options.startTls) {
    const host = new URL(options.url).hostname.replace(/^\[|\]$/g, '');
    const servername = /^[\d.]+$|:/.test(host) ? undefined : host;
    // Without `host`, Node checks the certificate against 'localhost' (the socket is handed over already open).
    const upgrade = client.startTLS({ ...(tls ?? {}), host, ...(servername ? { servername } : {}) });
    await withDeadline(upgrade, deadline, () => destroy(client));
  }
  return client;
}

/** Closes without waiting for the server: unbind() ends with a socket destroy and never hangs on a dead peer. */
export function destroy(client: Client): void {
  client.unbind().catch(() => {});
}
