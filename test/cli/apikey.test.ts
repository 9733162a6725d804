// `assent apikey` through the real CLI: the key is printed once and works against the same database; list, remove.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkApiKey } from '../../src/auth/api-keys.js';
import { CliError } from '../../src/cli/cli-error.js';
import { parseExpiry } from '../../src/cli/commands/apikey.js';
import type { ApiKeyStore } from '../../src/domain/api-key.js';
import type { Awaitable } from '../../src/domain/awaitable.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteApiKeyStore } from '../../src/store/sqlite/sqlite-api-key-store.js';
import { runCli } from '../support/run-cli.js';
import type { PeerResult } from '../support/run-peer.js';

let dir: string;

function assent(args: readonly string[]): Promise<PeerResult> {
  return runCli(dir, args);
}

/** Opens the key store the CLI wrote, as the server's REST API would. */
async function withKeys<T>(work: (store: ApiKeyStore) => Awaitable<T>): Promise<T> {
  const db = openSqlite(join(dir, 'data', 'assent.db'));
  try {
    return await work(new SqliteApiKeyStore(db));
  } finally {
    db.close();
  }
}

const KEY = /ask_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/g;
/** Any key-shaped text, also a shortened one (no `g` flag: `test` must not carry state between calls). */
const KEY_PREFIX = /ask_[0-9a-f]{16}_/;
const basic = (name: string, key: string) => `Basic ${Buffer.from(`${name}:${key}`).toString('base64')}`;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-apikey-cli-'));
  const init = await assent(['init']);
  assert.equal(init.code, 0, init.stderr);
});
after(() => rmSync(dir, { recursive: true, force: true }));

let portalKey = '';

test('apikey add prints the key once, says it cannot be shown again, and the key works (Basic and Bearer)', async () => {
  const r = await assent(['apikey', 'add', '--name', 'portal', '--scope', 'push', '--scope', 'read-only']);
  assert.equal(r.code, 0, r.stderr);
  const keys = r.stdout.match(KEY) ?? [];
  assert.equal(keys.length, 1, r.stdout);
  portalKey = keys[0]!;
  assert.equal(r.stdout.split(portalKey).length, 2, 'the key appears exactly once');
  assert.ok(!r.stderr.includes(portalKey.slice(21)), 'nothing secret on stderr');
  assert.match(r.stdout, /API key portal added \(scopes: push, read-only; does not expire\)/);
  assert.match(r.stdout, /cannot be shown again/);
  assert.match(r.stdout, /curl -u 'portal:<key>'/);
  assert.match(r.stdout, /Authorization: Bearer <key>/);
  await withKeys(async (store) => {
    const now = new Date();
    for (const header of [`Bearer ${portalKey}`, basic('portal', portalKey)]) {
      const result = await checkApiKey(store, header, 'push', now);
      assert.ok(result.ok, header);
      assert.equal(result.key.name, 'portal');
    }
    assert.deepEqual(await checkApiKey(store, `Bearer ${portalKey}`, 'read', now), {
      ok: true,
      key: await store.getByName('portal'),
    });
    assert.equal((await checkApiKey(store, `Bearer ${portalKey}`, 'admin', now)).ok, false);
    assert.equal((await checkApiKey(store, basic('admin', portalKey), 'push', now)).ok, false);
  });
});

test('--expires takes a duration or an ISO time and is enforced; list shows state and dates, never a secret', async () => {
  const r = await assent([
    'apikey',
    'add',
    '--name',
    'monitoring',
    '--scope',
    'read-only',
    '--expires',
    '90d',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const expires = /expires (\S+)\)/.exec(r.stdout)?.[1] ?? '';
  const days = (Date.parse(expires) - Date.now()) / 86_400_000;
  assert.ok(days > 89.99 && days <= 90, expires);
  const dated = await assent([
    'apikey',
    'add',
    '--name',
    'admin',
    '--scope',
    'admin',
    '--expires',
    '2099-06-30',
  ]);
  assert.equal(dated.code, 0, dated.stderr);
  assert.match(dated.stdout, /expires 2099-06-30T00:00:00\.000Z/);
  const key = (dated.stdout.match(KEY) ?? [])[0]!;
  await withKeys(async (store) => {
    assert.ok((await checkApiKey(store, basic('admin', key), 'auth', new Date())).ok);
    const after = new Date('2099-06-30T00:00:00.000Z');
    assert.deepEqual(await checkApiKey(store, basic('admin', key), 'auth', after), {
      ok: false,
      why: 'expired',
    });
  });

  const text = await assent(['apikey', 'list']);
  const json = await assent(['apikey', 'list', '--json']);
  for (const list of [text, json]) {
    assert.equal(list.code, 0, list.stderr);
    assert.equal(KEY_PREFIX.test(list.stdout), false, 'no key in the listing');
    assert.ok(!list.stdout.includes(portalKey.slice(21)) && !list.stdout.includes(key.slice(21)));
    assert.doesNotMatch(list.stdout, /hash|secret/i);
  }
  const lines = text.stdout
    .trim()
    .split('\n')
    .map((line) => line.split('\t'));
  // name, scopes, created, expires, last used, state; the checks above used portal and admin.
  assert.deepEqual(
    lines.map(([name, scopes, , expiry, , st]) => [name, scopes, expiry, st]),
    [
      ['admin', 'admin', 'expires 2099-06-30T00:00:00.000Z', 'active'],
      ['monitoring', 'read-only', `expires ${expires}`, 'active'],
      ['portal', 'push,read-only', 'no expiry', 'active'],
    ],
  );
  assert.ok(lines.every((fields) => /^created \d{4}-\d\d-\d\dT\S+Z$/.test(fields[2]!)));
  assert.deepEqual(
    lines.map((fields) => fields[4]!.replace(/\d{4}-\S+Z$/, 'T')),
    ['last used T', 'never used', 'last used T'],
  );
  const rows = json.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    rows.map((row) => Object.keys(row)),
    Array(3).fill(['name', 'id', 'scopes', 'createdAt', 'expiresAt', 'lastUsedAt', 'state']),
  );
  assert.equal(rows[2]!.id, portalKey.slice(4, 20), 'the id is the visible part of the key');
  assert.equal(typeof rows[2]!.lastUsedAt, 'string', 'the Basic/Bearer checks above recorded a use');
});

