// Tests for resynchronisation from two consecutive codes (RFC 4226 §7.4, RFC 6238 §6, A6.2, A6.3).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { generateHotp } from '../../src/otp/hotp.js';
import { OtpParameterError } from '../../src/otp/otp-parameters.js';
import { type ResyncHotpArgs, type ResyncTotpArgs, resyncHotp, resyncTotp } from '../../src/otp/resync.js';
import { generateTotp } from '../../src/otp/totp.js';
import { initialHotpState, verifyHotp } from '../../src/otp/verify-hotp.js';
import { initialTotpState, verifyTotp } from '../../src/otp/verify-totp.js';
import { rfcSeeds } from './support/vectors.js';

const secret = rfcSeeds.SHA1;
const hotpAt = (counter: number) => generateHotp(secret, counter, 6, 'SHA1');
const now = 1_700_000_015;
const period = 30;
const currentStep = Math.floor(now / period);
const totpAt = (offset: number, time = now) =>
  generateTotp(secret, time + offset * period, { digits: 6, period, algorithm: 'SHA1' });

function isBadParameter(error: unknown): boolean {
  return error instanceof OtpParameterError && error.code === 'OTP_BAD_PARAMETER';
}

function hotp(code1: string, code2: string, overrides: Partial<ResyncHotpArgs> = {}) {
  return resyncHotp({
    secret,
    code1,
    code2,
    digits: 6,
    algorithm: 'SHA1',
    state: initialHotpState,
    ...overrides,
  });
}

function totp(code1: string, code2: string, overrides: Partial<ResyncTotpArgs> = {}) {
  return resyncTotp({
    secret,
    code1,
    code2,
    nowSeconds: now,
    period,
    digits: 6,
    algorithm: 'SHA1',
    state: initialTotpState,
    ...overrides,
  });
}

describe('resyncHotp', () => {
  it('finds a token pressed 50 times beyond the look-ahead, and verification continues after it', () => {
    const verifyArgs = { secret, digits: 6 as const, algorithm: 'SHA1' as const };
    assert.deepEqual(verifyHotp({ ...verifyArgs, code: hotpAt(50), state: initialHotpState }), {
      ok: false,
      reason: 'CODE_WRONG',
    });
    const result = hotp(hotpAt(50), hotpAt(51));
    assert.deepEqual(result, { ok: true, counter: 51, newState: { lastUsedCounter: 51 } });
    assert.equal(verifyHotp({ ...verifyArgs, code: hotpAt(52), state: result.newState }).ok, true);
    assert.deepEqual(verifyHotp({ ...verifyArgs, code: hotpAt(51), state: result.newState }), {
      ok: false,
      reason: 'CODE_REPLAYED',
    });
  });

  it('searches 100 counts after the last used one by default (A6.3): 99/100 is found, 100/101 is not', () => {
    assert.equal(hotp(hotpAt(99), hotpAt(100)).ok, true);
    assert.deepEqual(hotp(hotpAt(100), hotpAt(101)), { ok: false, reason: 'CODE_WRONG' });
    assert.equal(hotp(hotpAt(150), hotpAt(151), { window: 200 }).ok, true);
  });

  it('refuses codes that are not consecutive or in the wrong order', () => {
    assert.deepEqual(hotp(hotpAt(30), hotpAt(32)), { ok: false, reason: 'CODE_WRONG' });
    assert.deepEqual(hotp(hotpAt(31), hotpAt(30)), { ok: false, reason: 'CODE_WRONG' });
  });

  it('only searches after the last used counter (A6.4)', () => {
    assert.deepEqual(hotp(hotpAt(10), hotpAt(11), { state: { lastUsedCounter: 20 } }), {
      ok: false,
      reason: 'CODE_WRONG',
    });
    assert.equal(hotp(hotpAt(21), hotpAt(22), { state: { lastUsedCounter: 20 } }).ok, true);
  });

  it('refuses malformed codes as CODE_FORMAT and never throws on arbitrary strings', () => {
    assert.deepEqual(hotp('12345', hotpAt(1)), { ok: false, reason: 'CODE_FORMAT' });
    assert.deepEqual(hotp(hotpAt(0), 'abcdef'), { ok: false, reason: 'CODE_FORMAT' });
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        assert.equal(typeof hotp(a, b, { window: 5 }).ok, 'boolean');
      }),
      { numRuns: 300 },
    );
  });

  const bad: readonly [string, Partial<ResyncHotpArgs>][] = [
    ['window 0', { window: 0 }],
    ['window 1001', { window: 1001 }],
    ['lastUsedCounter −2', { state: { lastUsedCounter: -2 } }],
    ['an unknown algorithm', { algorithm: 'MD5' as never }],
    ['an empty secret', { secret: new Uint8Array() }],
    ['9 digits', { digits: 9 as never }],
  ];
  for (const [what, overrides] of bad) {
    it(`throws OTP_BAD_PARAMETER for ${what}`, () => {
      assert.throws(() => hotp(hotpAt(0), hotpAt(1), overrides), isBadParameter);
    });
  }
});

