// Tests the realm router: name parsing, source order and fall-through, sync path, groups and config checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createRealmFirstFactor,
  type FirstFactorSource,
  parseTypedName,
  type RealmFirstFactorDeps,
} from '../../src/auth/realm-first-factor.js';
import type { FirstFactorResult } from '../../src/domain/first-factor.js';
import { Reason } from '../../src/domain/reason.js';

const pw = (s: string) => new TextEncoder().encode(s);
const text = new TextDecoder();

interface FakeSource extends FirstFactorSource {
  readonly calls: string[];
  closed: number;
}

/** A source knowing `users` (name → password); `async` answers through a promise like LDAP does. */
function fake(
  source: string,
  users: Record<string, string | null>,
  options: { async?: boolean; groups?: string[]; failWith?: Reason } = {},
): FakeSource {
  const calls: string[] = [];
  const answer = (name: string, password: Uint8Array): FirstFactorResult => {
    calls.push(name);
    if (options.failWith !== undefined) return { ok: false, reason: options.failWith, name };
    const known = users[name];
    if (known === undefined) return { ok: false, reason: Reason.UserUnknown, name };
    if (known === null) return { ok: false, reason: Reason.NoPassword, name };
    if (known !== text.decode(password)) return { ok: false, reason: Reason.BadPassword, name };
    return { ok: true, identity: { name, groups: options.groups ?? [], source } };
  };
  const result: FakeSource = {
    calls,
    closed: 0,
    check: (name, password) =>
      options.async ? Promise.resolve().then(() => answer(name, password)) : answer(name, password),
    async close() {
      result.closed += 1;
    },
  };
  return result;
}

function router(
  sources: Record<string, FirstFactorSource>,
  extra: Partial<RealmFirstFactorDeps> = {},
): ReturnType<typeof createRealmFirstFactor> {
  return createRealmFirstFactor({
    sources: new Map(Object.entries(sources)),
    defaultSources: ['local'],
    realmMap: {},
    localGroups: () => [],
    ...extra,
  });
}

describe('parseTypedName', () => {
  test('splits user@realm at the last @ and lower-cases the realm', () => {
    assert.deepEqual(parseTypedName('a@b@Corp.Example'), { ok: true, name: 'a@b', realm: 'corp.example' });
  });
  test('splits REALM\\user at the backslash', () => {
    assert.deepEqual(parseTypedName('CORP\\alice'), { ok: true, name: 'alice', realm: 'corp' });
  });
  test('a name without realm has no realm', () => {
    assert.deepEqual(parseTypedName('alice'), { ok: true, name: 'alice', realm: undefined });
  });
  test('an empty name or realm part is USER_NAME_INVALID', () => {
    for (const typed of ['', '@corp', 'CORP\\', 'alice@', '\\alice']) {
      assert.deepEqual(parseTypedName(typed), { ok: false, reason: Reason.UserNameInvalid }, typed);
    }
  });
});