test('bad scope, name or expiry is a usage error (exit 2) with a clear message; nothing is added', async () => {
  const cases: [string[], RegExp][] = [
    [
      ['--name', 'x', '--scope', 'write'],
      /--scope: "write" is not a scope; expected push, auth, admin, read-only/,
    ],
    [['--name', 'x'], /--scope: at least one scope is needed/],
    [['--name', 'x', '--scope', 'push', '--scope', 'push'], /--scope: "push" is given twice/],
    [['--name', 'has space', '--scope', 'push'], /--name: expected 1–64 characters/],
    [
      ['--name', 'x', '--scope', 'push', '--expires', '2020-01-01'],
      /--expires 2020-01-01: that time has passed/,
    ],
    [['--name', 'x', '--scope', 'push', '--expires', 'soon'], /--expires "soon": expected a duration/],
    [['--name', 'x', '--scope', 'push', '--expires', '2099-02-30'], /--expires "2099-02-30": expected/],
    [['--name', 'x', '--scope', 'push', '--expires', '2099-01-01T10:00'], /expected a duration/],
  ];
  // One after the other: in parallel, a loaded 2-core runner can push a child past its 30 s deadline.
  for (const [args, message] of cases) {
    const r = await assent(['apikey', 'add', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stdout, '');
  }
  const missing = await assent(['apikey', 'add', '--scope', 'push']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--name/);
  assert.equal(await withKeys((store) => store.getByName('x')), undefined);
});

test('a name in use is refused (exit 1), and the first key still works', async () => {
  const r = await assent(['apikey', 'add', '--name', 'portal', '--scope', 'admin']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /apikey add: --name: an API key named "portal" exists already/);
  assert.equal(KEY_PREFIX.test(r.stdout), false);
  await withKeys(async (store) => {
    assert.deepEqual((await store.getByName('portal'))!.scopes, ['push', 'read-only']);
    assert.ok((await checkApiKey(store, `Bearer ${portalKey}`, 'push', new Date())).ok);
  });
});

test('apikey remove refuses the key from then on; an unknown name is exit 1', async () => {
  const r = await assent(['apikey', 'remove', 'portal']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /API key portal removed/);
  await withKeys(async (store) => {
    assert.deepEqual(await checkApiKey(store, `Bearer ${portalKey}`, 'push', new Date()), {
      ok: false,
      why: 'unknown',
    });
  });
  const again = await assent(['apikey', 'remove', 'portal']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /apikey remove: no API key named "portal"/);
  const list = await assent(['apikey', 'list']);
  assert.doesNotMatch(list.stdout, /portal/);
});

test('apikey add --help explains scopes and the once-only key, with examples', async () => {
  const r = await assent(['apikey', 'add', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Examples:\n {2}assent apikey add --name portal --scope push/);
  assert.match(r.stdout, /cannot be shown again/);
});

test('--expires: durations from now, dates at midnight UTC, date-times with their zone; nothing else', () => {
  const now = new Date('2026-12-03T10:00:00.000Z');
  assert.equal(parseExpiry('90d', now), '2027-03-03T10:00:00.000Z');
  assert.equal(parseExpiry('12h', now), '2026-12-03T22:00:00.000Z');
  assert.equal(parseExpiry('30m', now), '2026-12-03T10:30:00.000Z');
  assert.equal(parseExpiry('2w', now), '2026-12-17T10:00:00.000Z');
  assert.equal(parseExpiry('2027-06-30', now), '2027-06-30T00:00:00.000Z');
  assert.equal(parseExpiry('2028-02-29', now), '2028-02-29T00:00:00.000Z');
  assert.equal(parseExpiry('2027-06-30T18:00:00+02:00', now), '2027-06-30T16:00:00.000Z');
  assert.equal(parseExpiry('2027-06-30T18:00Z', now), '2027-06-30T18:00:00.000Z');
  for (const text of [
    '0d',
    '5y',
    '-1d',
    '2027-02-29',
    '2027-13-01',
    '2027-06-30T24:00Z',
    '2027-06-30 18:00Z',
    '',
  ]) {
    assert.throws(
      () => parseExpiry(text, now),
      (e: unknown) => e instanceof CliError && e.exitCode === 2,
      text,
    );
  }
  assert.throws(() => parseExpiry('2026-12-03T10:00:00Z', now), /has passed/);
});
