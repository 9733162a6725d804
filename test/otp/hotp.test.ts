// Tests for HOTP generation: RFC 4226 Appendix D vectors, oathtool and otpauth cross-checks, argument checks.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HOTP, Secret } from 'otpauth';
import { decodeBase32 } from '../../src/otp/base32.js';
import { generateHotp, truncateHmac } from '../../src/otp/hotp.js';
import type { OtpAlgorithm, OtpDigits } from '../../src/otp/otp-algorithm.js';
import { OtpParameterError } from '../../src/otp/otp-parameters.js';
import { hex, oathtool, oathtoolHotp } from './support/oathtool.js';
import { readVectors, rfcSeeds } from './support/vectors.js';

const appendixD = readVectors('rfc4226-appendix-d.txt');
const algorithms: readonly OtpAlgorithm[] = ['SHA1', 'SHA256', 'SHA512'];
const digitCounts: readonly OtpDigits[] = [6, 7, 8];

function counterBytes(counter: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(counter));
  return bytes;
}

describe('RFC 4226 Appendix D vectors', () => {
  it('the vector file names its RFC section and holds all ten counts', () => {
    assert.match(appendixD.title, /^# RFC 4226 Appendix D/);
    assert.equal(appendixD.rows.length, 10);
  });

  for (const [count, mac, truncatedHex, truncatedDecimal, code] of appendixD.rows) {
    it(`count ${count}: HMAC-SHA-1 over the 8-byte big-endian counter is ${mac} (RFC 4226 §5.2)`, () => {
      const digest = createHmac('sha1', rfcSeeds.SHA1)
        .update(counterBytes(Number(count)))
        .digest();
      assert.equal(digest.toString('hex'), mac);
      assert.equal(Number.parseInt(truncatedHex!, 16), Number(truncatedDecimal));
    });

    it(`count ${count}: dynamic truncation gives ${code} (RFC 4226 §5.3)`, () => {
      assert.equal(truncateHmac(Buffer.from(mac!, 'hex'), 6), code);
      assert.equal(generateHotp(rfcSeeds.SHA1, Number(count), 6, 'SHA1'), code);
      assert.equal(generateHotp(rfcSeeds.SHA1, BigInt(count!), 6, 'SHA1'), code);
    });

    it(`count ${count}: 7 and 8 digits are the truncated value mod 10^7 and 10^8 (RFC 4226 §5.3)`, () => {
      const value = Number(truncatedDecimal);
      assert.equal(
        generateHotp(rfcSeeds.SHA1, Number(count), 7, 'SHA1'),
        String(value % 1e7).padStart(7, '0'),
      );
      assert.equal(
        generateHotp(rfcSeeds.SHA1, Number(count), 8, 'SHA1'),
        String(value % 1e8).padStart(8, '0'),
      );
    });
  }
});

describe('oathtool agrees', () => {
  it('with the PEERS.md reference command for counter 7 (162583)', () => {
    const out = oathtool(['--hotp', '-c', '7', '3132333435363738393031323334353637383930']);
    assert.equal(out, '162583');
    assert.equal(generateHotp(rfcSeeds.SHA1, 7, 6, 'SHA1'), out);
  });

  it('with the 80-bit legacy secret JBSWY3DPEHPK3PXP at counter 5 (768897)', () => {
    const decoded = decodeBase32('JBSWY3DPEHPK3PXP');
    assert.ok(decoded.ok);
    assert.equal(decoded.bytes.length, 10);
    assert.equal(oathtool(['--hotp', '-c', '5', '-b', 'JBSWY3DPEHPK3PXP']), '768897');
    assert.equal(generateHotp(decoded.bytes, 5, 6, 'SHA1'), '768897');
  });

  it('on random secrets (10–64 bytes), counters and digit counts', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 10, maxLength: 64 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.constantFrom(...digitCounts),
        (secret, counter, digits) => {
          assert.equal(generateHotp(secret, counter, digits, 'SHA1'), oathtoolHotp(secret, counter, digits));
        },
      ),
      { numRuns: 12 },
    );
  });

  it('on counters beyond 2^53 given as bigint, up to 2^64 − 1', () => {
    for (const counter of [2n ** 53n + 1n, 2n ** 60n, 2n ** 64n - 1n]) {
      assert.equal(generateHotp(rfcSeeds.SHA1, counter, 6, 'SHA1'), oathtoolHotp(rfcSeeds.SHA1, counter, 6));
    }
  });

  it('keeps leading zeros (the code is always `digits` characters)', () => {
    let counter = 0;
    while (!generateHotp(rfcSeeds.SHA1, counter, 6, 'SHA1').startsWith('0')) {
      counter++;
    }
    const ours = generateHotp(rfcSeeds.SHA1, counter, 6, 'SHA1');
    assert.equal(ours.length, 6);
    assert.equal(ours, oathtool(['--hotp', '-c', String(counter), hex(rfcSeeds.SHA1)]));
  });
});

describe('otpauth agrees', () => {
  it('for every algorithm, digit count and counter', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom(...digitCounts),
        fc.constantFrom(...algorithms),
        (secret, counter, digits, algorithm) => {
          const expected = HOTP.generate({
            secret: new Secret({ buffer: secret.slice().buffer }),
            counter,
            digits,
            algorithm,
          });
          assert.equal(generateHotp(secret, counter, digits, algorithm), expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('for a secret that is a view into a larger buffer (only the view is the key)', () => {
    const backing = new Uint8Array(64).fill(0xaa);
    backing.set(rfcSeeds.SHA1, 10);
    const view = backing.subarray(10, 30);
    assert.equal(generateHotp(view, 0, 6, 'SHA1'), '755224');
  });
});

describe('argument checks', () => {
  const bad: readonly [string, () => unknown][] = [
    ['an empty secret', () => generateHotp(new Uint8Array(0), 0, 6, 'SHA1')],
    ['a secret that is not bytes', () => generateHotp('12345678901234567890' as never, 0, 6, 'SHA1')],
    ['a negative counter', () => generateHotp(rfcSeeds.SHA1, -1, 6, 'SHA1')],
    ['a fractional counter', () => generateHotp(rfcSeeds.SHA1, 1.5, 6, 'SHA1')],
    ['a NaN counter', () => generateHotp(rfcSeeds.SHA1, Number.NaN, 6, 'SHA1')],
    ['an unsafe number counter', () => generateHotp(rfcSeeds.SHA1, 2 ** 53, 6, 'SHA1')],
    ['a negative bigint counter', () => generateHotp(rfcSeeds.SHA1, -1n, 6, 'SHA1')],
    ['a bigint counter of 2^64', () => generateHotp(rfcSeeds.SHA1, 2n ** 64n, 6, 'SHA1')],
    ['5 digits', () => generateHotp(rfcSeeds.SHA1, 0, 5 as OtpDigits, 'SHA1')],
    ['9 digits', () => generateHotp(rfcSeeds.SHA1, 0, 9 as OtpDigits, 'SHA1')],
    ['an unknown algorithm', () => generateHotp(rfcSeeds.SHA1, 0, 6, 'MD5' as OtpAlgorithm)],
    ['a lower-case algorithm', () => generateHotp(rfcSeeds.SHA1, 0, 6, 'sha1' as OtpAlgorithm)],
  ];
  for (const [what, call] of bad) {
    it(`throws OTP_BAD_PARAMETER for ${what}`, () => {
      assert.throws(
        call,
        (error: unknown) => error instanceof OtpParameterError && error.code === 'OTP_BAD_PARAMETER',
      );
    });
  }
});