describe('createRealmFirstFactor', () => {
  test('a synchronous source that accepts gives a plain value, not a promise', () => {
    const ff = router({ local: fake('local', { alice: 'pw' }) });
    const result = ff.check('alice', pw('pw'));
    assert.ok(!(result instanceof Promise));
    assert.deepEqual(result, { ok: true, identity: { name: 'alice', groups: [], source: 'local' } });
  });

  test('falling through synchronous sources stays synchronous', () => {
    const ff = router(
      { local: fake('local', { alice: null }), other: fake('other', { alice: 'pw' }) },
      { defaultSources: ['local', 'other'] },
    );
    const result = ff.check('alice', pw('pw'));
    assert.ok(!(result instanceof Promise));
    assert.equal(result.ok && result.identity.source, 'other');
  });

  test('goes on to the next source on USER_UNKNOWN and NO_PASSWORD, after an async one too', async () => {
    const local = fake('local', { bob: null });
    const corp = fake('corp', { alice: 'a', bob: 'b' }, { async: true });
    const ff = router({ local, corp }, { defaultSources: ['local', 'corp'] });
    const alice = await ff.check('alice', pw('a'));
    const bob = await ff.check('bob', pw('b'));
    assert.equal(alice.ok && alice.identity.source, 'corp');
    assert.equal(bob.ok && bob.identity.source, 'corp');
    assert.deepEqual(local.calls, ['alice', 'bob']);
  });

  test('any other failure ends the search: a wrong local password does not try LDAP', async () => {
    const local = fake('local', { alice: 'local-pw' });
    const corp = fake('corp', { alice: 'ldap-pw' }, { async: true });
    const ff = router({ local, corp }, { defaultSources: ['local', 'corp'] });
    const result = await ff.check('alice', pw('ldap-pw'));
    assert.deepEqual(result, { ok: false, reason: Reason.BadPassword, name: 'alice' });
    assert.deepEqual(corp.calls, []);
  });

  test('a directory that is down ends the search with DIRECTORY_UNAVAILABLE', async () => {
    const corp = fake('corp', {}, { async: true, failWith: Reason.DirectoryUnavailable });
    const local = fake('local', { alice: 'pw' });
    const ff = router({ local, corp }, { defaultSources: ['corp', 'local'] });
    const result = await ff.check('alice', pw('pw'));
    assert.equal(!result.ok && result.reason, Reason.DirectoryUnavailable);
    assert.deepEqual(local.calls, []);
  });

  test('when every source says unknown, the last reason is returned', async () => {
    const ff = router(
      { local: fake('local', { alice: null }), corp: fake('corp', {}, { async: true }) },
      { defaultSources: ['corp', 'local'] },
    );
    assert.deepEqual(await ff.check('alice', pw('x')), {
      ok: false,
      reason: Reason.NoPassword,
      name: 'alice',
    });
  });

  test('user@realm and REALM\\user reach the realm sources with the bare name, realm case-insensitive', async () => {
    const corp = fake('corp', { alice: 'pw' }, { async: true });
    const local = fake('local', { alice: 'other' });
    const ff = router({ local, corp }, { realmMap: { 'Corp.Example': ['corp'], CORP: ['corp'] } });
    for (const typed of ['alice@corp.example', 'alice@CORP.EXAMPLE', 'corp\\alice', 'CORP\\alice']) {
      const result = await ff.check(typed, pw('pw'));
      assert.deepEqual(result, { ok: true, identity: { name: 'alice', groups: [], source: 'corp' } }, typed);
    }
    assert.deepEqual(local.calls, []);
  });

  test('an unknown realm is REALM_UNKNOWN and reaches no source', () => {
    const local = fake('local', { alice: 'pw' });
    const ff = router({ local });
    assert.deepEqual(ff.check('alice@elsewhere', pw('pw')), { ok: false, reason: Reason.RealmUnknown });
    assert.deepEqual(ff.resolveName('OTHER\\alice'), { ok: false, reason: Reason.RealmUnknown });
    assert.deepEqual(local.calls, []);
  });

  test('an empty name part is USER_NAME_INVALID', () => {
    const ff = router({ local: fake('local', {}) }, { realmMap: { corp: ['local'] } });
    assert.deepEqual(ff.check('@corp', pw('pw')), { ok: false, reason: Reason.UserNameInvalid });
  });

  test('resolveName strips the realm without checking any password', () => {
    const local = fake('local', {});
    const ff = router({ local }, { realmMap: { corp: ['local'] } });
    assert.deepEqual(ff.resolveName('CORP\\alice'), { ok: true, name: 'alice' });
    assert.deepEqual(ff.resolveName('alice@Corp'), { ok: true, name: 'alice' });
    assert.deepEqual(ff.resolveName('alice'), { ok: true, name: 'alice' });
    assert.deepEqual(local.calls, []);
  });

  test('a directory identity gets the union of directory groups and local groups, directory first', async () => {
    const corp = fake('corp', { alice: 'pw' }, { async: true, groups: ['vpn', 'staff'] });
    const ff = router(
      { corp },
      { defaultSources: ['corp'], localGroups: (name) => (name === 'alice' ? ['admins', 'vpn'] : []) },
    );
    const result = await ff.check('alice', pw('pw'));
    assert.deepEqual(result.ok && result.identity.groups, ['vpn', 'staff', 'admins']);
  });

  test('groupsOf returns the local groups', () => {
    const ff = router({ local: fake('local', {}) }, { localGroups: (n) => [`g-${n}`] });
    assert.deepEqual(ff.groupsOf('alice'), ['g-alice']);
  });

  test('a source that rejects its promise fails closed with INTERNAL_ERROR', async () => {
    const broken: FirstFactorSource = { check: () => Promise.reject(new Error('boom')) };
    const ff = router({ local: broken });
    assert.deepEqual(await ff.check('alice', pw('x')), {
      ok: false,
      reason: Reason.InternalError,
      name: 'alice',
    });
  });

  test('realms.default: [] requires a realm', () => {
    const ff = router({ local: fake('local', { alice: 'pw' }) }, { defaultSources: [] });
    const result = ff.check('alice', pw('pw'));
    assert.equal(!(result instanceof Promise) && !result.ok && result.reason, Reason.RealmUnknown);
  });

  test('close closes every source', async () => {
    const local = fake('local', {});
    const corp = fake('corp', {}, { async: true });
    await router({ local, corp }).close?.();
    assert.equal(local.closed + corp.closed, 2);
  });

  test('an unknown source in realms.default is a start-up error naming the key and the known sources', () => {
    assert.throws(
      () =>
        router({ local: fake('local', {}), corp: fake('corp', {}) }, { defaultSources: ['local', 'crop'] }),
      { message: 'realms.default: unknown source "crop"; expected one of: local, corp' },
    );
  });

  test('an unknown source in realms.map is a start-up error naming realms.map.<realm>', () => {
    assert.throws(() => router({ local: fake('local', {}) }, { realmMap: { 'corp.example': ['corp'] } }), {
      message: 'realms.map.corp.example: unknown source "corp"; expected one of: local',
    });
  });

  test('two realms that differ only in case are a start-up error', () => {
    assert.throws(
      () => router({ local: fake('local', {}) }, { realmMap: { corp: ['local'], CORP: ['local'] } }),
      {
        message: /^realms\.map\.(corp|CORP): another realm differs from it only in case$/,
      },
    );
  });
});
