// Tests for base32 secrets: RFC 4648 §10 vectors, lenient typing, typed failures, agreement with oathtool.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBase32, encodeBase32 } from '../../src/otp/base32.js';
import { generateHotp } from '../../src/otp/hotp.js';
import { oathtool } from './support/oathtool.js';

const ascii = (text: string) => new TextEncoder().encode(text);

// RFC 4648 §10 test vectors (padded form); we encode without padding, as the Key Uri Format asks.
const rfc4648: readonly [string, string][] = [
  ['f', 'MY======'],
  ['fo', 'MZXQ===='],
  ['foo', 'MZXW6==='],
  ['foob', 'MZXW6YQ='],
  ['fooba', 'MZXW6YTB'],
  ['foobar', 'MZXW6YTBOI======'],
];

describe('RFC 4648 §10 vectors', () => {
  for (const [plain, encoded] of rfc4648) {
    it(`BASE32("${plain}") = "${encoded}": encoded without padding, decoded with or without it`, () => {
      assert.equal(encodeBase32(ascii(plain)), encoded.replace(/=+$/, ''));
      assert.deepEqual(decodeBase32(encoded), { ok: true, bytes: ascii(plain) });
      assert.deepEqual(decodeBase32(encoded.replace(/=+$/, '')), { ok: true, bytes: ascii(plain) });
    });
  }
});

describe('decodeBase32 leniency', () => {
  it('accepts lower case, spaces, tabs and line breaks anywhere', () => {
    const expected = decodeBase32('JBSWY3DPEHPK3PXP');
    assert.ok(expected.ok);
    for (const typed of ['jbswy3dpehpk3pxp', 'JBSW Y3DP EHPK 3PXP', ' jbsw\ty3dp\nehpk\r\n3pxp ']) {
      assert.deepEqual(decodeBase32(typed), expected);
    }
  });

  it('ignores non-zero bits in the last character, like oathtool (MZXW7 = MZXW6 = "foo")', () => {
    assert.deepEqual(decodeBase32('MZXW7'), { ok: true, bytes: ascii('foo') });
    assert.equal(
      oathtool(['--hotp', '-c', '5', '-b', 'MZXW7']),
      oathtool(['--hotp', '-c', '5', '-b', 'MZXW6']),
    );
  });

  it('returns bytes that own their memory', () => {
    const decoded = decodeBase32('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.ok(decoded.ok);
    assert.equal(decoded.bytes.byteOffset, 0);
    assert.equal(decoded.bytes.buffer.byteLength, 20);
  });
});

describe('decodeBase32 refusals', () => {
  const cases: readonly [string, unknown, string][] = [
    ['an empty string', '', 'BASE32_EMPTY'],
    ['only spaces', '   ', 'BASE32_EMPTY'],
    ['only padding', '========', 'BASE32_EMPTY'],
    ['the digit 1', 'JBSWY3DPEHPK3PX1', 'BASE32_CHARACTER'],
    ['the digit 0', '0BSWY3DP', 'BASE32_CHARACTER'],
    ['a hyphen', 'JBSW-Y3DP', 'BASE32_CHARACTER'],
    ['a non-ASCII letter', 'JBSWY3DPÉ', 'BASE32_CHARACTER'],
    ['1 character (length ≡ 1 mod 8)', 'M', 'BASE32_LENGTH'],
    ['3 characters (length ≡ 3 mod 8)', 'MZX', 'BASE32_LENGTH'],
    ['14 characters (length ≡ 6 mod 8)', 'JBSWY3DPEHPK3P', 'BASE32_LENGTH'],
    ['more than 1,024 characters', 'A'.repeat(1032), 'BASE32_LENGTH'],
    ['a non-string', 42, 'BASE32_LENGTH'],
    ['too little padding', 'MZXW6=', 'BASE32_PADDING'],
    ['too much padding', 'MZXW6====', 'BASE32_PADDING'],
    ['padding after a full group', 'MZXW6YTB========', 'BASE32_PADDING'],
    ['characters after padding', 'MZ======XW', 'BASE32_PADDING'],
  ];
  for (const [what, input, reason] of cases) {
    it(`refuses ${what} as ${reason}`, () => {
      assert.deepEqual(decodeBase32(input), { ok: false, reason });
    });
  }

  it('refuses the same impossible lengths as oathtool', () => {
    assert.throws(() => oathtool(['--hotp', '-b', 'JBSWY3DPEHPK3P']));
    assert.doesNotThrow(() => oathtool(['--hotp', '-b', 'JBSWY3DPEHPK3']));
    assert.equal(decodeBase32('JBSWY3DPEHPK3').ok, true);
  });
});

describe('round trips', () => {
  it('decode(encode(bytes)) gives the bytes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (bytes) => {
        assert.deepEqual(decodeBase32(encodeBase32(bytes)), { ok: true, bytes });
      }),
      { numRuns: 500 },
    );
  });

  it('encodes only the bytes of a view into a larger buffer', () => {
    const backing = new Uint8Array([0xff, 0x66, 0x6f, 0x6f, 0xff]);
    assert.equal(encodeBase32(backing.subarray(1, 4)), 'MZXW6');
  });

  it('oathtool accepts the secrets we encode and computes the same codes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 64 }), fc.nat(1_000_000), (bytes, counter) => {
        const encoded = encodeBase32(bytes);
        assert.doesNotMatch(encoded, /=/);
        assert.equal(
          oathtool(['--hotp', '-c', String(counter), '-b', encoded]),
          generateHotp(bytes, counter, 6, 'SHA1'),
        );
      }),
      { numRuns: 10 },
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z2-7= ]{0,40}$/), fc.anything()),
        (input) => {
          const result = decodeBase32(input);
          assert.equal(typeof result.ok, 'boolean');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
