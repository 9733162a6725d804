// Owns the API key model and the ApiKeyStore port: how applications and operators authenticate to the REST API.
import type { Awaitable } from './awaitable.js';

/**
 * What a key may do (SECURITY A8.8). `admin` may do everything; `read-only` may read the management API; `push`
 * may start pushes (`/api/v1/pushauth/`, push transactions); `auth` may check passwords and codes.
 */
export const API_SCOPES = ['push', 'auth', 'admin', 'read-only'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** An API key as stored: never the key itself, only its SHA-256 (docs/api.md "Keys"). */
export interface ApiKey {
  /** 16 lowercase hex characters, also the key's visible prefix (`ask_<id>_…`), so a key names its own row. */
  readonly id: string;
  /** Unique; the user name of HTTP Basic (`<name>:<key>`, FortiAuthenticator's `admin:<key>`). */
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  /** SHA-256 of the whole key text (32 octets). */
  readonly keyHash: Uint8Array;
  readonly createdAt: string;
  /** ISO time after which the key is refused; null: it does not expire. */
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
}

export type NewApiKey = Omit<ApiKey, 'createdAt' | 'lastUsedAt'>;

/**
 * API keys. Value or promise like the other stores (`UserStore`); throws `StoreError` for broken
 * infrastructure and `ALREADY_EXISTS` for a name or id in use (the message says which).
 */
export interface ApiKeyStore {
  get(id: string): Awaitable<ApiKey | undefined>;
  getByName(name: string): Awaitable<ApiKey | undefined>;
  /** Every key, by name. */
  list(): Awaitable<ApiKey[]>;
  add(key: NewApiKey): Awaitable<ApiKey>;
  /** False when no key has that name. */
  remove(name: string): Awaitable<boolean>;
  /** Records a use; callers may skip it when the last record is recent (it is a write). */
  touch(id: string, at: Date): Awaitable<void>;
}
