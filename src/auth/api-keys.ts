// Owns making REST API keys and checking a request's Authorization header against them (issue 14, SECURITY A8.8).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { API_SCOPES, type ApiKey, type ApiKeyStore, type ApiScope } from '../domain/api-key.js';
import { StoreError, StoreErrorCode } from '../domain/ports.js';

/** A bad field of a new key (`invalid`), or a name another key holds (`in_use`); the message names the field. */
export class ApiKeyInputError extends Error {
  override readonly name = 'ApiKeyInputError';
  constructor(
    readonly field: 'name' | 'scopes' | 'expiresAt',
    readonly problem: 'invalid' | 'in_use',
    /** What is wrong, without the field name (a CLI puts its option name in front). */
    readonly detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

export interface NewApiKeyInput {
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  /** ISO time after which the key is refused, later than now; null: it does not expire. */
  readonly expiresAt: string | null;
}

export type ApiKeyCheck =
  | { readonly ok: true; readonly key: ApiKey }
  | {
      readonly ok: false;
      readonly why: 'missing' | 'malformed' | 'unknown' | 'wrong' | 'expired' | 'scope';
    };

/** The HTTP Basic user name of a key: also what the logs and `apikey list` show. */
export const API_KEY_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** `ask_` + 16 hex (the row id, 8 random bytes) + `_` + 32 random bytes base64url (43 characters, unpadded). */
const KEY_PATTERN = /^ask_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;
/** RFC 7617 token68 as base64 (RFC 4648 §4) with its padding only at the end. */
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;
const ID_START = 4;
const ID_END = 20;
/** RFC 7617 credentials of a 64-character name and a key, base64: 172 characters; anything longer is not ours. */
const MAX_BASIC_CREDENTIALS = 172;
/** A key's `last_used_at` is written at most this often: it is a database write on the request path. */
const TOUCH_INTERVAL_MS = 60_000;
/** More keys than any deployment holds; past it the oldest entries go (costing at most an extra write each). */
const MAX_TOUCH_ENTRIES = 1024;
/** A name clash fails with every new id; an id clash (2⁻⁶⁴ a draw) does not repeat. */
const ADD_ATTEMPTS = 3;

const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/**
 * Makes a key and stores its SHA-256 only. The key text is returned once, for the caller to show once: it cannot
 * be recovered from the store (docs/api.md "Keys"). 256 random bits from the CSPRNG (at least the 128 of A8.4).
 * @throws ApiKeyInputError for a bad name, scope list or expiry, or a name in use; StoreError when the store fails.
 */
export async function issueApiKey(
  store: Pick<ApiKeyStore, 'add'>,
  input: NewApiKeyInput,
  now: Date,
): Promise<{ key: string; record: ApiKey }> {
  if (!API_KEY_NAME_PATTERN.test(input.name)) {
    throw new ApiKeyInputError(
      'name',
      'invalid',
      `expected 1–64 characters of A–Z, a–z, 0–9, ".", "_" and "-", got ${JSON.stringify(input.name)}`,
    );
  }
  const scopes = checkScopes(input.scopes);
  const expiresAt = checkExpiry(input.expiresAt, now);
  const secret = randomBytes(32).toString('base64url');
  for (let attempt = 1; ; attempt++) {
    const id = randomBytes(8).toString('hex');
    const key = `ask_${id}_${secret}`;
    try {
      const record = await store.add({ id, name: input.name, scopes, keyHash: hashKey(key), expiresAt });
      return { key, record };
    } catch (error) {
      if (!(error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists)) throw error;
      if (attempt >= ADD_ATTEMPTS) {
        throw new ApiKeyInputError('name', 'in_use', `an API key named "${input.name}" exists already`);
      }
    }
  }
}

/** At least one known scope, none twice; returned in the order of API_SCOPES, so listings read alike. */
function checkScopes(scopes: readonly string[]): ApiScope[] {
  if (scopes.length === 0) throw new ApiKeyInputError('scopes', 'invalid', 'at least one scope is needed');
  for (const [index, scope] of scopes.entries()) {
    if (!(API_SCOPES as readonly string[]).includes(scope)) {
      throw new ApiKeyInputError(
        'scopes',
        'invalid',
        `${JSON.stringify(scope)} is not a scope; expected ${API_SCOPES.join(', ')}`,
      );
    }
    if (scopes.indexOf(scope) !== index) {
      throw new ApiKeyInputError('scopes', 'invalid', `"${scope}" is given twice`);
    }
  }
  return API_SCOPES.filter((scope) => scopes.includes(scope));
}

/** A parseable time later than `now`, normalised to the ISO form the stores compare; or null. */
function checkExpiry(expiresAt: string | null, now: Date): string | null {
  if (expiresAt === null) return null;
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) {
    throw new ApiKeyInputError('expiresAt', 'invalid', `${JSON.stringify(expiresAt)} is not a time`);
  }
  if (at <= now.getTime()) {
    throw new ApiKeyInputError('expiresAt', 'invalid', `${new Date(at).toISOString()} is not in the future`);
  }
  return new Date(at).toISOString();
}

const MISSING: ApiKeyCheck = { ok: false, why: 'missing' };
const MALFORMED: ApiKeyCheck = { ok: false, why: 'malformed' };
const UNKNOWN: ApiKeyCheck = { ok: false, why: 'unknown' };
const WRONG: ApiKeyCheck = { ok: false, why: 'wrong' };
const EXPIRED: ApiKeyCheck = { ok: false, why: 'expired' };
const SCOPE: ApiKeyCheck = { ok: false, why: 'scope' };

/** Key id → when its use was last written (ms); insertion order is touch order, so the first entry is oldest. */
const lastTouch = new Map<string, number>();

/**
 * Checks an `Authorization` header for `need`. Accepts `Bearer <key>` and `Basic base64(<name>:<key>)`, the shape
 * FortiAuthenticator clients send as `admin:<key>` (RFC 7617); the scheme is case-insensitive (RFC 7235 §2.1).
 * Failures are shared constants and nothing is thrown for bad input; only a StoreError of the store rejects.
 * `admin` satisfies every need; `read` is satisfied by `read-only`; `push` and `auth` need their own scope.
 */
export async function checkApiKey(
  store: Pick<ApiKeyStore, 'get' | 'touch'>,
  authorization: string | undefined,
  need: ApiScope | 'read',
  now: Date,
): Promise<ApiKeyCheck> {
  if (authorization === undefined) return MISSING;
  const header = authorization.trim();
  if (header === '') return MISSING;
  const space = header.indexOf(' ');
  if (space < 0) return MALFORMED;
  // RFC 7235 §2.1: credentials = auth-scheme 1*SP token68.
  let start = space + 1;
  while (header.charCodeAt(start) === 32) start++;
  let key: string;
  let basicName: string | undefined;
  if (schemeIs(header, space, 'bearer')) {
    key = header.slice(start);
  } else if (schemeIs(header, space, 'basic')) {
    const credentials = header.slice(start);
    if (credentials.length > MAX_BASIC_CREDENTIALS || !BASE64_PATTERN.test(credentials)) {
      return MALFORMED;
    }
    const decoded = Buffer.from(credentials, 'base64').toString('latin1');
    // RFC 7617 §2: the user-id ends at the first colon; the password (our key) may not hold one anyway.
    const colon = decoded.indexOf(':');
    if (colon < 0) return MALFORMED;
    basicName = decoded.slice(0, colon);
    key = decoded.slice(colon + 1);
  } else {
    return MALFORMED;
  }
  if (!KEY_PATTERN.test(key)) return MALFORMED;
  const record = await store.get(key.slice(ID_START, ID_END));
  if (record === undefined) return UNKNOWN;
  // The id only finds the row; the whole key must hash to what is stored, compared in constant time.
  const hash = hashKey(key);
  if (record.keyHash.length !== hash.length || !timingSafeEqual(hash, record.keyHash)) return WRONG;
  // Only after the key verified: for a caller without a valid key the outcome never depends on the name.
  if (basicName !== undefined && basicName !== record.name) return WRONG;
  if (record.expiresAt !== null && now.getTime() >= Date.parse(record.expiresAt)) return EXPIRED;
  if (!allows(record.scopes, need)) return SCOPE;
  await touchAtMostEveryMinute(store, record.id, now);
  return { ok: true, key: record };
}

/** The first `length` characters of `header` are `lower`, ignoring ASCII case (RFC 7235 §2.1), without a copy. */
function schemeIs(header: string, length: number, lower: string): boolean {
  if (length !== lower.length) return false;
  // `| 0x20` folds A–Z onto a–z and maps no other character onto a letter.
  for (let i = 0; i < length; i++) if ((header.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

function allows(scopes: readonly ApiScope[], need: ApiScope | 'read'): boolean {
  for (const scope of scopes) {
    if (scope === 'admin' || scope === need) return true;
    if (scope === 'read-only' && need === 'read') return true;
  }
  return false;
}

/** `last_used_at` is for operators (which keys are still in use), so minute resolution is enough. */
async function touchAtMostEveryMinute(
  store: Pick<ApiKeyStore, 'touch'>,
  id: string,
  now: Date,
): Promise<void> {
  const at = now.getTime();
  const last = lastTouch.get(id);
  // A clock that went back is treated as "long ago": a stale stamp is worse than one extra write.
  if (last !== undefined && at >= last && at - last < TOUCH_INTERVAL_MS) return;
  // Noted before the write is waited for, so requests of the same minute meanwhile do not write it again.
  lastTouch.delete(id);
  lastTouch.set(id, at);
  if (lastTouch.size > MAX_TOUCH_ENTRIES) {
    const oldest = lastTouch.keys().next().value;
    if (oldest !== undefined) lastTouch.delete(oldest);
  }
  try {
    await store.touch(id, now);
  } catch (error) {
    if (lastTouch.get(id) === at) lastTouch.delete(id);
    throw error;
  }
}
