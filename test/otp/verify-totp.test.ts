// Tests for TOTP verification: window edges, replay guard, drift learning and bounds, formats, never throwing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { OtpAlgorithm } from '../../src/otp/otp-algorithm.js';
import { OtpParameterError } from '../../src/otp/otp-parameters.js';
import { generateTotp } from '../../src/otp/totp.js';
import {
  clampDrift,
  initialTotpState,
  type TotpDigits,
  type TotpState,
  type VerifyTotpArgs,
  verifyTotp,
} from '../../src/otp/verify-totp.js';
import { hex, oathtool } from './support/oathtool.js';
import { rfcSeeds } from './support/vectors.js';

const secret = rfcSeeds.SHA1;
const now = 1_700_000_015; // step 56_666_667, 15 s into it
const period = 30;

/** The code the token shows `offset` steps away from `now`. */
function codeAt(
  offset: number,
  options: { digits?: TotpDigits; period?: number; algorithm?: OtpAlgorithm } = {},
) {
  const p = options.period ?? period;
  return generateTotp(
    options.algorithm === undefined ? secret : rfcSeeds[options.algorithm],
    now + offset * p,
    {
      digits: options.digits ?? 6,
      period: p,
      algorithm: options.algorithm ?? 'SHA1',
    },
  );
}

function verify(code: string, overrides: Partial<VerifyTotpArgs> = {}) {
  return verifyTotp({
    secret,
    code,
    nowSeconds: now,
    period,
    digits: 6,
    algorithm: 'SHA1',
    state: initialTotpState,
    ...overrides,
  });
}

const currentStep = Math.floor(now / period);

describe('window (RFC 6238 §5.2, A6.1)', () => {
  it('accepts the current step and reports it', () => {
    assert.deepEqual(verify(codeAt(0)), {
      ok: true,
      step: currentStep,
      newState: { lastUsedStep: currentStep, drift: 0 },
    });
  });

  it('accepts one step back and one step ahead with the default window of 1', () => {
    assert.equal(verify(codeAt(-1)).ok, true);
    assert.equal(verify(codeAt(1)).ok, true);
  });

  it('refuses two steps back and two steps ahead with window 1 as CODE_WRONG', () => {
    assert.deepEqual(verify(codeAt(-2)), { ok: false, reason: 'CODE_WRONG' });
    assert.deepEqual(verify(codeAt(2)), { ok: false, reason: 'CODE_WRONG' });
  });

  it('accepts ±2 only when the window is widened to 2, and only the current step with window 0', () => {
    assert.equal(verify(codeAt(-2), { window: 2 }).ok, true);
    assert.equal(verify(codeAt(2), { window: 2 }).ok, true);
    assert.equal(verify(codeAt(0), { window: 0 }).ok, true);
    assert.deepEqual(verify(codeAt(1), { window: 0 }), { ok: false, reason: 'CODE_WRONG' });
  });

  it('accepts every step oathtool lists for now−1 … now+1 and refuses those for now±2', () => {
    const listed = oathtool(['--totp', '-N', `@${now - 2 * period}`, '-w', '4', hex(secret)]).split('\n');
    assert.equal(listed.length, 5);
    assert.deepEqual(
      listed.map((code) => verify(code).ok),
      [false, true, true, true, false],
    );
  });

  it('works with 60 s steps, 8 digits, SHA-256 and SHA-512', () => {
    for (const algorithm of ['SHA256', 'SHA512'] as const) {
      const code = codeAt(-1, { digits: 8, period: 60, algorithm });
      const result = verify(code, { secret: rfcSeeds[algorithm], digits: 8, period: 60, algorithm });
      assert.deepEqual(result, {
        ok: true,
        step: Math.floor(now / 60) - 1,
        newState: { lastUsedStep: Math.floor(now / 60) - 1, drift: -1 },
      });
    }
  });

  it('skips steps before 0 near the epoch instead of failing', () => {
    const atStart = (offset: number) =>
      generateTotp(secret, offset * 30, { digits: 6, period: 30, algorithm: 'SHA1' });
    assert.equal(verify(atStart(0), { nowSeconds: 10 }).ok, true);
    assert.equal(verify(atStart(1), { nowSeconds: 10 }).ok, true);
    assert.equal(verify(atStart(2), { nowSeconds: 10 }).ok, false);
  });

  it('counts steps from T0 when given', () => {
    const t0 = 1000;
    const code = generateTotp(secret, now, { digits: 6, period, algorithm: 'SHA1', t0 });
    const result = verify(code, { t0 });
    assert.ok(result.ok);
    assert.equal(result.step, Math.floor((now - t0) / period));
  });
});

