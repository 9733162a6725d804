// Issue 16: the code check over stores that answer with promises (PostgreSQL) decides and writes exactly as over
// stores that answer values (SQLite), and over those it stays synchronous.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CheckCode,
  type CodeResult,
  createCheckCode,
  type LockoutEvent,
} from '../../src/auth/check-code.js';
import type { AccountLockoutStore } from '../../src/domain/account-lockout.js';
import { generateBackupCodes, hashBackupCode, type TokenStore } from '../../src/domain/token.js';
import { generateTotp } from '../../src/otp/totp.js';
import { CachingLockoutStore } from '../../src/store/caching-lockout-store.js';
import { MemoryTokenStore } from '../../src/store/memory/memory-token-store.js';
import { MapLockouts } from '../support/auth-fixture.js';

/** The same store, every call answered on a later turn of the event loop, as a database over the network does. */
function later<T extends object>(store: T): T {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        new Promise((resolve, reject) => {
          setImmediate(() => {
            try {
              resolve(value.apply(target, args));
            } catch (error) {
              reject(error);
            }
          });
        });
    },
  });
}

const SECRET = new TextEncoder().encode('12345678901234567890');
const START = Date.UTC(2026, 10, 23, 12, 0, 10);

type Mode = 'values' | 'promises' | 'promises behind the lockout cache';

async function world(mode: Mode) {
  let nowMs = START;
  const tokens = new MemoryTokenStore({ now: () => new Date(nowMs) });
  const lockouts = new MapLockouts();
  const events: LockoutEvent[] = [];
  tokens.add({
    serial: 'T-alice',
    userName: 'alice',
    type: 'totp',
    secret: SECRET,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
  // Two backup tokens: a code of the second is first looked for in the first, and not found there.
  const backups = [new Uint8Array(20).fill(1), new Uint8Array(20).fill(2)];
  const codes = backups.map(() => generateBackupCodes(2));
  for (const [i, secret] of backups.entries()) {
    tokens.add({
      serial: `B-alice-${i}`,
      userName: 'alice',
      type: 'backup',
      secret,
      algorithm: 'SHA1',
      digits: 6,
      backupCodeHashes: codes[i]!.map((code) => hashBackupCode(secret, code)),
    });
  }
  let lockoutPort: AccountLockoutStore = lockouts;
  if (mode !== 'values') lockoutPort = later(lockouts);
  if (mode === 'promises behind the lockout cache') {
    const cache = new CachingLockoutStore(lockoutPort);
    await cache.loaded;
    lockoutPort = cache;
  }
  const check: CheckCode = createCheckCode({
    tokens: mode === 'values' ? tokens : (later(tokens) as TokenStore),
    lockouts: lockoutPort,
    policy: { totpWindow: 1, hotpLookAhead: 3, lockoutFailures: 3, lockoutSeconds: 60 },
    onLockout: (event) => events.push(event),
  });
  return {
    tokens,
    lockouts,
    events,
    codes,
    check: (user: string, code: string) => check(user, code, new Date(nowMs)),
    totp: (offsetSteps = 0) =>
      generateTotp(SECRET, nowMs / 1000 + offsetSteps * 30, { digits: 6, period: 30, algorithm: 'SHA1' }),
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

/** One login story: what each check answered, and what the stores hold after it. */
async function story(mode: Mode) {
  const w = await world(mode);
  const results: (CodeResult | string)[] = [];
  const run = async (user: string, code: string) => {
    const result = w.check(user, code);
    if (mode === 'values') assert.ok(!(result instanceof Promise), 'over values the check is synchronous');
    results.push(await result);
  };
  await run('alice', '000000');
  await run('alice', '000001');
  await run('alice', w.totp());
  await run('alice', w.totp());
  await run('alice', w.codes[1]![0]!);
  await run('alice', w.codes[1]![0]!);
  await run('alice', '000002');
  await run('alice', '000003');
  results.push(`locks: ${JSON.stringify(w.events)}`);
  await run('alice', w.totp(1));
  w.advance(61_000);
  await run('alice', w.totp());
  await run('alice', w.codes[0]![1]!);
  await run('bob', '123456');
  return { results, tokens: w.tokens.list(), lockouts: w.lockouts.list(), events: w.events };
}

test('over stores that answer with promises, every decision, count and lock is the same as over values', async () => {
  const values = await story('values');
  // The story itself: failures counted, a success resets them, a replay and a used backup code are refused, the
  // third failure locks token and account, the lock refuses a right code, and ends.
  assert.deepEqual(
    values.results.map((r) => (typeof r === 'string' ? 'locks' : r.ok ? `ok ${r.type}` : r.reason)),
    [
      'CODE_WRONG',
      'CODE_WRONG',
      'ok totp',
      'CODE_REPLAYED',
      'ok backup',
      'CODE_WRONG',
      'CODE_WRONG',
      'CODE_WRONG',
      'locks',
      'ACCOUNT_LOCKED',
      'ok totp',
      'ok backup',
      'NO_TOKEN',
    ],
  );
  assert.equal(values.events.length, 2, 'the token and the account were locked');
  for (const mode of ['promises', 'promises behind the lockout cache'] as const) {
    assert.deepEqual(await story(mode), values, mode);
  }
});

test('a store that fails rejects the check, whether it fails at once or later', async () => {
  const tokens = new MemoryTokenStore();
  tokens.add({ serial: 'T', userName: 'alice', type: 'totp', secret: SECRET, algorithm: 'SHA1', digits: 6 });
  const broken = new MapLockouts();
  broken.recordFailure = () => {
    throw new Error('disk gone');
  };
  const policy = { totpWindow: 1, hotpLookAhead: 3, lockoutFailures: 3, lockoutSeconds: 60 };
  const now = new Date(START);
  assert.throws(
    () => createCheckCode({ tokens, lockouts: broken, policy })('alice', '000000', now),
    /disk gone/,
  );
  const failingLater = createCheckCode({
    tokens: later(tokens) as TokenStore,
    lockouts: later(broken),
    policy,
  });
  await assert.rejects(Promise.resolve(failingLater('alice', '000000', now)), /disk gone/);
});
