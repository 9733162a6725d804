// Owns opening the embedded store as configured: key file → sealer, SQLite file → the store adapters.

import type Database from 'better-sqlite3';
import type { AccountLockoutStore } from '../domain/account-lockout.js';
import type { ApiKeyStore } from '../domain/api-key.js';
import type { GraceLoginStore } from '../domain/grace-logins.js';
import type { ClientStore, UserStore } from '../domain/ports.js';
import type { PushDeviceStore } from '../domain/push-device.js';
import type { ServerSecretStore } from '../domain/server-secret.js';
import type { SignInStore } from '../domain/sign-in.js';
import type { TokenStore } from '../domain/token.js';
import { loadSealer } from './sealer.js';
import { openSqlite } from './sqlite/open-sqlite.js';
import { SqliteAccountLockoutStore } from './sqlite/sqlite-account-lockout-store.js';
import { SqliteApiKeyStore } from './sqlite/sqlite-api-key-store.js';
import { SqliteClientStore } from './sqlite/sqlite-client-store.js';
import { SqliteGraceLoginStore } from './sqlite/sqlite-grace-login-store.js';
import { SqlitePushDeviceStore } from './sqlite/sqlite-push-device-store.js';
import { SqliteServerSecretStore } from './sqlite/sqlite-server-secret-store.js';
import { SqliteSignInStore } from './sqlite/sqlite-sign-in-store.js';
import { SqliteTokenStore } from './sqlite/sqlite-token-store.js';
import { SqliteUserStore } from './sqlite/sqlite-user-store.js';

/** The subset of the configuration the store needs (paths already resolved by the config loader). */
export interface StoreConfig {
  readonly storage: { readonly sqlitePath: string; readonly autoMigrate?: boolean };
  readonly secrets: { readonly keyFile: string };
}

export interface Stores {
  readonly users: UserStore;
  readonly clients: ClientStore;
  readonly tokens: TokenStore;
  /** Folds replay-journal marks (token id → newest accepted step/counter) into the tokens; never backwards. */
  applyReplayMarks(marks: ReadonlyMap<number, { lastUsed: number; drift: number }>): number;
  /** Per-account failure counters and locks (docs/security.md A6.5). */
  readonly lockouts: AccountLockoutStore;
  /** Enrolled push authenticators and their activation codes (docs/push.md §3). */
  readonly pushDevices: PushDeviceStore;
  /** Grace sign-ins used by users without a second factor (issue 18). */
  readonly graceLogins: GraceLoginStore;
  /** Each user's final login outcomes, for the portal's sign-in history (issue 18); written in batches. */
  readonly signIns: SignInStore;
  /** The server's own keys (push signing, VAPID), sealed. */
  readonly serverSecrets: ServerSecretStore;
  /** Keys of the REST API on the admin listener, as hashes (docs/api.md "Keys"). */
  readonly apiKeys: ApiKeyStore;
  /** Non-fatal problems found while opening (e.g. a key file readable by others). */
  readonly warnings: readonly string[];
  readonly db: Database.Database;
  close(): void;
}

/**
 * Opens the stores. SECURITY A9.4: without a usable key nothing opens, so no authentication can run on
 * secrets that cannot be read.
 * @throws SealError when the key file is missing or unusable; StoreError `STORE_UNAVAILABLE` when the database cannot be opened or migrated.
 */
export function openStores(config: StoreConfig): Stores {
  const { sealer, warnings } = loadSealer(config.secrets.keyFile);
  // Issue 12: every opener (server and CLI) refuses a damaged file with a clear message before using it.
  const db = openSqlite(config.storage.sqlitePath, {
    integrityCheck: true,
    applyMigrations: config.storage.autoMigrate ?? true,
  });
  const tokens = new SqliteTokenStore(db, sealer);
  return {
    users: new SqliteUserStore(db),
    clients: new SqliteClientStore(db, sealer),
    tokens,
    applyReplayMarks: (marks) => tokens.applyReplayMarks(marks),
    lockouts: new SqliteAccountLockoutStore(db),
    pushDevices: new SqlitePushDeviceStore(db, sealer),
    serverSecrets: new SqliteServerSecretStore(db, sealer),
    graceLogins: new SqliteGraceLoginStore(db),
    signIns: new SqliteSignInStore(db),
    apiKeys: new SqliteApiKeyStore(db),
    warnings,
    db,
    close: () => {
      if (db.open) db.close();
    },
  };
}