describe('replay guard (RFC 6238 §5.2, A6.4)', () => {
  it('refuses the same code a second time as CODE_REPLAYED', () => {
    const first = verify(codeAt(0));
    assert.ok(first.ok);
    assert.deepEqual(verify(codeAt(0), { state: first.newState }), { ok: false, reason: 'CODE_REPLAYED' });
  });

  it('refuses the code of an older step after a newer one was accepted', () => {
    const newer = verify(codeAt(1));
    assert.ok(newer.ok);
    assert.deepEqual(verify(codeAt(0), { state: newer.newState }), { ok: false, reason: 'CODE_REPLAYED' });
    // With window 2 the older steps are still inside the window, and still refused.
    const wide = verify(codeAt(1), { window: 2 });
    assert.ok(wide.ok);
    for (const offset of [-1, 0, 1]) {
      assert.deepEqual(verify(codeAt(offset), { window: 2, state: wide.newState }), {
        ok: false,
        reason: 'CODE_REPLAYED',
      });
    }
  });

  it('accepts a newer step after an older one', () => {
    const older = verify(codeAt(-1));
    assert.ok(older.ok);
    const newer = verify(codeAt(0), { state: older.newState });
    assert.ok(newer.ok);
    assert.equal(newer.newState.lastUsedStep, currentStep);
  });

  it('still refuses the step after the clock moved on, while it is in the window', () => {
    const first = verify(codeAt(0));
    assert.ok(first.ok);
    const later = verify(codeAt(0), { state: first.newState, nowSeconds: now + period });
    assert.deepEqual(later, { ok: false, reason: 'CODE_REPLAYED' });
  });

  it('calls a wrong code wrong even when a step in the window was used', () => {
    const first = verify(codeAt(0));
    assert.ok(first.ok);
    const wrong = codeAt(0) === '000000' ? '000001' : '000000';
    assert.deepEqual(verify(wrong, { state: first.newState }), { ok: false, reason: 'CODE_WRONG' });
  });
});

describe('drift (RFC 6238 §6, A6.2)', () => {
  it('learns the drift from an accepted code ahead of or behind the server', () => {
    const ahead = verify(codeAt(1));
    assert.ok(ahead.ok);
    assert.equal(ahead.newState.drift, 1);
    const behind = verify(codeAt(-1));
    assert.ok(behind.ok);
    assert.equal(behind.newState.drift, -1);
  });

  it('centres the window on now + drift: +3 is accepted with drift 3, and now itself is not', () => {
    const state: TotpState = { lastUsedStep: -1, drift: 3 };
    assert.deepEqual(verify(codeAt(3)), { ok: false, reason: 'CODE_WRONG' });
    assert.deepEqual(verify(codeAt(3), { state }), {
      ok: true,
      step: currentStep + 3,
      newState: { lastUsedStep: currentStep + 3, drift: 3 },
    });
    assert.equal(verify(codeAt(4), { state }).ok, true);
    assert.deepEqual(verify(codeAt(0), { state }), { ok: false, reason: 'CODE_WRONG' });
  });

  it('follows a clock that keeps running fast, one step per login', () => {
    let state: TotpState = initialTotpState;
    for (let drift = 1; drift <= 5; drift++) {
      const time = now + drift * 3600;
      const code = generateTotp(secret, time + drift * period, { digits: 6, period, algorithm: 'SHA1' });
      const result = verify(code, { nowSeconds: time, state });
      assert.ok(result.ok, `drift ${drift}`);
      assert.equal(result.newState.drift, drift);
      state = result.newState;
    }
  });

  it('clamps a stored drift to maxDriftSteps (default 10 minutes = 20 steps of 30 s)', () => {
    const state: TotpState = { lastUsedStep: -1, drift: 1000 };
    const result = verify(codeAt(20), { state });
    assert.ok(result.ok);
    assert.equal(result.newState.drift, 20);
    const edge = verify(codeAt(21), { state });
    assert.ok(edge.ok);
    assert.equal(edge.newState.drift, 20, 'the learned drift never exceeds the bound');
    assert.deepEqual(verify(codeAt(22), { state }), { ok: false, reason: 'CODE_WRONG' });
  });

  it('never learns drift when maxDriftSteps is 0', () => {
    const result = verify(codeAt(1), { maxDriftSteps: 0, state: { lastUsedStep: -1, drift: 5 } });
    assert.ok(result.ok);
    assert.equal(result.newState.drift, 0);
  });

  it('clampDrift limits to ±bound', () => {
    assert.equal(clampDrift(25, 20), 20);
    assert.equal(clampDrift(-25, 20), -20);
    assert.equal(clampDrift(-3, 20), -3);
  });
});

