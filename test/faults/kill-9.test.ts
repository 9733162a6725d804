// Issue 16, faults: `kill -9` of a real `assent serve` while it accepts codes, enrols tokens over the REST API and
// upgrades password hashes. After a restart on the same files: every token whose enrolment was answered 201 is
// there, every HOTP code that was answered Access-Accept is refused (the replay guard's record was durable before
// the Accept), and every user still logs in with the same password (no half-written row).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { issueApiKey } from '../../src/auth/api-keys.js';
import { loadConfig } from '../../src/config/load-config.js';
import { generateHotp } from '../../src/otp/hotp.js';
import { Code } from '../../src/radius/code.js';
import { openStores } from '../../src/store/open-stores.js';
import { createKeyFile } from '../../src/store/sealer.js';
import { decodeReply, RawRadiusClient } from '../support/raw-radius-client.js';
import { cliEnv, startCli } from '../support/run-cli.js';

const USERS = 120;
const SECRET = 'kill-nine-radius-secret';
const dir = mkdtempSync(join(tmpdir(), 'assent-kill9-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const seedOf = (i: number) => createHash('sha256').update(`seed-${i}`).digest().subarray(0, 20);
const passwordOf = (i: number) => `pw-${i}-${'x'.repeat(i % 7)}`;
/** `{SSHA256}`: the server checks it at once and upgrades it to argon2id after the login (a write to interrupt). */
function ssha256(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha256').update(password).update(salt).digest();
  return `{SSHA256}${Buffer.concat([digest, salt]).toString('base64')}`;
}

const configFile = join(dir, 'assent.yaml');
writeFileSync(
  configFile,
  `dataDir: ${JSON.stringify(dir)}
radius: { bind: ['127.0.0.1'], authPort: 0, accountingPort: null, rejectDelayMs: 0, rejectJitterMs: 0 }
http:
  public: { bind: 127.0.0.1, port: 0 }
  admin: { bind: 127.0.0.1, port: 0, rateLimitPerSecond: 100000 }
passwords: { argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 } }
secondFactor: { mode: concat }
log: { level: info }
`,
);

async function prepare(): Promise<string> {
  const loaded = loadConfig({ file: configFile, env: {} });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  createKeyFile(loaded.config.secrets.keyFile);
  const stores = openStores(loaded.config);
  try {
    await stores.clients.add({ name: 'nas', address: '127.0.0.1', secret: new TextEncoder().encode(SECRET) });
    for (let i = 0; i < USERS; i++) {
      await stores.users.add({ name: `u${i}`, passwordHash: ssha256(passwordOf(i)) });
      await stores.tokens.add({
        serial: `H${i}`,
        userName: `u${i}`,
        type: 'hotp',
        secret: seedOf(i),
        algorithm: 'SHA1',
        digits: 6,
      });
    }
    return (
      await issueApiKey(stores.apiKeys, { name: 'ops', scopes: ['admin'], expiresAt: null }, new Date())
    ).key;
  } finally {
    await stores.close();
  }
}

async function serve(): Promise<{
  kill(): void;
  stop(): void;
  radius: number;
  admin: number;
  output(): string;
}> {
  const started = await startCli(dir, ['-c', configFile, 'serve', '--no-init'], cliEnv());
  const out = started.output();
  const radius = Number(/"kind":"auth","address":"127\.0\.0\.1","port":(\d+)/.exec(out)?.[1]);
  const admin = Number(/"admin":"127\.0\.0\.1:(\d+)"/.exec(out)?.[1]);
  assert.ok(radius > 0 && admin > 0, out);
  return {
    radius,
    admin,
    output: started.output,
    kill: () => started.child.kill('SIGKILL'),
    stop: () => started.child.kill('SIGTERM'),
  };
}

async function login(client: RawRadiusClient, user: number, password: string): Promise<number | undefined> {
  const reply = await client.exchange(client.accessRequest({ user: `u${user}`, password }), 2000);
  return reply === undefined ? undefined : decodeReply(reply).code;
}

test('kill -9 under load: enrolments answered 201 survive, accepted codes stay spent, passwords still work', async () => {
  const apiKey = await prepare();
  let server = await serve();
  const accepted: { user: number; code: string }[] = [];
  const enrolled: string[] = [];
  let killed = false;
  const lanes: Promise<void>[] = [];
  // Eight NAS sockets, each logging users in with their next HOTP code, password ‖ code in one request.
  for (let lane = 0; lane < 8; lane++) {
    lanes.push(
      (async () => {
        const client = await RawRadiusClient.open(server.radius, SECRET);
        const counters = new Map<number, number>();
        try {
          for (let n = 0; !killed; n++) {
            const user = (lane + n * 8) % USERS;
            const counter = counters.get(user) ?? 0;
            counters.set(user, counter + 1);
            const code = generateHotp(seedOf(user), counter, 6, 'SHA1');
            const answer = await login(client, user, passwordOf(user) + code);
            if (answer === Code.AccessAccept) accepted.push({ user, code });
          }
        } finally {
          client.close();
        }
      })(),
    );
  }
  // Enrolments over the REST API, one after another.
  lanes.push(
    (async () => {
      for (let n = 0; !killed; n++) {
        try {
          const r = await fetch(`http://127.0.0.1:${server.admin}/api/v2/users/u${n % USERS}/tokens`, {
            method: 'POST',
            headers: {
              authorization: `Basic ${Buffer.from(`ops:${apiKey}`).toString('base64')}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({ type: 'totp', label: `kill9-${n}` }),
          });
          if (r.status === 201)
            enrolled.push(((await r.json()) as { token: { serial: string } }).token.serial);
        } catch {
          // the connection died with the server
        }
      }
    })(),
  );
  // Let the load run, then kill the server in the middle of it.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  server.kill();
  killed = true;
  await Promise.all(lanes);
  assert.ok(accepted.length > 50, `only ${accepted.length} logins accepted before the kill`);
  assert.ok(enrolled.length > 5, `only ${enrolled.length} enrolments answered before the kill`);

  server = await serve();
  try {
    assert.match(
      server.output(),
      /store\.replay_journal_folded/,
      'the journal of the killed run was folded in',
    );
    const client = await RawRadiusClient.open(server.radius, SECRET);
    try {
      // Every code answered Accept before the kill is spent now.
      for (const { user, code } of accepted) {
        const answer = await login(client, user, passwordOf(user) + code);
        assert.notEqual(answer, Code.AccessAccept, `u${user}'s code ${code} was accepted twice`);
      }
      // Every token answered 201 exists.
      const held = new Set<string>();
      for (let i = 0; i < USERS; i++) {
        const r = await fetch(`http://127.0.0.1:${server.admin}/api/v2/users/u${i}/tokens`, {
          headers: { authorization: `Basic ${Buffer.from(`ops:${apiKey}`).toString('base64')}` },
        });
        assert.equal(r.status, 200);
        const body = (await r.json()) as { items?: { serial: string }[] } | { serial: string }[];
        for (const token of Array.isArray(body) ? body : (body.items ?? [])) held.add(token.serial);
      }
      assert.ok(held.has('H0'), 'the listing holds the tokens made before the start');
      for (const serial of enrolled)
        assert.ok(held.has(serial), `token ${serial} enrolled before the kill is gone`);
      // Every user's password still works, whatever hash (old or upgraded) the kill left behind: a wrong code is
      // refused for the code, not for the password (the log says which).
      for (let i = 0; i < USERS; i++) await login(client, i, `${passwordOf(i)}000000`);
      const lines = server
        .output()
        .split('\n')
        .filter((l) => l.includes('"event":"radius.decision"'));
      const badPassword = lines.filter((l) => l.includes('BAD_PASSWORD'));
      assert.deepEqual(badPassword, [], 'a password stopped working after the kill');
    } finally {
      client.close();
    }
  } finally {
    server.stop();
  }
});
