// Owns `assent backup`, `assent restore` and `assent migrate`: the database's life outside the server (issue 16).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import pg from 'pg';
import type { Config } from '../../config/config-schema.js';
import type { Awaitable } from '../../domain/awaitable.js';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import { openStores } from '../../store/open-stores.js';
import { redactUrl } from '../../store/postgres/open-postgres.js';
import {
  migratePostgres,
  type PostgresSchemaStatus,
  postgresSchemaStatus,
} from '../../store/postgres/pg-migrate.js';
import { SealError } from '../../store/sealer.js';
import { readSchemaStatus } from '../../store/sqlite/schema-status.js';
import { acquireServerLock, ServerLockError } from '../../store/sqlite/server-lock.js';
import { type BackupSummary, backupSqlite, restoreSqlite } from '../../store/sqlite/sqlite-backup.js';
import { isInitialised, loadCliConfig } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';

const describe = (s: BackupSummary) =>
  `schema version ${s.schemaVersion}, ${s.users} users, ${s.clients} clients, ${s.tokens} tokens, ` +
  `${s.pushDevices} push devices, ${s.bytes} bytes`;

/**
 * A restore checks its copy synchronously, under the database's lock; the embedded adapters it opens answer at once,
 * so a promise here means a store the check cannot wait for.
 */
function answered<T>(value: Awaitable<T>): T {
  if (value instanceof Promise) throw new Error('the restore check needs a store that answers at once');
  return value;
}

/** Backup and restore copy the SQLite file; a PostgreSQL database is copied with PostgreSQL's own tools. */
function sqliteOnly(config: Config, command: string, instead: string): void {
  if (config.storage.url === '') return;
  throw new CliError(
    `assent ${command} works on the SQLite file; this configuration uses PostgreSQL (storage.url): use ${instead} ` +
      'and keep the key file with it (docs/storage.md)',
    ExitCode.Usage,
  );
}

/** Schema status (and the migration) of the PostgreSQL database at `storage.url`, on one connection. */
async function postgresSchema(config: Config, migrate: boolean): Promise<PostgresSchemaStatus> {
  const client = new pg.Client({
    connectionString: config.storage.url,
    connectionTimeoutMillis: config.storage.timeoutMs,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    if (migrate) await migratePostgres(client);
    return await postgresSchemaStatus(client);
  } catch (error) {
    throw error instanceof StoreError
      ? error
      : new StoreError(
          StoreErrorCode.Unavailable,
          `cannot reach ${redactUrl(config.storage.url)}: ${(error as Error).message}`,
        );
  } finally {
    await client.end().catch(() => {});
  }
}

function failed(error: unknown): never {
  if (error instanceof StoreError || error instanceof ServerLockError) {
    throw new CliError(error.message, ExitCode.Failed);
  }
  throw error;
}

export function registerStorageCommands(program: Command): void {
  program
    .command('backup')
    .description('write a consistent copy of the database to a file, also while the server runs')
    .argument('<file>', 'where to write the backup (refused when it exists, unless --force)')
    .option('--force', 'replace an existing file')
    .option('--json', 'print the summary as one JSON object')
    .addHelpText(
      'after',
      `
Uses SQLite's online backup: the server keeps answering while the copy is made, and the copy
is one consistent moment of the database. The file is written beside its destination, checked
(SQLite's quick_check and the schema version), synced and then renamed into place, mode 0600:
it holds password hashes and sealed secrets.

The key file (secrets.keyFile) is NOT in the backup and must be kept, separately: without it
the sealed RADIUS secrets, OTP seeds and push keys in the backup cannot be opened. Keep the two
apart so that one stolen copy does not hold both.

PostgreSQL deployments back up with the database's own tools (pg_dump); see docs/storage.md.

Examples:
  assent backup /var/backups/assent/assent-$(date +%F).db
  assent backup --json nightly.db`,
    )
    .action(async (file: string, options: { force?: boolean; json?: boolean }, command: Command) => {
      const config = loadCliConfig(command);
      sqliteOnly(config, 'backup', 'pg_dump --format=custom');
      const destination = resolve(file);
      const summary = await backupSqlite(config.storage.sqlitePath, destination, {
        overwrite: options.force === true,
      }).catch(failed);
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ file: destination, ...summary })}\n`);
      } else {
        process.stdout.write(`backup written to ${destination}: ${describe(summary)}\n`);
      }
    });

  program
    .command('restore')
    .description('replace the database with a backup (the server must be stopped)')
    .argument('<file>', 'a file written by "assent backup"')
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      `
Checks the backup before touching anything: SQLite's quick_check, that it is an Assent
database of this or an older schema version (an older one is migrated forward, as a start
would), and that the current key file opens every sealed secret in it (a backup restored with
another server's key file would refuse every login). Refused while a server runs on this data
directory. The database it replaces is renamed to <database>.before-restore-<time>, never
deleted.

What a restore rolls back: every change since the backup (users, tokens, devices, lockouts).
The OTP replay journal (<database>.replay) is kept, so codes accepted after the backup stay
spent; HOTP counters of tokens used after the backup may need "assent token resync".

Example:
  systemctl stop assent && assent restore /var/backups/assent/assent-2026-12-01.db && systemctl start assent`,
    )
    .action((file: string, options: { json?: boolean }, command: Command) => {
      const config = loadCliConfig(command);
      sqliteOnly(config, 'restore', 'pg_restore into an empty database');
      if (!isInitialised(config)) {
        throw new CliError(
          `no key file at ${config.secrets.keyFile}: put the key file of the backup's server there first ` +
            '(a restore needs it to open the sealed secrets)',
          ExitCode.NotReady,
        );
      }
      const opens = (copy: string) => {
        const stores = openStores({
          ...config,
          storage: { ...config.storage, sqlitePath: copy, autoMigrate: true },
        });
        try {
          // Each list opens every sealed secret of its kind (SECURITY A9.4): a wrong key fails here.
          answered(stores.clients.list());
          answered(stores.tokens.list());
          answered(stores.pushDevices.list());
          const db = stores.sqlite!;
          const names = db.prepare('SELECT name FROM server_secrets').pluck().all() as string[];
          for (const name of names) {
            answered(
              stores.serverSecrets.getOrCreate(name, () => {
                throw new Error(`server secret ${name} vanished while it was checked`);
              }),
            );
          }
          // TOTP keys awaiting their first code: the portal's (A12.6) and those held with enrollment links (A11.4,
          // only open links hold one). Asked at -Infinity, so expired rows are opened too: a key file that does not
          // open them is the wrong one whatever their age, and a backup may hold no other sealed secret.
          const always = Number.NEGATIVE_INFINITY;
          const pendings = db.prepare('SELECT key FROM pending_totps').pluck().all() as string[];
          for (const key of pendings) answered(stores.pendingTotps.find(key, always));
          const held = db
            .prepare('SELECT user_name, transaction_id FROM enrollment_links WHERE totp_sealed IS NOT NULL')
            .all() as { user_name: string; transaction_id: string }[];
          for (const link of held)
            answered(stores.enrollmentLinks.pendingTotp(link.user_name, link.transaction_id, always));
        } finally {
          answered(stores.close());
        }
      };
      let result: ReturnType<typeof restoreSqlite>;
      try {
        result = restoreSqlite(resolve(file), config.storage.sqlitePath, opens, new Date());
      } catch (error) {
        if (error instanceof SealError || (error instanceof StoreError && error.cause instanceof SealError)) {
          throw new CliError(
            `${error.message}\nthe key file ${config.secrets.keyFile} does not open this backup's secrets: ` +
              "restore with the key file of the backup's server",
            ExitCode.Failed,
          );
        }
        return failed(error);
      }
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ restored: config.storage.sqlitePath, ...result })}\n`);
        return;
      }
      process.stdout.write(
        `restored ${config.storage.sqlitePath} from ${resolve(file)}: ${describe(result)}\n`,
      );
      if (result.previous !== undefined)
        process.stdout.write(`the replaced database is kept as ${result.previous}\n`);
    });

  program
    .command('migrate')
    .description('bring the database schema up to date, or show where it stands (--status)')
    .option('--status', 'show the schema version and pending migrations; change nothing')
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      `
Migrations are numbered and forward-only; each runs once, all pending ones in one transaction.
A server or command opening an older database migrates it at once unless storage.autoMigrate
is false; then it refuses to start and this command applies them (take a backup first:
"assent backup <file>"). A database written by a newer Assent is always refused: there is no
way back except a backup made by this version. Exit code 3 from --status when migrations are
pending or the database is newer, so scripts can check before an upgrade.

