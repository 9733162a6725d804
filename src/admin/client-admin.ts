// Owns managing RADIUS clients, one set of rules for the CLI (`assent client …`) and the REST API (/api/v2/clients).
import { randomBytes } from 'node:crypto';
import type { Client } from '../domain/client.js';
import { type ClientStore, StoreError, StoreErrorCode } from '../domain/ports.js';
import { parseCidr } from '../radius-server/ip-address.js';

/** A request that breaks a rule; `field` names what to fix (a CLI option or a JSON member). */
export class ClientInputError extends Error {
  override readonly name = 'ClientInputError';
  constructor(
    readonly field: string,
    message: string,
    /** The name or address is taken (409 rather than 400; exit 1 rather than 2). */
    readonly inUse = false,
  ) {
    super(message);
  }
}

export interface ClientInput {
  readonly name: string;
  readonly address: string;
  /** Absent: a 24-octet random secret is made and returned once. */
  readonly secret?: string | undefined;
  readonly requireMessageAuthenticator?: boolean | undefined;
  readonly limitProxyState?: boolean | undefined;
  readonly nasTimeout?: number | undefined;
  readonly forceShortSecret?: boolean | undefined;
}

/** A client as shown to operators: never its secret (docs/security.md A9.5), only how long it is. */
export interface ClientView {
  readonly name: string;
  readonly address: string;
  readonly requireMessageAuthenticator: boolean;
  readonly limitProxyState: boolean;
  readonly nasTimeout: number;
  readonly secretOctets: number;
  readonly createdAt: string;
}

export interface ClientAdded {
  readonly client: ClientView;
  /** The secret made for the client, shown once; undefined when the caller chose one. */
  readonly generatedSecret: string | undefined;
  /** Things the operator should hear about (weak secret, public address, protections off). */
  readonly warnings: readonly string[];
}

/** SECURITY A5.1: `assent client add` and the API make 24 random octets, base64. */
export function generateSecret(): string {
  return randomBytes(24).toString('base64');
}

const NAME = /^[^\u0000-\u001f\u007f]{1,64}$/;

export function viewOf(client: Client): ClientView {
  return {
    name: client.name,
    address: client.address,
    requireMessageAuthenticator: client.requireMessageAuthenticator,
    limitProxyState: client.limitProxyState,
    nasTimeout: client.nasTimeout,
    secretOctets: client.secret.length,
    createdAt: client.createdAt,
  };
}

/** SECURITY A5.1: empty refused; ≤ 8 octets refused unless forced; ≤ 12 warned; at most 128 (RFC 2865 §3 allows any). */
function checkSecret(secret: string, force: boolean, warnings: string[]): void {
  const octets = Buffer.byteLength(secret, 'utf8');
  if (octets === 0) throw new ClientInputError('secret', 'an empty shared secret is refused');
  if (octets > 128) throw new ClientInputError('secret', 'at most 128 octets');
  if (octets <= 8 && !force) {
    throw new ClientInputError(
      'secret',
      `${octets} octets is too short to resist offline guessing; generate one, or force a short secret if the NAS cannot do better`,
    );
  }
  if (octets <= 12) warnings.push(`a ${octets}-octet shared secret is weak; 16 or more is advised`);
}

function isPublicAddress(address: string): boolean {
  return !/^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|::1$|f[cd]|fe80|169\.254\.)/i.test(address);
}

/** Adds a client. @throws ClientInputError for a broken rule or a name/address in use; StoreError otherwise */
export async function addClient(store: Pick<ClientStore, 'add'>, input: ClientInput): Promise<ClientAdded> {
  if (!NAME.test(input.name)) throw new ClientInputError('name', 'expected 1–64 printable characters');
  if (!parseCidr(input.address)) {
    throw new ClientInputError('address', `expected an IP address or CIDR block, got "${input.address}"`);
  }
  const nasTimeout = input.nasTimeout ?? 60;
  if (!(Number.isInteger(nasTimeout) && nasTimeout >= 1 && nasTimeout <= 600)) {
    throw new ClientInputError('nasTimeout', 'expected 1–600 seconds');
  }
  const warnings: string[] = [];
  const generatedSecret = input.secret === undefined ? generateSecret() : undefined;
  const secret = input.secret ?? generatedSecret!;
  checkSecret(secret, input.forceShortSecret === true, warnings);
  const requireMessageAuthenticator = input.requireMessageAuthenticator ?? true;
  const limitProxyState = input.limitProxyState ?? true;
  let client: Client;
  try {
    client = await store.add({
      name: input.name,
      address: input.address,
      secret: new TextEncoder().encode(secret),
      requireMessageAuthenticator,
      limitProxyState,
      nasTimeout,
    });
  } catch (error) {
    if (error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists) {
      throw new ClientInputError(/address/.test(error.message) ? 'address' : 'name', error.message, true);
    }
    throw error;
  }
  if (isPublicAddress(input.address)) {
    warnings.push(
      'RADIUS over UDP crosses this network in clear (only the password is hidden); prefer RadSec or IPsec for clients on public addresses',
    );
  }
  if (!requireMessageAuthenticator && !limitProxyState) {
    warnings.push('both BlastRADIUS protections are off for this client');
  }
  return { client: viewOf(client), generatedSecret, warnings };
}

/** A new random secret for `name` (the NAS must be given it too); undefined when no client has that name. */
export async function rotateClientSecret(
  store: Pick<ClientStore, 'replaceSecret'>,
  name: string,
): Promise<string | undefined> {
  const secret = generateSecret();
  return (await store.replaceSecret(name, new TextEncoder().encode(secret))) ? secret : undefined;
}
