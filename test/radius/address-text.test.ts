// Unit tests for address text forms (RFC 5952 IPv6 text, dotted IPv4, Ethernet, RFC 3162 Interface-Id).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatEther,
  formatIfid,
  formatIpv4,
  formatIpv6,
  parseEther,
  parseIfid,
  parseIpv4,
  parseIpv6,
} from '../../src/radius/address-text.js';
import { fromHex } from './support/hex.js';

describe('IPv4 text', () => {
  it('formats and parses dotted quads', () => {
    assert.equal(formatIpv4(Uint8Array.of(192, 168, 1, 16)), '192.168.1.16');
    assert.equal(formatIpv4(Uint8Array.of(0, 0, 10, 0, 0, 1), 2), '10.0.0.1');
    assert.deepEqual(parseIpv4('255.0.10.1'), Uint8Array.of(255, 0, 10, 1));
  });

  it('refuses anything but four decimal octets', () => {
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.x', '', '1..2.3']) {
      assert.equal(parseIpv4(bad), undefined, bad);
    }
  });
});

describe('IPv6 text', () => {
  const cases: [string, string][] = [
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000000010000000000000000', '2001:db8:0:1::'],
    ['20010db8000100000001000100010001', '2001:db8:1:0:1:1:1:1'],
    ['20010000000000010000000000010001', '2001::1:0:0:1:1'],
  ];

  it('formats RFC 5952 text: lower case, the first longest zero run (two groups or more) as ::', () => {
    for (const [hex, text] of cases) assert.equal(formatIpv6(fromHex(hex)), text);
  });

  it('parses what it formats, plus full forms and a trailing dotted quad', () => {
    for (const [hex, text] of cases) assert.deepEqual(parseIpv6(text), fromHex(hex), text);
    assert.deepEqual(parseIpv6('2001:DB8:0:0:0:0:0:1'), fromHex(cases[0]![0]));
    assert.deepEqual(parseIpv6('::ffff:192.0.2.1'), fromHex('00000000000000000000ffffc0000201'));
    assert.deepEqual(parseIpv6('1::2:3.4.5.6'), fromHex('00010000000000000000000203040506'));
  });

  it('refuses malformed text', () => {
    for (const bad of [
      '1::2::3',
      ':1',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '12345::',
      'g::',
      '::1.2.3',
      '1.2.3.4::',
      '1:2:3:4:5:6:7::8',
    ]) {
      assert.equal(parseIpv6(bad), undefined, bad);
    }
  });
});

describe('Ethernet and Interface-Id text', () => {
  it('formats and parses MAC addresses with : or -', () => {
    assert.equal(formatEther(fromHex('0a1b2c3d4e5f')), '0a:1b:2c:3d:4e:5f');
    assert.deepEqual(parseEther('0A-1B-2C-3D-4E-5F'), fromHex('0a1b2c3d4e5f'));
    assert.equal(parseEther('0a:1b:2c:3d:4e'), undefined);
  });

  it('formats and parses Interface-Ids as four 16-bit groups', () => {
    assert.equal(formatIfid(fromHex('0011223344556677')), '0011:2233:4455:6677');
    assert.deepEqual(parseIfid('11:2233:4455:6677'), fromHex('0011223344556677'));
    assert.equal(parseIfid('0011:2233:4455'), undefined);
  });
});
