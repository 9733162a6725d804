// Issue 16, faults: the PostgreSQL server stops answering (every one of its processes SIGSTOPped: a hung host or a
// cut network, the case a timeout must cover) while a node serves logins. Logins are answered within the NAS's
// timeout, refused with the reason logged, `/readyz` is red; when PostgreSQL answers again the node recovers alone.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { generateHotp } from '../../src/otp/hotp.js';
import { Code } from '../../src/radius/code.js';
import { openConfiguredStores } from '../../src/store/open-stores.js';
import { createKeyFile } from '../../src/store/sealer.js';
import { createDatabase, type Postgres, startPostgres } from '../support/postgres.js';
import { decodeReply, RawRadiusClient } from '../support/raw-radius-client.js';
import { cliEnv, startCli } from '../support/run-cli.js';

const SECRET = 'pg-stopped-radius-secret';
const TIMEOUT_MS = 1000;
const dir = mkdtempSync(join(tmpdir(), 'assent-pg-stopped-'));
let postgres: Postgres | undefined;
let frozen: number[] = [];
let stopServer = () => {};

after(async () => {
  // Never leave PostgreSQL stopped: its own `stop()` needs it to answer.
  if (frozen.length > 0) signal(frozen, 'SIGCONT');
  stopServer();
  await new Promise((resolve) => setTimeout(resolve, 300));
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const seed = createHash('sha256').update('pg-stopped').digest().subarray(0, 20);
const code = (counter: number) => generateHotp(seed, counter, 6, 'SHA1');
const password = 'pw-of-frank';

/** The postmaster and every process it started (backends, writers), by PID, from /proc (no procps needed). */
function postgresProcesses(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/PID/stat is the parent's PID; the command name before it is in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // a process that ended while the list was read
    }
  }
  return [pid, ...children];
}

function signal(pids: readonly number[], name: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // a backend that ended meanwhile
    }
  }
}

test('PostgreSQL not answering: logins refused within the timeout with the reason logged, /readyz red, then recovery', async () => {
  postgres = await startPostgres();
  const url = await createDatabase(postgres.url, 'assent_stopped');
  const configFile = join(dir, 'assent.yaml');
  writeFileSync(
    configFile,
    `dataDir: ${JSON.stringify(dir)}
storage: { url: ${JSON.stringify(url)}, timeoutMs: ${TIMEOUT_MS} }
radius: { bind: ['127.0.0.1'], authPort: 0, accountingPort: null, rejectDelayMs: 0, rejectJitterMs: 0 }
http:
  public: { bind: 127.0.0.1, port: 0 }
  admin: { bind: 127.0.0.1, port: 0 }
passwords: { argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 } }
secondFactor: { mode: concat }
log: { level: info }
`,
  );
  const loaded = loadConfig({ file: configFile, env: {} });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  createKeyFile(loaded.config.secrets.keyFile);
  const stores = await openConfiguredStores(loaded.config);
  try {
    await stores.clients.add({ name: 'nas', address: '127.0.0.1', secret: new TextEncoder().encode(SECRET) });
    const salt = randomBytes(8);
    const digest = createHash('sha256').update(password).update(salt).digest();
    await stores.users.add({
      name: 'frank',
      passwordHash: `{SSHA256}${Buffer.concat([digest, salt]).toString('base64')}`,
    });
    await stores.tokens.add({
      serial: 'F1',
      userName: 'frank',
      type: 'hotp',
      secret: seed,
      algorithm: 'SHA1',
      digits: 6,
    });
  } finally {
    await stores.close();
  }
  const started = await startCli(dir, ['-c', configFile, 'serve', '--no-init'], cliEnv());
  stopServer = () => started.child.kill('SIGTERM');
  const out = started.output();
  const port = Number(/"kind":"auth","address":"127\.0\.0\.1","port":(\d+)/.exec(out)?.[1]);
  const admin = Number(/"admin":"127\.0\.0\.1:(\d+)"/.exec(out)?.[1]);
  assert.ok(port > 0 && admin > 0, out);
  const ready = async () => (await fetch(`http://127.0.0.1:${admin}/readyz`)).status;
  const radius = await RawRadiusClient.open(port, SECRET);
  const login = async (counter: number) => {
    const sent = Date.now();
    const reply = await radius.exchange(
      radius.accessRequest({ user: 'frank', password: password + code(counter) }),
      5000,
    );
    return { code: reply === undefined ? undefined : decodeReply(reply).code, ms: Date.now() - sent };
  };
  try {
    assert.equal((await login(0)).code, Code.AccessAccept);
    assert.equal(await ready(), 200);

    frozen = postgresProcesses(postgres.pid);
    signal(frozen, 'SIGSTOP');
    const during = await login(1);
    assert.equal(during.code, Code.AccessReject, 'refused, not left unanswered');
    assert.ok(during.ms < TIMEOUT_MS + 1500, `answered after ${during.ms} ms: past the NAS's patience`);
    assert.equal(await ready(), 503, '/readyz is red while the database does not answer');
    assert.match(started.output(), /"event":"auth\.error"[^\n]*failed \((Query read timeout|timeout[^)]*)\)/);

    signal(frozen, 'SIGCONT');
    frozen = [];
    // The next code: the refused one was never recorded as used, but counter 1 may have reached the database.
    const deadline = Date.now() + 10_000;
    let answer = await login(2);
    while (answer.code !== Code.AccessAccept && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      answer = await login(3);
    }
    assert.equal(answer.code, Code.AccessAccept, 'logins work again without a restart');
    assert.equal(await ready(), 200);
  } finally {
    radius.close();
  }
});
