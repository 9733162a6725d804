// Tests for typed-code normalisation and the constant-time code comparison.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { codesEqual, codeValue, digitsText, normaliseCode } from '../../src/otp/code-format.js';

describe('normaliseCode', () => {
  it('strips ASCII spaces and tabs anywhere', () => {
    assert.deepEqual(normaliseCode('123 456', 6), { ok: true, code: '123456' });
    assert.deepEqual(normaliseCode(' 1 2 3 4 5 6 7 8 ', 8), { ok: true, code: '12345678' });
    assert.deepEqual(normaliseCode('\t012345', 6), { ok: true, code: '012345' });
  });

  const refused: readonly [string, unknown, number][] = [
    ['too few digits', '12345', 6],
    ['too many digits', '1234567', 6],
    ['6 digits for an 8-digit token', '123456', 8],
    ['a letter', '12a456', 6],
    ['a hyphen', '123-456', 6],
    ['a line break', '123456\n', 6],
    ['a no-break space', '123\u00a0456', 6],
    ['Arabic-Indic digits', '١٢٣٤٥٦', 6],
    ['full-width digits', '１２３４５６', 6],
    ['an over-long string of spaces', `${' '.repeat(40)}123456`, 6],
    ['undefined', undefined, 6],
    ['a number', 123456, 6],
  ];
  for (const [what, input, digits] of refused) {
    it(`refuses ${what} as CODE_FORMAT`, () => {
      assert.deepEqual(normaliseCode(input, digits), { ok: false, reason: 'CODE_FORMAT' });
    });
  }

  it('accepts exactly the strings that are `digits` ASCII digits once spaces and tabs are removed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[0-9 \t]{0,14}$/)), (input) => {
        const stripped = input.replace(/[ \t]/g, '');
        const expected = input.length <= 32 && /^[0-9]{6}$/.test(stripped);
        const result = normaliseCode(input, 6);
        assert.equal(result.ok, expected);
        if (result.ok) {
          assert.equal(result.code, stripped);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('codeValue', () => {
  it('is the number of what normaliseCode accepts, leading zeros included, and -1 for what it refuses', () => {
    assert.equal(codeValue('012 345', 6), 12345);
    assert.equal(codeValue('00000000', 8), 0);
    assert.equal(codeValue('123456', 8), -1);
    assert.equal(codeValue(123456, 6), -1);
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[0-9 \t]{0,20}$/)),
        fc.constantFrom(6, 7, 8),
        (input, digits) => {
          const normalised = normaliseCode(input, digits);
          assert.equal(codeValue(input, digits), normalised.ok ? Number(normalised.code) : -1);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('digitsText', () => {
  it('is the text of a run of ASCII digits, and undefined when any octet is not one', () => {
    const octets = new TextEncoder().encode('pw123456');
    assert.equal(digitsText(octets, 2, 8), '123456');
    assert.equal(digitsText(octets, 1, 8), undefined);
    assert.equal(digitsText(octets, 8, 8), '');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12, min: 0x2c, max: 0x3c }), (bytes) => {
        const text = new TextDecoder().decode(bytes);
        assert.equal(digitsText(bytes, 0, bytes.length), /^[0-9]*$/.test(text) ? text : undefined);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('codesEqual', () => {
  it('is true only for identical codes', () => {
    assert.equal(codesEqual('123456', '123456'), true);
    assert.equal(codesEqual('123456', '123457'), false);
    assert.equal(codesEqual('923456', '123456'), false);
    assert.equal(codesEqual('123456', '1234567'), false);
    assert.equal(codesEqual('', ''), true);
  });

  it('agrees with === on arbitrary digit strings', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{6,8}$/), fc.stringMatching(/^[0-9]{6,8}$/), (a, b) => {
        assert.equal(codesEqual(a, b), a === b);
        assert.equal(codesEqual(a, a), true);
      }),
    );
  });
});
