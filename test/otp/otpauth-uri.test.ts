// Tests for otpauth:// key URIs: Key Uri Format shape, round trips, otpauth and oathtool agreement, import refusals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { HOTP, TOTP, URI } from 'otpauth';
import { encodeBase32 } from '../../src/otp/base32.js';
import { generateHotp } from '../../src/otp/hotp.js';
import type { OtpAlgorithm } from '../../src/otp/otp-algorithm.js';
import { OtpParameterError } from '../../src/otp/otp-parameters.js';
import {
  buildOtpauthUri,
  type OtpauthHotpKey,
  type OtpauthKey,
  type OtpauthTotpKey,
  parseOtpauthUri,
} from '../../src/otp/otpauth-uri.js';
import { generateTotp } from '../../src/otp/totp.js';
import { oathtool } from './support/oathtool.js';
import { rfcSeeds } from './support/vectors.js';

const totpKey: OtpauthTotpKey = {
  type: 'totp',
  issuer: 'ACME Co',
  account: 'alice@example.com',
  secret: rfcSeeds.SHA1,
  digits: 6,
  period: 30,
  algorithm: 'SHA1',
};
const hotpKey: OtpauthHotpKey = {
  type: 'hotp',
  issuer: 'ACME Co',
  account: 'bob',
  secret: rfcSeeds.SHA1,
  digits: 6,
  counter: 7,
  algorithm: 'SHA1',
};

function isBadParameter(error: unknown): boolean {
  return error instanceof OtpParameterError && error.code === 'OTP_BAD_PARAMETER';
}

describe('buildOtpauthUri (Key Uri Format)', () => {
  it('puts the issuer in the label and the parameter, the secret in unpadded base32, every part encoded', () => {
    assert.equal(
      buildOtpauthUri(totpKey),
      'otpauth://totp/ACME%20Co:alice%40example.com?issuer=ACME%20Co&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' +
        '&algorithm=SHA1&digits=6&period=30',
    );
    assert.equal(
      buildOtpauthUri(hotpKey),
      'otpauth://hotp/ACME%20Co:bob?issuer=ACME%20Co&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' +
        '&algorithm=SHA1&digits=6&counter=7',
    );
  });

  it('writes a 16-byte secret as 26 base32 characters without padding', () => {
    const uri = buildOtpauthUri({ ...totpKey, secret: new Uint8Array(16).fill(0xa5) });
    assert.match(uri, /[?&]secret=[A-Z2-7]{26}&/);
    assert.doesNotMatch(uri, /=[^&]*%3D|==/);
  });

  it('encodes reserved and non-ASCII characters in names', () => {
    const uri = buildOtpauthUri({ ...totpKey, issuer: 'Ä & B/C?', account: 'x+y @z#' });
    assert.ok(
      uri.startsWith(
        'otpauth://totp/%C3%84%20%26%20B%2FC%3F:x%2By%20%40z%23?issuer=%C3%84%20%26%20B%2FC%3F&',
      ),
    );
  });

  it('oathtool accepts the secret we encode and computes the same codes', () => {
    const secret = new Uint8Array(20).map((_, i) => i * 37 + 11);
    const uri = buildOtpauthUri({ ...totpKey, secret, algorithm: 'SHA256', digits: 8, period: 60 });
    const base32 = /[?&]secret=([^&]+)/.exec(uri)?.[1];
    assert.equal(base32, encodeBase32(secret));
    const ours = generateTotp(secret, 1_700_000_000, { digits: 8, period: 60, algorithm: 'SHA256' });
    assert.equal(
      oathtool(['--totp=SHA256', '--digits=8', '-s', '60s', '-N', '@1700000000', '-b', base32!]),
      ours,
    );
  });

  const bad: readonly [string, OtpauthKey][] = [
    ['an issuer with a colon', { ...totpKey, issuer: 'ACME:Co' }],
    ['an account with a colon', { ...totpKey, account: 'a:b' }],
    ['an empty issuer', { ...totpKey, issuer: '' }],
    ['an empty account', { ...hotpKey, account: '' }],
    ['a 9-byte secret', { ...totpKey, secret: new Uint8Array(9) }],
    ['a secret that is base32 text, not bytes', { ...totpKey, secret: 'JBSWY3DPEHPK3PXP' as never }],
    ['7-digit TOTP', { ...totpKey, digits: 7 as never }],
    ['9-digit HOTP', { ...hotpKey, digits: 9 as never }],
    ['period 10', { ...totpKey, period: 10 }],
    ['a negative counter', { ...hotpKey, counter: -1 }],
    ['an unknown algorithm', { ...totpKey, algorithm: 'SHA224' as OtpAlgorithm }],
  ];
  for (const [what, key] of bad) {
    it(`throws OTP_BAD_PARAMETER for ${what}`, () => {
      assert.throws(() => buildOtpauthUri(key), isBadParameter);
    });
  }
});

