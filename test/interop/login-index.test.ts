// Issue 16: the login index. Every user and token is in memory from the start; `assent` commands run as separate
// processes reach the running server row by row through the change log, seen by radclient within a poll or two.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runCli } from '../support/run-cli.js';
import { radclient, runPeer } from '../support/run-peer.js';
import { DEFAULT_SECRET, startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;

before(async () => {
  server = await startTestServer({
    users: [
      { name: 'ann', password: 'ann-pw' },
      { name: 'ben', password: 'ben-pw' },
    ],
  });
});
after(async () => {
  await server?.stop();
});

const cli = (...args: string[]) => runCli(server.dir, ['--data-dir', server.dir, ...args]);

async function pap(user: string, password: string): Promise<string> {
  const r = await radclient(
    server.port,
    DEFAULT_SECRET,
    `User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n`,
  );
  return /Received (Access-\w+)/.exec(r.stdout)?.[1] ?? `no answer: ${r.stdout}${r.stderr}`;
}

/** What the server answers, asked until it says `want` (the poll runs every 100 ms) or 3 s passed. */
async function answersSoon(user: string, password: string, want: string): Promise<string> {
  const end = Date.now() + 3000;
  for (;;) {
    const got = await pap(user, password);
    if (got === want || Date.now() > end) return got;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('the index is loaded at start and said so in the log', () => {
  const line = server.logs.find((l) => l.event === 'store.login_index_loaded');
  assert.ok(line, 'store.login_index_loaded logged');
  assert.equal(line.users, 2);
  assert.equal(line.tokens, 0);
  assert.ok(typeof line.ms === 'number' && typeof line.rssMiB === 'number');
});

test('a user added, disabled, given a token and removed by the CLI: radclient sees each change at once', async () => {
  assert.equal(await pap('cleo', 'cleo-pw-1'), 'Access-Reject', 'no such user yet (answered from memory)');
  const added = await runCli(
    server.dir,
    ['--data-dir', server.dir, 'user', 'add', 'cleo', '--password-stdin'],
    'cleo-pw-1\n',
  );
  assert.equal(added.code, 0, added.stderr);
  assert.equal(await answersSoon('cleo', 'cleo-pw-1', 'Access-Accept'), 'Access-Accept');

  assert.equal((await cli('user', 'disable', 'cleo')).code, 0);
  assert.equal(await answersSoon('cleo', 'cleo-pw-1', 'Access-Reject'), 'Access-Reject');
  assert.equal((await cli('user', 'enable', 'cleo')).code, 0);
  assert.equal(await answersSoon('cleo', 'cleo-pw-1', 'Access-Accept'), 'Access-Accept');

  const token = await cli('token', 'add', '--user', 'cleo', '--type', 'totp');
  assert.equal(token.code, 0, token.stderr);
  assert.equal(await answersSoon('cleo', 'cleo-pw-1', 'Access-Challenge'), 'Access-Challenge');
  const base32 = /secret=([A-Z2-7]+)/.exec(token.stdout)![1]!;
  const code = (await runPeer('oathtool', ['--totp', '-b', base32])).stdout.trim();
  const first = await radclient(
    server.port,
    DEFAULT_SECRET,
    'User-Name = "cleo"\nUser-Password = "cleo-pw-1"\nMessage-Authenticator = 0x00\n',
  );
  const state = /State = (0x[0-9a-f]+)/.exec(first.stdout.slice(first.stdout.indexOf('Received')))![1]!;
  const second = await radclient(
    server.port,
    DEFAULT_SECRET,
    `User-Name = "cleo"\nUser-Password = "${code}"\nState = ${state}\nMessage-Authenticator = 0x00\n`,
  );
  assert.match(second.stdout, /Received Access-Accept/, "the new token's seed was read and unsealed");

  const serial = /(ASNT\d{8})/.exec(token.stdout)![1]!;
  assert.equal((await cli('token', 'remove', serial)).code, 0);
  assert.equal(
    await answersSoon('cleo', 'cleo-pw-1', 'Access-Accept'),
    'Access-Accept',
    'no second factor left',
  );

  assert.equal((await cli('user', 'remove', 'cleo')).code, 0);
  assert.equal(await answersSoon('cleo', 'cleo-pw-1', 'Access-Reject'), 'Access-Reject');
  const applied = server.logs.filter((l) => l.event === 'store.watch_failed');
  assert.deepEqual(applied, [], 'no failed read of the change log');
});

test('ben, untouched by all of this, was never read again: his entry is the one loaded at start', async () => {
  assert.equal(await pap('ben', 'ben-pw'), 'Access-Accept');
});
