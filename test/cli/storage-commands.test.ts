// Issue 16: `assent backup` beside a running server, `assent restore` with its checks, `assent migrate` and
// `storage.autoMigrate: false`, driven as an operator would: real `serve` processes, radclient and oathtool.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { createSealer, loadSealer, type Sealer } from '../../src/store/sealer.js';
import { ALL_MIGRATIONS } from '../../src/store/sqlite/migrations/all-migrations.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteEnrollmentLinkStore } from '../../src/store/sqlite/sqlite-enrollment-link-store.js';
import { SqlitePendingTotpStore } from '../../src/store/sqlite/sqlite-pending-totp-store.js';
import { freeUdpPort } from '../support/free-udp-port.js';
import { cliEnv, runCli, startCli } from '../support/run-cli.js';
import { radclient, runPeer } from '../support/run-peer.js';

const dir = mkdtempSync(join(tmpdir(), 'assent-storage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const envFor = (port: number, extra: Record<string, string> = {}) =>
  cliEnv({
    ASSENT_RADIUS_BIND: '127.0.0.1',
    ASSENT_RADIUS_AUTH_PORT: String(port),
    ASSENT_RADIUS_ACCOUNTING_PORT: 'off',
    ASSENT_PASSWORDS_ARGON2_MEMORY_COST: '8192',
    ASSENT_PASSWORDS_ARGON2_TIME_COST: '1',
    ...extra,
  });

async function serve(cwd: string, env: NodeJS.ProcessEnv) {
  const { child, output } = await startCli(cwd, ['serve'], env);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    output,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'late'>((r) => setTimeout(() => r('late'), 10_000)),
      ]);
      if (code === 'late') child.kill('SIGKILL');
      return code;
    },
  };
}