describe('resyncTotp', () => {
  it('learns a clock 8 steps (4 min) fast, and later logins use that drift', () => {
    assert.deepEqual(
      verifyTotp({
        secret,
        code: totpAt(8),
        nowSeconds: now,
        period,
        digits: 6,
        algorithm: 'SHA1',
        state: initialTotpState,
      }),
      { ok: false, reason: 'CODE_WRONG' },
    );
    const result = totp(totpAt(7), totpAt(8));
    assert.deepEqual(result, {
      ok: true,
      step: currentStep + 8,
      newState: { lastUsedStep: currentStep + 8, drift: 8 },
    });
    const later = now + 3600;
    const next = verifyTotp({
      secret,
      code: totpAt(8, later),
      nowSeconds: later,
      period,
      digits: 6,
      algorithm: 'SHA1',
      state: result.newState,
    });
    assert.ok(next.ok);
    assert.equal(next.newState.drift, 8);
  });

  it('learns a clock 15 steps slow', () => {
    const result = totp(totpAt(-16), totpAt(-15));
    assert.ok(result.ok);
    assert.equal(result.newState.drift, -15);
  });

  it('searches ±10 minutes by default (20 steps of 30 s): +20 is found, +25 only with rangeSteps 30', () => {
    assert.equal(totp(totpAt(19), totpAt(20)).ok, true);
    assert.equal(totp(totpAt(-20), totpAt(-19)).ok, true);
    assert.deepEqual(totp(totpAt(20), totpAt(21)), { ok: false, reason: 'CODE_WRONG' });
    assert.deepEqual(totp(totpAt(24), totpAt(25)), { ok: false, reason: 'CODE_WRONG' });
    assert.equal(totp(totpAt(24), totpAt(25), { rangeSteps: 30 }).ok, true);
  });

  it('refuses codes that are not consecutive steps', () => {
    assert.deepEqual(totp(totpAt(3), totpAt(5)), { ok: false, reason: 'CODE_WRONG' });
    assert.deepEqual(totp(totpAt(4), totpAt(3)), { ok: false, reason: 'CODE_WRONG' });
  });

  it('refuses a pair whose first code is at or before the last used step as CODE_REPLAYED', () => {
    const state = { lastUsedStep: currentStep + 3, drift: 0 };
    assert.deepEqual(totp(totpAt(3), totpAt(4), { state }), { ok: false, reason: 'CODE_REPLAYED' });
    assert.deepEqual(totp(totpAt(1), totpAt(2), { state }), { ok: false, reason: 'CODE_REPLAYED' });
    assert.equal(totp(totpAt(4), totpAt(5), { state }).ok, true);
  });

  it('does not search before step 0 near the epoch', () => {
    const code = (step: number) =>
      generateTotp(secret, step * 30, { digits: 6, period: 30, algorithm: 'SHA1' });
    const result = totp(code(0), code(1), { nowSeconds: 100 });
    assert.deepEqual(result, { ok: true, step: 1, newState: { lastUsedStep: 1, drift: -2 } });
  });

  it('refuses malformed codes as CODE_FORMAT and never throws on arbitrary strings', () => {
    assert.deepEqual(totp('1234567', totpAt(1)), { ok: false, reason: 'CODE_FORMAT' });
    assert.deepEqual(totp(totpAt(0), ''), { ok: false, reason: 'CODE_FORMAT' });
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        assert.equal(typeof totp(a, b, { rangeSteps: 3 }).ok, 'boolean');
      }),
      { numRuns: 300 },
    );
  });

  const bad: readonly [string, Partial<ResyncTotpArgs>][] = [
    ['rangeSteps 0', { rangeSteps: 0 }],
    ['rangeSteps beyond one day', { rangeSteps: 2881 }],
    ['lastUsedStep 1.5', { state: { lastUsedStep: 1.5, drift: 0 } }],
    ['7 digits', { digits: 7 as never }],
    ['period 121', { period: 121 }],
    ['an unknown algorithm', { algorithm: 'MD5' as never }],
    ['an empty secret', { secret: new Uint8Array() }],
  ];
  for (const [what, overrides] of bad) {
    it(`throws OTP_BAD_PARAMETER for ${what}`, () => {
      assert.throws(() => totp(totpAt(0), totpAt(1), overrides), isBadParameter);
    });
  }
});
