// Issue 16: two real `assent serve` processes on one PostgreSQL database. A code accepted by one node is refused by
// the other, a brute force spread over both meets one lockout counter, and a write by any process reaches both
// nodes by LISTEN/NOTIFY without a restart or a signal.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateHotp } from '../../src/otp/hotp.js';
import { Code } from '../../src/radius/code.js';
import { ALL_PG_MIGRATIONS } from '../../src/store/postgres/migrations/all-migrations.js';
import { addUser as addUserTo, Cluster, type ClusterNode } from '../support/cluster.js';
import { decodeReply } from '../support/raw-radius-client.js';
import { cliEnv, runCli } from '../support/run-cli.js';

const SECRET = 'two-nodes-radius-secret';
const LOCKOUT_FAILURES = 4;
const cluster = new Cluster({
  tempPrefix: 'assent-two-nodes-',
  database: 'assent_two_nodes',
  secret: SECRET,
  config: `secondFactor: { mode: concat, lockoutFailures: ${LOCKOUT_FAILURES}, lockoutSeconds: 600 }\n`,
});
const { dir, configFile, nodes } = cluster;

const seedOf = (user: string) => createHash('sha256').update(`seed-${user}`).digest().subarray(0, 20);
const passwordOf = (user: string) => `pw-of-${user}`;
const codeOf = (user: string, counter: number) => generateHotp(seedOf(user), counter, 6, 'SHA1');

/** A user with an HOTP token, written by this process (not by a node) straight to the shared database. */
const addUser = (name: string) =>
  cluster.withStores((stores) =>
    addUserTo(stores, name, passwordOf(name), { serial: `H-${name}`, seed: seedOf(name) }),
  );

async function login(node: ClusterNode, user: string, code: string): Promise<number | undefined> {
  const reply = await node.radius.exchange(
    node.radius.accessRequest({ user, password: passwordOf(user) + code }),
    4000,
  );
  return reply === undefined ? undefined : decodeReply(reply).code;
}

/** Asks until `want` comes back (a change on the other node arrives by NOTIFY, in milliseconds) or 3 s pass. */
async function eventually(ask: () => Promise<number | undefined>, want: number): Promise<number | undefined> {
  const deadline = Date.now() + 3000;
  let got = await ask();
  while (got !== want && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    got = await ask();
  }
  return got;
}

before(async () => {
  await cluster.start();
  for (const user of ['replay', 'stale', 'brute']) await addUser(user);
  // One after the other: the first makes the certificates in the shared data directory.
  await cluster.startNode('A');
  await cluster.startNode('B');
});

after(() => cluster.stop());

