// Tests for HOTP verification: look-ahead window, replay guard, legacy secrets, formats, never throwing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase32 } from '../../src/otp/base32.js';
import { generateHotp } from '../../src/otp/hotp.js';
import type { OtpAlgorithm, OtpDigits } from '../../src/otp/otp-algorithm.js';
import { OtpParameterError } from '../../src/otp/otp-parameters.js';
import {
  type HotpState,
  initialHotpState,
  type VerifyHotpArgs,
  verifyHotp,
} from '../../src/otp/verify-hotp.js';
import { hex, oathtool } from './support/oathtool.js';
import { readVectors, rfcSeeds } from './support/vectors.js';

const secret = rfcSeeds.SHA1;
const codeAt = (counter: number, digits: OtpDigits = 6) => generateHotp(secret, counter, digits, 'SHA1');

function verify(code: string, overrides: Partial<VerifyHotpArgs> = {}) {
  return verifyHotp({ secret, code, digits: 6, algorithm: 'SHA1', state: initialHotpState, ...overrides });
}

describe('look-ahead (RFC 4226 §7.4, A6.3)', () => {
  it('accepts counter 0 on a fresh token and stores it as last used', () => {
    assert.deepEqual(verify('755224'), { ok: true, counter: 0, newState: { lastUsedCounter: 0 } });
  });

  it('accepts every RFC 4226 Appendix D code in sequence', () => {
    let state: HotpState = initialHotpState;
    for (const [count, , , , code] of readVectors('rfc4226-appendix-d.txt').rows) {
      const result = verify(code!, { state });
      assert.ok(result.ok);
      assert.equal(result.counter, Number(count));
      state = result.newState;
    }
  });

  it('with the default look-ahead of 3, accepts up to 3 skipped presses and refuses a 4th', () => {
    const state: HotpState = { lastUsedCounter: 10 };
    for (const counter of [11, 12, 13, 14]) {
      assert.deepEqual(verify(codeAt(counter), { state }), {
        ok: true,
        counter,
        newState: { lastUsedCounter: counter },
      });
    }
    assert.deepEqual(verify(codeAt(15), { state }), { ok: false, reason: 'CODE_WRONG' });
  });

  it('with look-ahead 0 accepts only the next counter', () => {
    const state: HotpState = { lastUsedCounter: 10 };
    assert.equal(verify(codeAt(11), { state, lookAhead: 0 }).ok, true);
    assert.deepEqual(verify(codeAt(12), { state, lookAhead: 0 }), { ok: false, reason: 'CODE_WRONG' });
  });

  it('accepts the codes oathtool lists for the window and refuses the one after it', () => {
    const listed = oathtool(['--hotp', '-c', '21', '-w', '4', hex(secret)]).split('\n');
    assert.equal(listed.length, 5);
    assert.deepEqual(
      listed.map((code) => verify(code, { state: { lastUsedCounter: 20 } }).ok),
      [true, true, true, true, false],
    );
  });

  it('works with the 80-bit legacy secret JBSWY3DPEHPK3PXP (counter 5 → 768897)', () => {
    const legacy = decodeBase32('JBSWY3DPEHPK3PXP');
    assert.ok(legacy.ok);
    const result = verifyHotp({
      secret: legacy.bytes,
      code: '768897',
      digits: 6,
      algorithm: 'SHA1',
      state: { lastUsedCounter: 4 },
    });
    assert.deepEqual(result, { ok: true, counter: 5, newState: { lastUsedCounter: 5 } });
  });

  it('works with 7 and 8 digits and SHA-256/SHA-512', () => {
    for (const algorithm of ['SHA256', 'SHA512'] as const) {
      for (const digits of [7, 8] as const) {
        const code = generateHotp(rfcSeeds[algorithm], 2, digits, algorithm);
        const result = verify(code, { secret: rfcSeeds[algorithm], digits, algorithm });
        assert.deepEqual(result, { ok: true, counter: 2, newState: { lastUsedCounter: 2 } });
      }
    }
  });
});

describe('replay guard (RFC 4226 §7.2, A6.4)', () => {
  it('refuses the same code a second time as CODE_REPLAYED', () => {
    const first = verify(codeAt(0));
    assert.ok(first.ok);
    assert.deepEqual(verify(codeAt(0), { state: first.newState }), { ok: false, reason: 'CODE_REPLAYED' });
  });

  it('refuses a skipped-over older code after a newer one was accepted', () => {
    const newer = verify(codeAt(3));
    assert.ok(newer.ok);
    for (const counter of [0, 1, 2]) {
      assert.deepEqual(verify(codeAt(counter), { state: newer.newState }), {
        ok: false,
        reason: 'CODE_REPLAYED',
      });
    }
  });

  it('looks back only lookAhead + 1 counters to name a replay; older codes are plainly wrong', () => {
    const state: HotpState = { lastUsedCounter: 100 };
    assert.deepEqual(verify(codeAt(97), { state }), { ok: false, reason: 'CODE_REPLAYED' });
    assert.deepEqual(verify(codeAt(96), { state }), { ok: false, reason: 'CODE_WRONG' });
  });
});

describe('code format', () => {
  it('accepts "755 224" and refuses malformed codes as CODE_FORMAT', () => {
    assert.equal(verify('755 224').ok, true);
    for (const code of ['', '75522', '7552245', 'x55224', '７５５２２４']) {
      assert.deepEqual(verify(code), { ok: false, reason: 'CODE_FORMAT' });
    }
  });

  it('never throws on arbitrary code strings, and accepts only a code of the window', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9 ]{0,10}$/)),
        (code) => {
          const result = verify(code, { state: { lastUsedCounter: 40 } });
          if (result.ok) {
            assert.equal(code.replace(/[ \t]/g, ''), codeAt(result.counter));
            assert.ok(result.counter >= 41 && result.counter <= 44);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('parameter checks', () => {
  const bad: readonly [string, Partial<VerifyHotpArgs>][] = [
    ['look-ahead −1', { lookAhead: -1 }],
    ['look-ahead 21', { lookAhead: 21 }],
    ['lastUsedCounter −2', { state: { lastUsedCounter: -2 } }],
    ['a fractional lastUsedCounter', { state: { lastUsedCounter: 1.5 } }],
    ['a lastUsedCounter too close to 2^53', { state: { lastUsedCounter: Number.MAX_SAFE_INTEGER } }],
    ['5 digits', { digits: 5 as OtpDigits }],
    ['an unknown algorithm', { algorithm: 'SHA384' as OtpAlgorithm }],
    ['an empty secret', { secret: new Uint8Array() }],
  ];
  for (const [what, overrides] of bad) {
    it(`throws OTP_BAD_PARAMETER for ${what}`, () => {
      assert.throws(
        () => verify('755224', overrides),
        (error: unknown) => error instanceof OtpParameterError && error.code === 'OTP_BAD_PARAMETER',
      );
    });
  }
});
