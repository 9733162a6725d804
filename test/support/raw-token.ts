// Writes a token row behind the store's back, as a database from before a store rule may hold it (tests only).
import { loadConfig } from '../../src/config/load-config.js';
import { loadSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { tokenSecretAad } from '../../src/store/sqlite/sqlite-token-store.js';

/** Inserts a TOTP token (SHA1, 6 digits, 30 s) for `userName` into the data directory `dir`'s database. */
export function insertTokenRow(
  dir: string,
  token: { serial: string; userName: string; secret: Uint8Array },
): void {
  const loaded = loadConfig({ env: {}, overrides: { dataDir: dir }, cwd: dir });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const { sealer } = loadSealer(loaded.config.secrets.keyFile);
  const db = openSqlite(loaded.config.storage.sqlitePath);
  try {
    db.prepare(
      'INSERT INTO tokens (serial, user_name, type, secret_sealed, algorithm, digits, period, last_used, label, ' +
        "created_at) VALUES (?, ?, 'totp', ?, 'SHA1', 6, 30, -1, '', ?)",
    ).run(
      token.serial,
      token.userName,
      sealer.seal(token.secret, tokenSecretAad(token.serial)),
      new Date().toISOString(),
    );
  } finally {
    db.close();
  }
}