describe('two nodes on one PostgreSQL', () => {
  test('both nodes serve from the shared database and say so', () => {
    const [a, b] = nodes;
    for (const node of [a!, b!]) {
      assert.match(node.output(), /"event":"store\.login_index_loaded","users":3,"tokens":3/, node.name);
      assert.doesNotMatch(node.output(), /replay_journal/, `${node.name} keeps no journal file`);
    }
  });

  test('a code accepted by node A is refused by node B; the next code is accepted by B, then refused by A', async () => {
    const [a, b] = nodes;
    assert.equal(await login(a!, 'replay', codeOf('replay', 0)), Code.AccessAccept);
    assert.equal(await login(b!, 'replay', codeOf('replay', 0)), Code.AccessReject, 'replayed on B');
    // B's memory of the token's last counter may lag A's: the database decides, and a newer code still passes.
    assert.equal(await login(b!, 'replay', codeOf('replay', 1)), Code.AccessAccept);
    assert.equal(await login(a!, 'replay', codeOf('replay', 1)), Code.AccessReject, 'replayed on A');
    assert.equal(await login(a!, 'replay', codeOf('replay', 0)), Code.AccessReject, 'an older code on A');
  });

  test("node B accepts a newer code while its memory of the token still predates A's accept", async () => {
    const [a, b] = nodes;
    assert.equal(await login(a!, 'stale', codeOf('stale', 0)), Code.AccessAccept);
    // B never saw the token move (last-used counters are not in the change log): the database's value decides.
    assert.equal(await login(b!, 'stale', codeOf('stale', 1)), Code.AccessAccept);
    assert.equal(await login(a!, 'stale', codeOf('stale', 1)), Code.AccessReject, 'replayed on A');
    assert.equal(await login(b!, 'stale', codeOf('stale', 0)), Code.AccessReject, 'older code on B');
  });

  test('the same code sent to both nodes at once is accepted once', async () => {
    const [a, b] = nodes;
    for (let counter = 2; counter < 12; counter++) {
      const code = codeOf('replay', counter);
      const answers = await Promise.all([login(a!, 'replay', code), login(b!, 'replay', code)]);
      assert.equal(
        answers.filter((answer) => answer === Code.AccessAccept).length,
        1,
        `counter ${counter}: ${answers.join(', ')}`,
      );
    }
  });

  test('wrong codes spread over both nodes meet one lockout counter', async () => {
    const [a, b] = nodes;
    for (let i = 0; i < LOCKOUT_FAILURES; i++) {
      // Half the failures on each node: each node alone saw fewer than the limit.
      assert.equal(await login(i % 2 === 0 ? a! : b!, 'brute', '000000'), Code.AccessReject);
    }
    const locked =
      /"event":"audit\.lockout"[^\n]*"user":"brute"|"user":"brute"[^\n]*"event":"audit\.lockout"/;
    const logged = () => locked.test(a!.output()) || locked.test(b!.output());
    // The lockout's log line may follow the reply by a moment (the children's stdout is read asynchronously).
    for (let i = 0; i < 40 && !logged(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(logged(), 'a node logged the lockout when the shared counter reached the limit');
    // The right code is refused on both nodes now: the lock is in the database, and reached A by NOTIFY.
    assert.equal(await login(b!, 'brute', codeOf('brute', 0)), Code.AccessReject);
    assert.equal(await login(a!, 'brute', codeOf('brute', 1)), Code.AccessReject);
  });

  test('a user added by another process logs in on both nodes without a restart or a signal', async () => {
    const [a, b] = nodes;
    await addUser('newcomer');
    assert.equal(
      await eventually(() => login(a!, 'newcomer', codeOf('newcomer', 0)), Code.AccessAccept),
      Code.AccessAccept,
    );
    // B hears the same change by its own LISTEN connection, which may lag A's on a loaded machine.
    assert.equal(
      await eventually(() => login(b!, 'newcomer', codeOf('newcomer', 1)), Code.AccessAccept),
      Code.AccessAccept,
    );
  });

  test('the CLI works on the shared database: migrate --status, a password kept out of print, backup refused', async () => {
    const status = await runCli(dir, ['-c', configFile, 'migrate', '--status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(
        `^database postgres://postgres@127\\.0\\.0\\.1:\\d+/assent_two_nodes: schema version ${ALL_PG_MIGRATIONS.length}\\b`,
      ),
    );
    assert.match(status.stdout, /up to date/);
    const url = `postgres://postgres:Very-Secret-pw@127.0.0.1:${cluster.postgres.port}/assent_two_nodes`;
    const printed = await runCli(
      dir,
      ['-c', configFile, 'config', 'check', '--print'],
      '',
      cliEnv({ ASSENT_STORAGE_URL: url }),
    );
    assert.equal(printed.code, 0, printed.stderr);
    assert.doesNotMatch(printed.stdout + printed.stderr, /Very-Secret-pw/);
    assert.match(printed.stdout, /postgres:\*\*\*@127\.0\.0\.1/);
    const backup = await runCli(dir, ['-c', configFile, 'backup', join(dir, 'copy.db')]);
    assert.equal(backup.code, 2, backup.stderr);
    assert.match(backup.stderr, /PostgreSQL \(storage\.url\): use pg_dump/);
  });
});