describe('code format', () => {
  it('accepts a code typed with spaces or a tab ("123 456")', () => {
    const code = codeAt(0);
    assert.equal(verify(`${code.slice(0, 3)} ${code.slice(3)}`).ok, true);
    assert.equal(verify(` ${code}\t`).ok, true);
  });

  const malformed = [
    '',
    '12345',
    '1234567',
    'abcdef',
    '12345a',
    '１２３４５６',
    '123-456',
    '12345\n',
    '+12345',
  ];
  for (const code of malformed) {
    it(`refuses ${JSON.stringify(code)} as CODE_FORMAT before any HMAC`, () => {
      assert.deepEqual(verify(code), { ok: false, reason: 'CODE_FORMAT' });
    });
  }

  it('refuses a 6-digit code for an 8-digit token as CODE_FORMAT', () => {
    assert.deepEqual(verify(codeAt(0), { digits: 8 }), { ok: false, reason: 'CODE_FORMAT' });
  });

  it('never throws on arbitrary code strings, and accepts only the code of a step in the window', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9 ]{0,12}$/)),
        (code) => {
          const result = verify(code);
          if (result.ok) {
            const expected = generateTotp(secret, result.step * period, {
              digits: 6,
              period,
              algorithm: 'SHA1',
            });
            assert.equal(code.replace(/[ \t]/g, ''), expected);
            assert.ok(Math.abs(result.step - currentStep) <= 1);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on non-string codes from untyped callers', () => {
    fc.assert(
      fc.property(fc.anything(), (code) => {
        assert.deepEqual(verify(code as string), { ok: false, reason: 'CODE_FORMAT' });
      }),
    );
  });
});

describe('parameter checks', () => {
  const bad: readonly [string, Partial<VerifyTotpArgs>][] = [
    ['window −1', { window: -1 }],
    ['window 11', { window: 11 }],
    ['a fractional window', { window: 1.5 }],
    ['a negative maxDriftSteps', { maxDriftSteps: -1 }],
    ['a maxDriftSteps beyond one day', { maxDriftSteps: 2881 }],
    ['lastUsedStep −2', { state: { lastUsedStep: -2, drift: 0 } }],
    ['a fractional drift', { state: { lastUsedStep: -1, drift: 0.5 } }],
    ['a NaN drift', { state: { lastUsedStep: -1, drift: Number.NaN } }],
    ['7 digits (A6.1 allows 6 or 8)', { digits: 7 as TotpDigits }],
    ['period 10', { period: 10 }],
    ['a negative time', { nowSeconds: -5 }],
    ['an empty secret', { secret: new Uint8Array() }],
    ['an unknown algorithm', { algorithm: 'SHA3' as OtpAlgorithm }],
  ];
  for (const [what, overrides] of bad) {
    it(`throws OTP_BAD_PARAMETER for ${what}`, () => {
      assert.throws(
        () => verify(codeAt(0), overrides),
        (error: unknown) => error instanceof OtpParameterError && error.code === 'OTP_BAD_PARAMETER',
      );
    });
  }
});
