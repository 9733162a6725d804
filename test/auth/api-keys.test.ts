// Issue 14: issuing REST API keys and checking Authorization headers (Basic name:key and Bearer), scopes, expiry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiKeyInputError, checkApiKey, issueApiKey } from '../../src/auth/api-keys.js';
import type { ApiKeyStore, ApiScope } from '../../src/domain/api-key.js';
import { StoreError, StoreErrorCode } from '../../src/domain/ports.js';
import { MemoryApiKeyStore } from '../../src/store/memory/memory-api-key-store.js';

const now = new Date('2026-12-03T10:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);

const basic = (name: string, key: string) => `Basic ${Buffer.from(`${name}:${key}`).toString('base64')}`;
const bearer = (key: string) => `Bearer ${key}`;

function issue(
  store: ApiKeyStore,
  name: string,
  scopes: readonly ApiScope[],
  expiresAt: string | null = null,
) {
  return issueApiKey(store, { name, scopes, expiresAt }, now);
}

const whyOf = async (checked: ReturnType<typeof checkApiKey>) => {
  const result = await checked;
  return result.ok ? 'ok' : result.why;
};

test('a key is ask_<16 hex>_<43 base64url>, stored as its SHA-256 only, with sorted scopes', async () => {
  const store = new MemoryApiKeyStore({ now: () => now });
  const { key, record } = await issue(store, 'portal', ['read-only', 'push']);
  assert.match(key, /^ask_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  assert.equal(key.slice(4, 20), record.id);
  assert.equal(record.keyHash.length, 32);
  assert.deepEqual(record.scopes, ['push', 'read-only']);
  assert.equal(record.expiresAt, null);
  assert.equal(
    JSON.stringify(store.get(record.id)).includes(key.slice(21)),
    false,
    'no secret in the record',
  );
  const other = await issue(store, 'other', ['push']);
  assert.notEqual(other.key.slice(21), key.slice(21), 'every key has its own secret');
});

test('both header forms work; the scheme is case-insensitive and may be followed by several spaces', async () => {
  const store = new MemoryApiKeyStore();
  const { key, record } = await issue(store, 'portal', ['push']);
  for (const header of [
    bearer(key),
    basic('portal', key),
    `bearer ${key}`,
    `BEARER   ${key}`,
    basic('portal', key).replace('Basic', 'bAsIc'),
    `  ${bearer(key)}  `,
  ]) {
    const result = await checkApiKey(store, header, 'push', now);
    assert.ok(result.ok, header);
    assert.equal(result.key.id, record.id);
    assert.equal(result.key.name, 'portal');
  }
});

test('each refusal says why: missing, malformed, unknown, wrong, expired, scope', async () => {
  const store = new MemoryApiKeyStore();
  const { key } = await issue(store, 'portal', ['push'], later(60_000).toISOString());
  const unknownId = `ask_${'0'.repeat(16)}_${key.slice(21)}`;
  const cases: [string | undefined, string][] = [
    [undefined, 'missing'],
    ['', 'missing'],
    ['   ', 'missing'],
    ['Bearer', 'malformed'],
    ['Bearer ', 'malformed'],
    [`Token ${key}`, 'malformed'],
    [`Digest ${key}`, 'malformed'],
    [`Bearer ${key.slice(0, -1)}`, 'malformed'],
    [`Bearer ${key}x`, 'malformed'],
    [`Bearer ${key} extra`, 'malformed'],
    [`Bearer ${key.toUpperCase()}`, 'malformed'],
    ['Basic !!!', 'malformed'],
    [`Basic ${Buffer.from(key).toString('base64')}`, 'malformed'],
    [`Basic ${Buffer.from(`portal:${key}`).toString('base64')}AAAA${'A'.repeat(200)}`, 'malformed'],
    [basic('portal', `${key}:x`), 'malformed'],
    [bearer(unknownId), 'unknown'],
    [basic('portal', unknownId), 'unknown'],
  ];
  for (const [header, why] of cases)
    assert.equal(await whyOf(checkApiKey(store, header, 'push', now)), why, header);
  const tampered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
  assert.equal(await whyOf(checkApiKey(store, bearer(tampered), 'push', now)), 'wrong');
  assert.equal(await whyOf(checkApiKey(store, bearer(key), 'push', later(60_000))), 'expired');
  assert.equal(await whyOf(checkApiKey(store, bearer(key), 'admin', now)), 'scope');
});

test("a key built from one row's id and another key's secret is wrong, not a login", async () => {
  const store = new MemoryApiKeyStore();
  const a = await issue(store, 'a', ['admin']);
  const b = await issue(store, 'b', ['push']);
  const spliced = `ask_${a.record.id}_${b.key.slice(21)}`;
  assert.equal(await whyOf(checkApiKey(store, bearer(spliced), 'push', now)), 'wrong');
  assert.equal(await whyOf(checkApiKey(store, basic('a', spliced), 'push', now)), 'wrong');
  assert.equal(await whyOf(checkApiKey(store, basic('b', spliced), 'push', now)), 'wrong');
});

test("Basic with another name than the key's is wrong, also with a valid key of that other name", async () => {
  const store = new MemoryApiKeyStore();
  const { key } = await issue(store, 'portal', ['push']);
  await issue(store, 'admin', ['admin']);
  assert.equal(await whyOf(checkApiKey(store, basic('admin', key), 'push', now)), 'wrong');
  assert.equal(await whyOf(checkApiKey(store, basic('Portal', key), 'push', now)), 'wrong', 'case-sensitive');
  assert.equal(await whyOf(checkApiKey(store, basic('', key), 'push', now)), 'wrong');
  assert.equal(await whyOf(checkApiKey(store, basic('portal', key), 'push', now)), 'ok');
});

test('scopes: admin does everything, read-only only reads, push and auth only themselves', async () => {
  const store = new MemoryApiKeyStore();
  const needs = ['push', 'auth', 'admin', 'read-only', 'read'] as const;
  const matrix: [readonly ApiScope[], readonly (typeof needs)[number][]][] = [
    [['admin'], ['push', 'auth', 'admin', 'read-only', 'read']],
    [['read-only'], ['read-only', 'read']],
    [['push'], ['push']],
    [['auth'], ['auth']],
    [
      ['push', 'auth'],
      ['push', 'auth'],
    ],
    [
      ['push', 'read-only'],
      ['push', 'read-only', 'read'],
    ],
  ];
  for (const [i, [scopes, allowed]] of matrix.entries()) {
    const { key } = await issue(store, `k${i}`, scopes);
    for (const need of needs) {
      const expected = allowed.includes(need) ? 'ok' : 'scope';
      assert.equal(
        await whyOf(checkApiKey(store, bearer(key), need, now)),
        expected,
        `${scopes} for ${need}`,
      );
    }
  }
});

test('expiry: valid up to the millisecond before expiresAt, refused at it and after', async () => {
  const store = new MemoryApiKeyStore();
  const expiresAt = '2026-12-03T11:00:00.000Z';
  const { key, record } = await issue(store, 'portal', ['push'], expiresAt);
  assert.equal(record.expiresAt, expiresAt);
  const at = (iso: string, plus = 0) => new Date(Date.parse(iso) + plus);
  assert.equal(await whyOf(checkApiKey(store, bearer(key), 'push', at(expiresAt, -1))), 'ok');
  assert.equal(await whyOf(checkApiKey(store, bearer(key), 'push', at(expiresAt))), 'expired');
  assert.equal(await whyOf(checkApiKey(store, bearer(key), 'push', at(expiresAt, 86_400_000))), 'expired');
});

test('a use is recorded at most once a minute per key, and only for a call that passed', async () => {
  const inner = new MemoryApiKeyStore();
  const touches: string[] = [];
  const store: Pick<ApiKeyStore, 'get' | 'touch'> = {
    get: (id) => inner.get(id),
    touch: (id, at) => {
      touches.push(`${id}@${at.toISOString()}`);
      inner.touch(id, at);
    },
  };
  const a = await issue(inner, 'a', ['push']);
  const b = await issue(inner, 'b', ['push']);
  assert.equal(inner.get(a.record.id)!.lastUsedAt, null);
  assert.ok((await checkApiKey(store, bearer(a.key), 'push', now)).ok);
  assert.ok((await checkApiKey(store, bearer(a.key), 'push', later(30_000))).ok);
  assert.ok((await checkApiKey(store, bearer(a.key), 'push', later(59_999))).ok);
  assert.ok(
    (await checkApiKey(store, bearer(b.key), 'push', later(10_000))).ok,
    'another key has its own minute',
  );
  assert.equal((await checkApiKey(store, bearer(a.key), 'admin', later(70_000))).ok, false);
  assert.ok((await checkApiKey(store, bearer(a.key), 'push', later(60_000))).ok);
  assert.deepEqual(touches, [
    `${a.record.id}@2026-12-03T10:00:00.000Z`,
    `${b.record.id}@2026-12-03T10:00:10.000Z`,
    `${a.record.id}@2026-12-03T10:01:00.000Z`,
  ]);
  assert.equal(inner.get(a.record.id)!.lastUsedAt, '2026-12-03T10:01:00.000Z');
});

test('only a StoreError escapes checkApiKey', async () => {
  const failing: Pick<ApiKeyStore, 'get' | 'touch'> = {
    get: () => {
      throw new StoreError(StoreErrorCode.Unavailable, 'disk gone');
    },
    touch: () => {},
  };
  const key = `ask_${'a'.repeat(16)}_${'b'.repeat(43)}`;
  await assert.rejects(checkApiKey(failing, bearer(key), 'push', now), StoreError);
  assert.equal(
    await whyOf(checkApiKey(failing, 'Basic %%%', 'push', now)),
    'malformed',
    'no store call for junk',
  );
});

test('bad input is an ApiKeyInputError naming the field; a name in use is in_use', async () => {
  const store = new MemoryApiKeyStore();
  const bad = (
    input: { name?: string; scopes?: readonly string[]; expiresAt?: string | null },
    field: string,
    message: RegExp,
  ) =>
    assert.rejects(
      () =>
        issueApiKey(
          store,
          {
            name: input.name ?? 'ok',
            scopes: (input.scopes ?? ['push']) as readonly ApiScope[],
            expiresAt: input.expiresAt ?? null,
          },
          now,
        ),
      (e: unknown) =>
        e instanceof ApiKeyInputError &&
        e.field === field &&
        e.problem === 'invalid' &&
        e.message.startsWith(`${field}: `) &&
        message.test(e.message),
    );
  await bad({ name: '' }, 'name', /1–64 characters/);
  await bad({ name: 'x'.repeat(65) }, 'name', /1–64 characters/);
  await bad({ name: 'has space' }, 'name', /"has space"/);
  await bad({ name: 'a:b' }, 'name', /1–64/);
  await bad({ name: 'ünï' }, 'name', /1–64/);
  await bad({ scopes: [] }, 'scopes', /at least one/);
  await bad(
    { scopes: ['push', 'write'] },
    'scopes',
    /"write" is not a scope; expected push, auth, admin, read-only/,
  );
  await bad({ scopes: ['push', 'push'] }, 'scopes', /"push" is given twice/);
  await bad({ expiresAt: 'tomorrow' }, 'expiresAt', /not a time/);
  await bad({ expiresAt: now.toISOString() }, 'expiresAt', /not in the future/);
  await bad({ expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt', /not in the future/);
  assert.equal(store.list().length, 0, 'nothing was stored');
  const ok = await issueApiKey(
    store,
    { name: 'a.b_c-D9', scopes: ['auth'], expiresAt: '2027-01-01T01:00:00+01:00' },
    now,
  );
  assert.equal(ok.record.expiresAt, '2027-01-01T00:00:00.000Z', 'normalised to UTC');
  await assert.rejects(
    () => issueApiKey(store, { name: 'a.b_c-D9', scopes: ['push'], expiresAt: null }, now),
    (e: unknown) =>
      e instanceof ApiKeyInputError &&
      e.field === 'name' &&
      e.problem === 'in_use' &&
      /exists/.test(e.message),
  );
});

test('an id collision is retried with a new id; other store failures pass through', async () => {
  const inner = new MemoryApiKeyStore();
  let calls = 0;
  const collideOnce: Pick<ApiKeyStore, 'add'> = {
    add: (key) => {
      calls++;
      if (calls === 1) throw new StoreError(StoreErrorCode.AlreadyExists, `API key id ${key.id} is in use`);
      return inner.add(key);
    },
  };
  const { key, record } = await issueApiKey(
    collideOnce,
    { name: 'portal', scopes: ['push'], expiresAt: null },
    now,
  );
  assert.equal(calls, 2);
  assert.equal(key.slice(4, 20), record.id);
  assert.ok((await checkApiKey(inner, bearer(key), 'push', now)).ok, 'the key returned is the one stored');
  const broken: Pick<ApiKeyStore, 'add'> = {
    add: () => {
      throw new StoreError(StoreErrorCode.Unavailable, 'disk gone');
    },
  };
  await assert.rejects(
    () => issueApiKey(broken, { name: 'x', scopes: ['push'], expiresAt: null }, now),
    (e: unknown) => e instanceof StoreError && e.code === StoreErrorCode.Unavailable,
  );
});
