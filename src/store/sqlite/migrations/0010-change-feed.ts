// Owns migration 10: the change feed, a log of which user, token holder, lockout or client any writer changed.
import type { Migration } from '../migration.js';

/**
 * Every process that writes (the server, `assent` commands, another node) leaves a row here through triggers, so
 * a running server learns exactly what changed and reloads only those rows of its in-memory login index
 * (docs/storage.md "Change feed"), instead of forgetting every cache on any write.
 *
 * `kind` says what to reload and `key` names it: the user's name for `user`, `token`, `device` and `lockout`, the
 * client's name for `client`. Writes the server makes on the login path for its own bookkeeping leave no row: a
 * token's `last_used`/`drift` (the replay guard is decided by its compare-and-set in the database, not by caches),
 * a device's `last_seen_at`. `changes_pruned.through` is the highest `seq` deleted by pruning: a reader whose last
 * seen `seq` is below it has missed rows and reloads everything.
 */
export const migration0010: Migration = {
  number: 10,
  name: 'change-feed',
  up(db) {
    db.exec(`
      CREATE TABLE changes (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('user', 'token', 'device', 'lockout', 'client')),
        key TEXT NOT NULL,
        at INTEGER NOT NULL DEFAULT (CAST(unixepoch('subsec') * 1000 AS INTEGER))
      ) STRICT;
      CREATE TABLE changes_pruned (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        through INTEGER NOT NULL
      ) STRICT;
      INSERT INTO changes_pruned (one, through) VALUES (1, 0);

      CREATE TRIGGER users_changed_insert AFTER INSERT ON users BEGIN
        INSERT INTO changes (kind, key) VALUES ('user', NEW.name);
      END;
      CREATE TRIGGER users_changed_update AFTER UPDATE ON users BEGIN
        INSERT INTO changes (kind, key) VALUES ('user', NEW.name);
        INSERT INTO changes (kind, key) SELECT 'user', OLD.name WHERE OLD.name IS NOT NEW.name;
      END;
      CREATE TRIGGER users_changed_delete AFTER DELETE ON users BEGIN
        INSERT INTO changes (kind, key) VALUES ('user', OLD.name);
      END;

      CREATE TRIGGER tokens_changed_insert AFTER INSERT ON tokens BEGIN
        INSERT INTO changes (kind, key) VALUES ('token', NEW.user_name);
      END;
      CREATE TRIGGER tokens_changed_update
        AFTER UPDATE OF serial, user_name, type, secret_sealed, algorithm, digits, period, failures, locked_until,
          label ON tokens BEGIN
        INSERT INTO changes (kind, key) VALUES ('token', NEW.user_name);
        INSERT INTO changes (kind, key) SELECT 'token', OLD.user_name WHERE OLD.user_name IS NOT NEW.user_name;
      END;
      CREATE TRIGGER tokens_changed_delete AFTER DELETE ON tokens BEGIN
        INSERT INTO changes (kind, key) VALUES ('token', OLD.user_name);
      END;

      CREATE TRIGGER push_devices_changed_insert AFTER INSERT ON push_devices BEGIN
        INSERT INTO changes (kind, key) VALUES ('device', NEW.user_name);
      END;
      CREATE TRIGGER push_devices_changed_update AFTER UPDATE OF user_name, label ON push_devices BEGIN
        INSERT INTO changes (kind, key) VALUES ('device', NEW.user_name);
        INSERT INTO changes (kind, key) SELECT 'device', OLD.user_name WHERE OLD.user_name IS NOT NEW.user_name;
      END;
      CREATE TRIGGER push_devices_changed_delete AFTER DELETE ON push_devices BEGIN
        INSERT INTO changes (kind, key) VALUES ('device', OLD.user_name);
      END;

      CREATE TRIGGER account_lockouts_changed_insert AFTER INSERT ON account_lockouts BEGIN
        INSERT INTO changes (kind, key) VALUES ('lockout', NEW.user_name);
      END;
      CREATE TRIGGER account_lockouts_changed_update AFTER UPDATE ON account_lockouts BEGIN
        INSERT INTO changes (kind, key) VALUES ('lockout', NEW.user_name);
      END;
      CREATE TRIGGER account_lockouts_changed_delete AFTER DELETE ON account_lockouts BEGIN
        INSERT INTO changes (kind, key) VALUES ('lockout', OLD.user_name);
      END;

      CREATE TRIGGER clients_changed_insert AFTER INSERT ON clients BEGIN
        INSERT INTO changes (kind, key) VALUES ('client', NEW.name);
      END;
      CREATE TRIGGER clients_changed_update AFTER UPDATE ON clients BEGIN
        INSERT INTO changes (kind, key) VALUES ('client', NEW.name);
        INSERT INTO changes (kind, key) SELECT 'client', OLD.name WHERE OLD.name IS NOT NEW.name;
      END;
      CREATE TRIGGER clients_changed_delete AFTER DELETE ON clients BEGIN
        INSERT INTO changes (kind, key) VALUES ('client', OLD.name);
      END;
    `);
  },
};
