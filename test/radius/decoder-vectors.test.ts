// Conformance: the docs/security.md §B decoder cases, read from a data table so none can be skipped.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeAttributes, isInvalid } from '../../src/radius/decode-attributes.js';
import { DecodeFailure } from '../../src/radius/decode-failure.js';
import { standardDictionary } from '../../src/radius/dictionary.js';
import { decodePacket } from '../../src/radius/packet.js';
import { expandTemplate, readVectorLines, toHex } from './support/hex.js';

const { source, lines } = readVectorLines(
  readFileSync(new URL('vectors/security-decoder-cases.txt', import.meta.url), 'utf8'),
);
const cases = lines.map((line) => {
  const [id = '', template = '', expected = '', attributes = ''] = line.split('|').map((s) => s.trim());
  return { id, template, expected, attributes };
});
const dictionary = standardDictionary();

function expectedSummary(column: string): string[] {
  if (column === '-') return [];
  return column.split(';').flatMap((item) => {
    const m = /^(.*)\*(\d+)$/.exec(item.trim());
    return m ? new Array<string>(Number(m[2])).fill(m[1]!) : [item.trim()];
  });
}

/** Every case number of §B1 and the decoder-level ones of §B2/§B3; each must appear in the table. */
const REQUIRED = [
  ...Array.from({ length: 23 }, (_, i) => String(i + 1)),
  '31',
  '33',
  '38',
  '43',
  '44',
  '45',
  '46',
];

describe(source, () => {
  it('names its docs/security.md sections on the first line', () => {
    assert.match(source, /^docs\/security\.md §B1 #1–20/);
  });

  it('holds all 43 rows and covers every required case number', () => {
    assert.equal(cases.length, 43);
    const numbers = new Set(cases.map((c) => c.id.replace(/[a-z]$/, '')));
    for (const n of REQUIRED) assert.ok(numbers.has(n), `case ${n} is in the table`);
  });

  const reasons = new Set<string>(Object.values(DecodeFailure));
  for (const c of cases) {
    it(`case ${c.id}: ${c.template.slice(0, 60)} → ${c.expected}`, () => {
      const datagram = expandTemplate(c.template);
      const result = decodePacket(datagram);
      if (c.expected !== 'ok') {
        assert.ok(reasons.has(c.expected), `${c.expected} is a DecodeFailure`);
        assert.deepEqual(result, { ok: false, reason: c.expected });
        return;
      }
      assert.ok(result.ok, `case ${c.id} decodes: ${result.ok ? '' : result.reason}`);
      const length = (datagram[2]! << 8) | datagram[3]!;
      assert.equal(result.packet.bytes.length, length, 'octets past Length are not part of the packet');
      const summary = decodeAttributes(result.packet, dictionary).map((a) => {
        if (isInvalid(a))
          return `invalid:${a.type}${a.vendorId === undefined ? '' : `/${a.vendorId}`}:${a.invalid}`;
        return `valid:${a.name}=${a.value instanceof Uint8Array ? `0x${toHex(a.value)}` : String(a.value)}`;
      });
      assert.deepEqual(summary, expectedSummary(c.attributes));
    });
  }
});