Examples:
  assent migrate --status
  assent backup before-upgrade.db && assent migrate`,
    )
    .action(async (options: { status?: boolean; json?: boolean }, command: Command) => {
      const config = loadCliConfig(command);
      const shared = config.storage.url !== '';
      const path = shared ? redactUrl(config.storage.url) : config.storage.sqlitePath;
      const before = await (async () => {
        try {
          return shared ? await postgresSchema(config, false) : readSchemaStatus(path);
        } catch (error) {
          return failed(error);
        }
      })();
      const out = (status: typeof before, applied: readonly string[]) => {
        if (options.json === true) {
          process.stdout.write(
            `${JSON.stringify({
              database: path,
              version: status.applied,
              known: status.known,
              pending: status.pending.map((m) => `${m.number}-${m.name}`),
              newer: status.newer,
              applied,
            })}\n`,
          );
          return;
        }
        const lines = [
          `database ${path}: schema version ${status.applied}, this Assent knows ${status.known}`,
        ];
        if (status.newer)
          lines.push('written by a newer Assent: run that version, or restore a backup made by this one');
        for (const name of applied) lines.push(`applied ${name}`);
        if (applied.length === 0 && !status.newer) {
          lines.push(
            status.pending.length === 0
              ? 'up to date'
              : `pending: ${status.pending.map((m) => `${m.number}-${m.name}`).join(', ')}`,
          );
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      };
      if (options.status === true || before.newer || before.pending.length === 0) {
        out(before, []);
        if (before.newer || (options.status === true && before.pending.length > 0))
          process.exitCode = ExitCode.NotReady;
        return;
      }
      if (shared) {
        // PostgreSQL: nodes take turns on an advisory lock; stop the nodes of the old version first (docs/storage.md).
        const after = await postgresSchema(config, true).catch(failed);
        out(
          after,
          before.pending.map((m) => `${m.number}-${m.name}`),
        );
        return;
      }
      try {
        // A running server keeps its schema in memory: migrating under it would run old code on a new schema.
        const lock = acquireServerLock(path);
        try {
          await openStores({ ...config, storage: { ...config.storage, autoMigrate: true } }).close();
        } finally {
          lock.release();
        }
      } catch (error) {
        return failed(error);
      }
      out(
        readSchemaStatus(path),
        before.pending.map((m) => `${m.number}-${m.name}`),
      );
    });
}