test('backup while serving, restore refused while serving, then restored: later changes gone, logins work', async () => {
  const port = await freeUdpPort();
  const env = envFor(port);
  const cli = (...args: string[]) => runCli(dir, args, '', env);
  let server = await serve(dir, env);
  let base32 = '';
  const secret = /shared secret: +(\S+)/.exec(
    readFileSync(join(dir, 'data', 'initial-credentials.txt'), 'utf8'),
  )![1]!;
  try {
    const added = await runCli(dir, ['user', 'add', 'alice', '--password-stdin'], 'alice-pw\n', env);
    assert.equal(added.code, 0, added.stderr);
    const token = await cli('token', 'add', '--user', 'alice', '--type', 'totp');
    assert.equal(token.code, 0, token.stderr);
    base32 = /secret=([A-Z2-7]+)/.exec(token.stdout)![1]!;

    const backup = await cli('backup', 'b1.db', '--json');
    assert.equal(backup.code, 0, backup.stderr);
    const summary = JSON.parse(backup.stdout) as { users: number; tokens: number; schemaVersion: number };
    assert.ok(summary.users >= 2 && summary.tokens === 1 && summary.schemaVersion > 0, backup.stdout);
    assert.equal(statSync(join(dir, 'b1.db')).mode & 0o777, 0o600, 'the backup holds hashes: owner-only');
    const again = await cli('backup', 'b1.db');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /b1\.db exists/);

    const bob = await runCli(dir, ['user', 'add', 'bob', '--password-stdin'], 'bob-pw\n', env);
    assert.equal(bob.code, 0, bob.stderr);
    const refused = await cli('restore', 'b1.db');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /another Assent server is using/);
  } finally {
    assert.equal(await server.stop(), 0);
  }

  const restored = await cli('restore', 'b1.db');
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stdout, /the replaced database is kept as .*before-restore-/);
  const users = (await cli('user', 'list', '--json')).stdout;
  assert.match(users, /"alice"/);
  assert.doesNotMatch(users, /"bob"/, 'a change made after the backup is rolled back');

  server = await serve(dir, env);
  try {
    const challenged = await radclient(
      port,
      secret,
      'User-Name = "alice"\nUser-Password = "alice-pw"\nMessage-Authenticator = 0x00\n',
    );
    assert.match(challenged.stdout, /Received Access-Challenge/, challenged.stdout + server.output());
    const state = /State = (0x[0-9a-f]+)/.exec(challenged.stdout)![1]!;
    const code = (await runPeer('oathtool', ['--totp', '-b', base32])).stdout.trim();
    const answered = await radclient(
      port,
      secret,
      `User-Name = "alice"\nUser-Password = "${code}"\nState = ${state}\nMessage-Authenticator = 0x00\n`,
    );
    assert.match(
      answered.stdout,
      /Received Access-Accept/,
      'the restored token secret opens with the key file',
    );
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

/** Writes the one sealed secret of a backup: a TOTP key awaiting its first code, sealed by `sealer`. */
type PendingSecret = (db: Database.Database, sealer: Sealer) => void;

const portalPending =
  (expiresAt: number): PendingSecret =>
  (db, sealer) => {
    const pending = {
      key: 'p1',
      user: 'alice',
      label: 'phone',
      issuer: 'Assent',
      secret: randomBytes(20),
      expiresAt,
    };
    new SqlitePendingTotpStore(db, sealer).add(pending, { perUser: 3, max: 100 });
  };

const linkPending: PendingSecret = (db, sealer) => {
  const links = new SqliteEnrollmentLinkStore(db, sealer);
  const now = Date.now();
  const link = {
    key: 'k1',
    user: 'alice',
    transactionId: 't1',
    source: '',
    issuedAt: now,
    expiresAt: now + 600_000,
  };
  assert.equal(links.issue(link, { perUser: 5, perSource: 30, windowMs: 3600_000 }), 'issued');
  assert.ok(links.holdTotp('k1', randomBytes(20), now));
};

/** A database of this schema at `file` holding nothing sealed but what `write` adds. */
function pendingBackup(file: string, sealer: Sealer, write: PendingSecret): string {
  const db = openSqlite(file);
  try {
    write(db, sealer);
  } finally {
    db.close();
  }
  return file;
}

test('restore refuses a backup the key file cannot open, a damaged file, a foreign file and a newer schema', async () => {
  const other = mkdtempSync(join(tmpdir(), 'assent-storage-other-'));
  try {
    const env = envFor(await freeUdpPort());
    const init = await runCli(other, ['init'], '', env);
    assert.equal(init.code, 0, init.stderr);
    const before = readFileSync(join(other, 'data', 'assent.db'));
    const cli = (...args: string[]) => runCli(other, args, '', env);
    // Another site's backup, made here so this test stands alone: one secret sealed by a key file not this one.
    const source = pendingBackup(
      join(other, 'source.db'),
      createSealer(randomBytes(32)),
      portalPending(Date.now() + 600_000),
    );

    const foreignKey = await cli('restore', source);
    assert.equal(foreignKey.code, 1);
    assert.match(foreignKey.stderr, /does not open this backup's secrets/);

    const damaged = join(other, 'damaged.db');
    copyFileSync(source, damaged);
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4096);
    closeSync(fd);
    const bad = await cli('restore', damaged);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /damaged|not an Assent database/);

    writeFileSync(join(other, 'notes.txt'), 'not a database at all\n'.repeat(50));
    assert.match((await cli('restore', 'notes.txt')).stderr, /not an Assent database/);

    const newer = join(other, 'newer.db');
    copyFileSync(source, newer);
    const db = new Database(newer);
    db.prepare("INSERT INTO schema_migrations (number, name, applied_at) VALUES (999, 'future', 'x')").run();
    db.close();
    const future = await cli('restore', newer);
    assert.equal(future.code, 1);
    assert.match(future.stderr, /schema version 999, newer than this Assent knows/);

    assert.deepEqual(readFileSync(join(other, 'data', 'assent.db')), before, 'nothing restored was touched');
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test('restore refuses a wrong key file when the only sealed secret is a TOTP key awaiting its first code', async () => {
  const work = mkdtempSync(join(tmpdir(), 'assent-restore-pending-'));
  try {
    const env = envFor(await freeUdpPort());
    const init = await runCli(work, ['init'], '', env);
    assert.equal(init.code, 0, init.stderr);
    const database = join(work, 'data', 'assent.db');
    const before = readFileSync(database);
    const foreign = createSealer(randomBytes(32));
    const backups: [string, PendingSecret][] = [
      ["the portal's (A12.6)", portalPending(Date.now() + 600_000)],
      ["the portal's, expired", portalPending(Date.now() - 1)],
      ["an enrollment link's (A11.4)", linkPending],
    ];
    for (const [i, [what, write]] of backups.entries()) {
      const file = pendingBackup(join(work, `pending-${i}.db`), foreign, write);
      const refused = await runCli(work, ['restore', file], '', env);
      assert.equal(refused.code, 1, `${what}: ${refused.stdout}${refused.stderr}`);
      assert.match(refused.stderr, /does not open this backup's secrets/, what);
    }
    assert.deepEqual(readFileSync(database), before, 'nothing restored was touched');

    // The same backups sealed with this server's key file restore: the refusals above were the key's.
    const own = loadSealer(join(work, 'data', 'secret.key')).sealer;
    for (const [i, [what, write]] of backups.entries()) {
      const file = pendingBackup(join(work, `own-${i}.db`), own, write);
      const restored = await runCli(work, ['restore', file], '', env);
      assert.equal(restored.code, 0, `${what}: ${restored.stderr}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('migrate: storage.autoMigrate false refuses an older schema until "assent migrate" applies it', async () => {
  const work = mkdtempSync(join(tmpdir(), 'assent-migrate-'));
  try {
    const env = envFor(await freeUdpPort(), { ASSENT_STORAGE_AUTO_MIGRATE: 'false' });
    assert.equal((await runCli(work, ['init'], '', env)).code, 0);
    const cli = (...args: string[]) => runCli(work, args, '', env);
    const current = JSON.parse((await cli('migrate', '--status', '--json')).stdout) as {
      version: number;
      known: number;
      pending: string[];
    };
    assert.equal(current.version, current.known);
    assert.deepEqual(current.pending, []);
    // Play an older Assent's database: made by every migration but the newest.
    const path = join(work, 'data', 'assent.db');
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
    openSqlite(path, { migrations: ALL_MIGRATIONS.slice(0, -1) }).close();

    const refused = await cli('user', 'list');
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /storage\.autoMigrate is off: run "assent migrate"/);
    const status = await cli('migrate', '--status');
    assert.equal(status.code, 3, 'pending migrations: exit 3 for scripts');
    assert.match(
      status.stdout,
      new RegExp(`schema version ${current.known - 1}, this Assent knows ${current.known}`),
    );
    assert.match(status.stdout, /pending: \d+-[a-z-]+/);
    const applied = await cli('migrate');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /applied \d+-[a-z-]+/);
    const done = await cli('migrate', '--status');
    assert.equal(done.code, 0);
    assert.match(done.stdout, /up to date/);
    assert.equal((await cli('user', 'list')).code, 0);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
