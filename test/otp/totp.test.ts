// Tests for TOTP steps and values: RFC 6238 Appendix B vectors, the PEERS.md oathtool table, oathtool and otpauth.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Secret, TOTP } from 'otpauth';
import type { OtpAlgorithm, OtpDigits } from '../../src/otp/otp-algorithm.js';
import { OtpParameterError } from '../../src/otp/otp-parameters.js';
import { generateTotp, totpStep } from '../../src/otp/totp.js';
import { hex, oathtool, oathtoolTotp } from './support/oathtool.js';
import { readVectors, rfcSeeds } from './support/vectors.js';

const appendixB = readVectors('rfc6238-appendix-b.txt');
const algorithms: readonly OtpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];

function isBadParameter(error: unknown): boolean {
  return error instanceof OtpParameterError && error.code === 'OTP_BAD_PARAMETER';
}

describe('RFC 6238 Appendix B vectors', () => {
  it('the vector file names its RFC section and holds all 18 rows', () => {
    assert.match(appendixB.title, /^# RFC 6238 Appendix B/);
    assert.equal(appendixB.rows.length, 18);
  });

  for (const [time, utc, stepHex, code, mode] of appendixB.rows) {
    const algorithm = mode as OtpAlgorithm;
    it(`${mode} at ${time} (${utc}): T = 0x${stepHex} and TOTP = ${code} (RFC 6238 §4.2)`, () => {
      assert.equal(new Date(Number(time) * 1000).toISOString().replace('.000', ''), utc);
      assert.equal(totpStep(Number(time), 30), Number.parseInt(stepHex!, 16));
      assert.equal(
        generateTotp(rfcSeeds[algorithm], Number(time), { digits: 8, period: 30, algorithm }),
        code,
      );
    });
  }
});

describe('PEERS.md oathtool reference table', () => {
  const sha1 = rfcSeeds.SHA1;
  const rows: readonly [string, string[], () => string][] = [
    [
      '081804',
      ['--totp', '-N', '@1111111109', '-b', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'],
      () => generateTotp(sha1, 1111111109, { digits: 6, period: 30, algorithm: 'SHA1' }),
    ],
    [
      '07081804',
      ['--totp', '--digits=8', '-N', '@1111111109', '-b', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'],
      () => generateTotp(sha1, 1111111109, { digits: 8, period: 30, algorithm: 'SHA1' }),
    ],
    [
      '46119246',
      ['--totp=sha256', '--digits=8', '-N', '@59', hex(rfcSeeds.SHA256)],
      () => generateTotp(rfcSeeds.SHA256, 59, { digits: 8, period: 30, algorithm: 'SHA256' }),
    ],
    [
      '90693936',
      ['--totp=sha512', '--digits=8', '-N', '@59', hex(rfcSeeds.SHA512)],
      () => generateTotp(rfcSeeds.SHA512, 59, { digits: 8, period: 30, algorithm: 'SHA512' }),
    ],
  ];
  for (const [expected, args, ours] of rows) {
    it(`oathtool ${args.slice(0, -1).join(' ')} … prints ${expected}, and so do we`, () => {
      assert.equal(oathtool(args), expected);
      assert.equal(ours(), expected);
    });
  }
});

describe('oathtool agrees on random tokens', () => {
  it('for random secrets, times, algorithms, digit counts and periods', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 10, maxLength: 64 }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.constantFrom(...algorithms),
        fc.constantFrom<OtpDigits>(6, 7, 8),
        fc.constantFrom(30, 60, 15, 120),
        (secret, time, algorithm, digits, period) => {
          const options = { digits, period, algorithm };
          assert.equal(generateTotp(secret, time, options), oathtoolTotp(secret, time, options));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('with a start time T0 (oathtool -S)', () => {
    const ours = generateTotp(rfcSeeds.SHA1, 1111111109, {
      digits: 6,
      period: 30,
      algorithm: 'SHA1',
      t0: 1000,
    });
    assert.equal(ours, oathtool(['--totp', '-S', '@1000', '-N', '@1111111109', hex(rfcSeeds.SHA1)]));
  });
});

describe('otpauth agrees', () => {
  it('for every algorithm, digit count, period and time', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        fc.double({ min: 0, max: 1e11, noNaN: true }),
        fc.constantFrom(...algorithms),
        fc.constantFrom<OtpDigits>(6, 7, 8),
        fc.integer({ min: 15, max: 120 }),
        (secret, time, algorithm, digits, period) => {
          const expected = TOTP.generate({
            secret: new Secret({ buffer: secret.slice().buffer }),
            algorithm,
            digits,
            period,
            timestamp: time * 1000,
          });
          assert.equal(generateTotp(secret, time, { digits, period, algorithm }), expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('totpStep', () => {
  it('uses the floor: 29.999 s is step 0, 30 s starts step 1, 59 s is still step 1 (RFC 6238 §4.2)', () => {
    assert.equal(totpStep(0, 30), 0);
    assert.equal(totpStep(29.999, 30), 0);
    assert.equal(totpStep(30, 30), 1);
    assert.equal(totpStep(59, 30), 1);
    assert.equal(totpStep(60, 30), 2);
    assert.equal(totpStep(119, 60), 1);
  });

  it('counts from T0 (RFC 6238 §4.1)', () => {
    assert.equal(totpStep(1000, 30, 1000), 0);
    assert.equal(totpStep(1030, 30, 1000), 1);
  });

  const bad: readonly [string, () => unknown][] = [
    ['a period below 15 s', () => totpStep(100, 14)],
    ['a period above 120 s', () => totpStep(100, 121)],
    ['a fractional period', () => totpStep(100, 30.5)],
    ['a negative time', () => totpStep(-1, 30)],
    ['a NaN time', () => totpStep(Number.NaN, 30)],
    ['an infinite time', () => totpStep(Number.POSITIVE_INFINITY, 30)],
    ['a time before T0', () => totpStep(10, 30, 100)],
    ['a NaN T0', () => totpStep(10, 30, Number.NaN)],
    ['a step beyond 2^53', () => totpStep(1e300, 30)],
    [
      'an unknown algorithm',
      () => generateTotp(rfcSeeds.SHA1, 59, { digits: 6, period: 30, algorithm: 'MD5' as never }),
    ],
    [
      '5 digits',
      () => generateTotp(rfcSeeds.SHA1, 59, { digits: 5 as never, period: 30, algorithm: 'SHA1' }),
    ],
    [
      'an empty secret',
      () => generateTotp(new Uint8Array(), 59, { digits: 6, period: 30, algorithm: 'SHA1' }),
    ],
  ];
  for (const [what, call] of bad) {
    it(`throws OTP_BAD_PARAMETER for ${what}`, () => {
      assert.throws(call, isBadParameter);
    });
  }
});
