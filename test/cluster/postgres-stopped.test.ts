// Issue 16, faults: the PostgreSQL server stops answering (every one of its processes SIGSTOPped: a hung host or a
// cut network, the case a timeout must cover) while a node serves logins. Logins are answered within the NAS's
// timeout, refused with the reason logged, `/readyz` is red; when PostgreSQL answers again the node recovers alone.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { generateHotp } from '../../src/otp/hotp.js';
import { Code } from '../../src/radius/code.js';
import { addUser, Cluster } from '../support/cluster.js';
import { decodeReply } from '../support/raw-radius-client.js';

const SECRET = 'pg-stopped-radius-secret';
const TIMEOUT_MS = 1000;
const cluster = new Cluster({
  tempPrefix: 'assent-pg-stopped-',
  database: 'assent_stopped',
  secret: SECRET,
  storageTimeoutMs: TIMEOUT_MS,
  config: 'secondFactor: { mode: concat }\n',
});
let frozen: number[] = [];

after(async () => {
  // Never leave PostgreSQL stopped: its own `stop()` needs it to answer.
  if (frozen.length > 0) signal(frozen, 'SIGCONT');
  await cluster.stop(300);
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
  await cluster.start();
  await cluster.withStores((stores) => addUser(stores, 'frank', password, { serial: 'F1', seed }));
  const node = await cluster.startNode('A');
  const { radius, adminPort: admin } = node;
  const ready = async () => (await fetch(`http://127.0.0.1:${admin}/readyz`)).status;
  const login = async (counter: number) => {
    const sent = Date.now();
    const reply = await radius.exchange(
      radius.accessRequest({ user: 'frank', password: password + code(counter) }),
      5000,
    );
    return { code: reply === undefined ? undefined : decodeReply(reply).code, ms: Date.now() - sent };
  };
  assert.equal((await login(0)).code, Code.AccessAccept);
  assert.equal(await ready(), 200);

  frozen = postgresProcesses(cluster.postgres.pid);
  signal(frozen, 'SIGSTOP');
  const during = await login(1);
  assert.equal(during.code, Code.AccessReject, 'refused, not left unanswered');
  assert.ok(during.ms < TIMEOUT_MS + 1500, `answered after ${during.ms} ms: past the NAS's patience`);
  assert.equal(await ready(), 503, '/readyz is red while the database does not answer');
  assert.match(node.output(), /"event":"auth\.error"[^\n]*failed \((Query read timeout|timeout[^)]*)\)/);

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
});
