// Tests the local first factor over the server's user cache: the parsed hash is kept with the cached user and never
// outlives a change to that user; nothing a login builds is kept with it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createLocalFirstFactor } from '../../src/auth/local-first-factor.js';
import { createPasswordVerifier } from '../../src/directory/password/password-verifier.js';
import { formatShaHash } from '../../src/directory/password/salted-sha.js';
import type { FirstFactorResult } from '../../src/domain/first-factor.js';
import { Reason } from '../../src/domain/reason.js';
import { CachingUserStore } from '../../src/store/caching-user-store.js';
import { MemoryUserStore } from '../../src/store/memory/memory-user-store.js';

const octets = (text: string) => new TextEncoder().encode(text);

/** Salted SHA-256 checks answer synchronously; a promise here would itself be a failure. */
function synchronous(result: FirstFactorResult | Promise<FirstFactorResult>): FirstFactorResult {
  assert.ok(!(result instanceof Promise), 'a salted SHA-256 check must not return a promise');
  return result;
}

function ssha256(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha256').update(password).update(salt).digest();
  return formatShaHash({ scheme: 'SSHA256', digest, salt });
}

describe('local first factor over the user cache', () => {
  const verifier = createPasswordVerifier({ argon2: { memoryCost: 256, timeCost: 2, parallelism: 1 } });
  after(() => verifier.close());

  function setup() {
    const inner = new MemoryUserStore();
    inner.add({ name: 'alice', passwordHash: ssha256('old'), groups: ['vpn'] });
    const users = new CachingUserStore(inner);
    let prepares = 0;
    const passwords = {
      ...verifier,
      prepare(stored: string) {
        prepares++;
        return verifier.prepare!(stored);
      },
    };
    const local = createLocalFirstFactor({ users, passwords, upgradeLegacyHashes: false });
    return { inner, users, local, prepares: () => prepares };
  }

  it('parses the stored hash once; each login gets its own result, so none is kept with the user', () => {
    const { local, prepares } = setup();
    const first = local.check('alice', octets('old'));
    const second = local.check('alice', octets('old'));
    assert.deepEqual(first, { ok: true, identity: { name: 'alice', groups: ['vpn'], source: 'local' } });
    assert.deepEqual(second, first);
    assert.notEqual(second, first, 'a result kept from the first login would grow the heap per user');
    assert.ok(
      Object.isFrozen((first as { identity: { groups: object } }).identity.groups),
      'groups are shared',
    );
    assert.deepEqual(local.check('alice', octets('wrong')), {
      ok: false,
      reason: Reason.BadPassword,
      name: 'alice',
    });
    assert.equal(prepares(), 1);
  });

  it('sees a password, status or group change made through the cache at the next login', () => {
    const { users, local, prepares } = setup();
    local.check('alice', octets('old'));
    users.setPasswordHash('alice', ssha256('new'));
    assert.equal(
      synchronous(local.check('alice', octets('old'))).ok,
      false,
      'the old parsed hash must be gone',
    );
    assert.equal(synchronous(local.check('alice', octets('new'))).ok, true);
    assert.equal(prepares(), 2);
    users.setGroups('alice', ['staff']);
    assert.deepEqual(local.check('alice', octets('new')), {
      ok: true,
      identity: { name: 'alice', groups: ['staff'], source: 'local' },
    });
    users.setStatus('alice', 'disabled');
    assert.deepEqual(local.check('alice', octets('new')), {
      ok: false,
      reason: Reason.UserDisabled,
      name: 'alice',
    });
  });

  it('sees a change made behind its back after invalidateAll, and not before', () => {
    const { inner, users, local } = setup();
    local.check('alice', octets('old'));
    inner.setPasswordHash('alice', ssha256('new'));
    assert.equal(synchronous(local.check('alice', octets('old'))).ok, true, 'stale until told');
    users.invalidateAll();
    assert.equal(synchronous(local.check('alice', octets('old'))).ok, false);
    assert.equal(synchronous(local.check('alice', octets('new'))).ok, true);
  });

  it('works over a plain store too, parsing per login', () => {
    const inner = new MemoryUserStore();
    inner.add({ name: 'bob', passwordHash: ssha256('pw') });
    const local = createLocalFirstFactor({ users: inner, passwords: verifier, upgradeLegacyHashes: false });
    assert.equal(synchronous(local.check('bob', octets('pw'))).ok, true);
    assert.equal(synchronous(local.check('bob', octets('pw '))).ok, false);
  });

  it('answers the groups of a user changed on another node after reading it again, not an error', async () => {
    // A store that answers on a later turn, as PostgreSQL does; the login index holds every user (complete).
    const inner = new MemoryUserStore();
    inner.add({ name: 'alice', passwordHash: ssha256('pw'), groups: ['vpn'] });
    const later = new Proxy(inner, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => Promise.resolve().then(() => value.apply(target, args));
      },
    });
    const users = new CachingUserStore(later);
    users.load(inner.list());
    const local = createLocalFirstFactor({ users, passwords: verifier, upgradeLegacyHashes: false });
    assert.deepEqual(local.groupsOf('alice'), ['vpn'], 'from memory, at once');
    inner.setGroups('alice', ['vpn', 'admins']);
    users.refresh('alice'); // the change feed: alice is read again at her next use
    const groups = local.groupsOf('alice');
    assert.ok(groups instanceof Promise, 'read first');
    assert.deepEqual(await groups, ['vpn', 'admins']);
    assert.deepEqual(local.groupsOf('alice'), ['vpn', 'admins'], 'kept: from memory again');
    assert.deepEqual(local.groupsOf('nobody'), [], 'no such user: no groups');
  });
});
