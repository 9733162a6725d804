// Owns migration 10 (PostgreSQL): the change feed, which user, token holder, lockout or client changed.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * The same `changes` and `changes_pruned` tables and the same triggers (names, events, `UPDATE OF` column
 * lists, the rows they write) as SQLite's migration 10, with the type mapping of pg-migration.ts. What
 * differs, and why:
 *
 * - Trigger bodies are plpgsql functions, one per table, called by the three triggers SQLite has for it.
 *   `OLD.x IS NOT NEW.x` is `IS DISTINCT FROM`.
 * - Every row goes through `record_change()`, which first takes the transaction-scoped advisory lock
 *   (0x41534e54, 2) (pg-locks.ts `PgLock.changeFeed`). PostgreSQL hands out sequence numbers outside
 *   transactions: without the lock, a writer holding seq 5 could commit after another holding seq 6, and a
 *   reader that had read up to 6 would never see 5. Under the lock, numbers are taken in commit order, which
 *   SQLite gets from its single writer. A numbered row whose transaction rolls back leaves a gap, which
 *   readers skip unharmed. A transaction that writes feed tables in several statements should take the lock
 *   itself first: otherwise it can hold the lock while waiting for a row another writer has locked, a
 *   deadlock PostgreSQL breaks by failing one of them.
 * - `at` defaults to `statement_timestamp()` in milliseconds, truncated: SQLite's `unixepoch('subsec')` is
 *   fixed for one statement too.
 * - Added: an AFTER INSERT trigger on `changes` calls `pg_notify('assent_changes', seq)`, so running nodes
 *   LISTEN instead of polling. Notifications go out at commit, in commit order, and never for a rolled-back
 *   row; a payload is a hint that rows up to that seq exist, and a reader still reads `changes` from its last
 *   seen seq.
 */
export const migration0010: PostgresMigration = {
  number: 10,
  name: 'change-feed',
  async up(client) {
    await client.query(`
      CREATE TABLE changes (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind TEXT COLLATE "C" NOT NULL CHECK (kind IN ('user', 'token', 'device', 'lockout', 'client')),
        key TEXT COLLATE "C" NOT NULL,
        at BIGINT NOT NULL DEFAULT (trunc(extract(epoch FROM statement_timestamp()) * 1000)::bigint)
      );
      CREATE TABLE changes_pruned (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        through BIGINT NOT NULL
      );
      INSERT INTO changes_pruned (one, through) VALUES (1, 0);

      CREATE FUNCTION record_change(change_kind TEXT, change_key TEXT) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(1095978580, 2);
        INSERT INTO changes (kind, key) VALUES (change_kind, change_key);
      END;
      $$;

      CREATE FUNCTION changes_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('assent_changes', NEW.seq::text);
        RETURN NULL;
      END;
      $$;
      CREATE TRIGGER changes_notify AFTER INSERT ON changes FOR EACH ROW EXECUTE FUNCTION changes_notify();

      CREATE FUNCTION users_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM record_change('user', OLD.name);
          RETURN NULL;
        END IF;
        PERFORM record_change('user', NEW.name);
        IF TG_OP = 'UPDATE' AND OLD.name IS DISTINCT FROM NEW.name THEN
          PERFORM record_change('user', OLD.name);
        END IF;
        RETURN NULL;
      END;
      $$;
      CREATE TRIGGER users_changed_insert AFTER INSERT ON users
        FOR EACH ROW EXECUTE FUNCTION users_changed();
      CREATE TRIGGER users_changed_update AFTER UPDATE ON users
        FOR EACH ROW EXECUTE FUNCTION users_changed();
      CREATE TRIGGER users_changed_delete AFTER DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION users_changed();

      CREATE FUNCTION tokens_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM record_change('token', OLD.user_name);
          RETURN NULL;
        END IF;
        PERFORM record_change('token', NEW.user_name);
        IF TG_OP = 'UPDATE' AND OLD.user_name IS DISTINCT FROM NEW.user_name THEN
          PERFORM record_change('token', OLD.user_name);
        END IF;
        RETURN NULL;
      END;
      $$;
      CREATE TRIGGER tokens_changed_insert AFTER INSERT ON tokens
        FOR EACH ROW EXECUTE FUNCTION tokens_changed();
      CREATE TRIGGER tokens_changed_update
        AFTER UPDATE OF serial, user_name, type, secret_sealed, algorithm, digits, period, failures,
          locked_until, label ON tokens
        FOR EACH ROW EXECUTE FUNCTION tokens_changed();
      CREATE TRIGGER tokens_changed_delete AFTER DELETE ON tokens
        FOR EACH ROW EXECUTE FUNCTION tokens_changed();

      CREATE FUNCTION push_devices_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM record_change('device', OLD.user_name);
          RETURN NULL;
        END IF;
        PERFORM record_change('device', NEW.user_name);
        IF TG_OP = 'UPDATE' AND OLD.user_name IS DISTINCT FROM NEW.user_name THEN
          PERFORM record_change('device', OLD.user_name);
        END IF;
        RETURN NULL;
      END;
      $$;
      CREATE TRIGGER push_devices_changed_insert AFTER INSERT ON push_devices
        FOR EACH ROW EXECUTE FUNCTION push_devices_changed();
      CREATE TRIGGER push_devices_changed_update AFTER UPDATE OF user_name, label ON push_devices
        FOR EACH ROW EXECUTE FUNCTION push_devices_changed();
      CREATE TRIGGER push_devices_changed_delete AFTER DELETE ON push_devices
        FOR EACH ROW EXECUTE FUNCTION push_devices_changed();

      -- As in SQLite, an update records only the new name: the key of a lockout is never changed.
      CREATE FUNCTION account_lockouts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM record_change('lockout', OLD.user_name);
          RETURN NULL;
        END IF;
        PERFORM record_change('lockout', NEW.user_name);
        RETURN NULL;
      END;
      $$;
      CREATE TRIGGER account_lockouts_changed_insert AFTER INSERT ON account_lockouts
        FOR EACH ROW EXECUTE FUNCTION account_lockouts_changed();
      CREATE TRIGGER account_lockouts_changed_update AFTER UPDATE ON account_lockouts
        FOR EACH ROW EXECUTE FUNCTION account_lockouts_changed();
      CREATE TRIGGER account_lockouts_changed_delete AFTER DELETE ON account_lockouts
        FOR EACH ROW EXECUTE FUNCTION account_lockouts_changed();

      CREATE FUNCTION clients_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          PERFORM record_change('client', OLD.name);
          RETURN NULL;
        END IF;
        PERFORM record_change('client', NEW.name);
        IF TG_OP = 'UPDATE' AND OLD.name IS DISTINCT FROM NEW.name THEN
          PERFORM record_change('client', OLD.name);
        END IF;
        RETURN NULL;
      END;
      $$;
      CREATE TRIGGER clients_changed_insert AFTER INSERT ON clients
        FOR EACH ROW EXECUTE FUNCTION clients_changed();
      CREATE TRIGGER clients_changed_update AFTER UPDATE ON clients
        FOR EACH ROW EXECUTE FUNCTION clients_changed();
      CREATE TRIGGER clients_changed_delete AFTER DELETE ON clients
        FOR EACH ROW EXECUTE FUNCTION clients_changed();
    `);
  },
};