describe('round trips', () => {
  const name = fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !s.includes(':') && s.trim() === s);
  const keys: fc.Arbitrary<OtpauthKey> = fc.oneof(
    fc.record({
      type: fc.constant('totp' as const),
      issuer: name,
      account: name,
      secret: fc.uint8Array({ minLength: 10, maxLength: 64 }),
      digits: fc.constantFrom(6 as const, 8 as const),
      period: fc.integer({ min: 15, max: 120 }),
      algorithm: fc.constantFrom<OtpAlgorithm>('SHA1', 'SHA256', 'SHA512'),
    }),
    fc.record({
      type: fc.constant('hotp' as const),
      issuer: name,
      account: name,
      secret: fc.uint8Array({ minLength: 10, maxLength: 64 }),
      digits: fc.constantFrom(6 as const, 7 as const, 8 as const),
      counter: fc.nat(),
      algorithm: fc.constantFrom<OtpAlgorithm>('SHA1', 'SHA256', 'SHA512'),
    }),
  );

  it('every URI we build parses back to the same key', () => {
    fc.assert(
      fc.property(keys, (key) => {
        assert.deepEqual(parseOtpauthUri(buildOtpauthUri(key)), { ok: true, key: { ...key } });
      }),
      { numRuns: 500 },
    );
  });

  it('otpauth reads our URIs the same way and generates the same codes', () => {
    fc.assert(
      fc.property(keys, (key) => {
        const otp = URI.parse(buildOtpauthUri(key));
        assert.equal(otp.issuer, key.issuer);
        assert.equal(otp.label, key.account);
        if (key.type === 'totp') {
          assert.ok(otp instanceof TOTP);
          assert.equal(
            otp.generate({ timestamp: 1_700_000_000_000 }),
            generateTotp(key.secret, 1_700_000_000, key),
          );
        } else {
          assert.ok(otp instanceof HOTP);
          assert.equal(otp.generate(), generateHotp(key.secret, key.counter, key.digits, key.algorithm));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseOtpauthUri (import)', () => {
  it('reads the Key Uri Format example with defaults for algorithm, digits and period', () => {
    const result = parseOtpauthUri(
      'otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example',
    );
    assert.deepEqual(result, {
      ok: true,
      key: {
        type: 'totp',
        issuer: 'Example',
        account: 'alice@google.com',
        secret: new Uint8Array([0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x21, 0xde, 0xad, 0xbe, 0xef]),
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
      },
    });
  });

  it('takes the issuer from the label prefix when the parameter is missing, and allows no issuer', () => {
    const prefixed = parseOtpauthUri('otpauth://hotp/ACME:alice?secret=JBSWY3DPEHPK3PXP&counter=3&digits=7');
    assert.ok(prefixed.ok);
    assert.equal(prefixed.key.issuer, 'ACME');
    assert.equal(prefixed.key.type === 'hotp' && prefixed.key.counter, 3);
    const bare = parseOtpauthUri('otpauth://totp/alice?secret=jbswy3dpehpk3pxp&algorithm=sha512&period=60');
    assert.ok(bare.ok);
    assert.equal(bare.key.issuer, '');
    assert.equal(bare.key.algorithm, 'SHA512');
  });

  const refusals: readonly [string, unknown, string][] = [
    ['a non-string', 42, 'URI_FORMAT'],
    ['an over-long URI', `otpauth://totp/a?secret=${'A'.repeat(5000)}`, 'URI_FORMAT'],
    ['another scheme', 'https://example.com/totp/a?secret=JBSWY3DPEHPK3PXP', 'URI_FORMAT'],
    ['no parameters', 'otpauth://totp/ACME:alice', 'URI_FORMAT'],
    ['a malformed percent escape', 'otpauth://totp/AC%ZZ:alice?secret=JBSWY3DPEHPK3PXP', 'URI_FORMAT'],
    ['an unknown type', 'otpauth://motp/ACME:alice?secret=JBSWY3DPEHPK3PXP', 'URI_TYPE'],
    ['an empty account', 'otpauth://totp/ACME:?secret=JBSWY3DPEHPK3PXP', 'URI_LABEL'],
    ['an account with a colon', 'otpauth://totp/ACME:a:b?secret=JBSWY3DPEHPK3PXP', 'URI_LABEL'],
    ['no secret', 'otpauth://totp/ACME:alice?digits=6', 'URI_SECRET'],
    ['a secret under 80 bits', 'otpauth://totp/ACME:alice?secret=JBSWY3DP', 'URI_SECRET'],
    [
      'a secret of impossible length',
      'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXPJBSWY3',
      'URI_SECRET',
    ],
    ['a secret with a bad escape', 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP%Z', 'URI_FORMAT'],
    [
      'a duplicate secret whose last value is too short',
      'otpauth://totp/A:b?secret=JBSWY3DPEHPK3PXP&SECRET=MZXW6',
      'URI_SECRET',
    ],
    ['SHA224', 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&algorithm=SHA224', 'URI_ALGORITHM'],
    ['MD5', 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&algorithm=MD5', 'URI_ALGORITHM'],
    ['7-digit TOTP', 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&digits=7', 'URI_DIGITS'],
    ['9-digit HOTP', 'otpauth://hotp/ACME:alice?secret=JBSWY3DPEHPK3PXP&counter=1&digits=9', 'URI_DIGITS'],
    ['non-numeric digits', 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&digits=six', 'URI_DIGITS'],
    ['period 0', 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&period=0', 'URI_PERIOD'],
    ['period 10', 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&period=10', 'URI_PERIOD'],
    ['period 600', 'otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP&period=600', 'URI_PERIOD'],
    ['HOTP without counter', 'otpauth://hotp/ACME:alice?secret=JBSWY3DPEHPK3PXP', 'URI_COUNTER'],
    ['a negative counter', 'otpauth://hotp/ACME:alice?secret=JBSWY3DPEHPK3PXP&counter=-1', 'URI_COUNTER'],
    [
      'a counter beyond 2^53',
      'otpauth://hotp/A:b?secret=JBSWY3DPEHPK3PXP&counter=99999999999999999999',
      'URI_COUNTER',
    ],
  ];
  for (const [what, uri, reason] of refusals) {
    it(`refuses ${what} as ${reason}`, () => {
      assert.deepEqual(parseOtpauthUri(uri), { ok: false, reason });
    });
  }

  it('never throws on arbitrary strings or on mutations of a valid URI', () => {
    const valid = buildOtpauthUri(totpKey);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc
            .tuple(fc.nat(valid.length), fc.nat(valid.length), fc.string({ maxLength: 6 }))
            .map(
              ([at, cut, insert]) =>
                valid.slice(0, at) + insert + valid.slice(Math.min(valid.length, at + cut)),
            ),
        ),
        (uri) => {
          assert.equal(typeof parseOtpauthUri(uri).ok, 'boolean');
        },
      ),
      { numRuns: 3000 },
    );
  });
});
