import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { finishHmacMd5, hmacMd5Key, md5, startHmacMd5, startMd5 } from '../../src/radius/md5.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const utf8 = (s: string) => new TextEncoder().encode(s);

test('MD5 matches the RFC 1321 §A.5 test suite', () => {
  const suite: [string, string][] = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ];
  for (const [input, digest] of suite) assert.equal(hex(md5(utf8(input))), digest, input);
});

test('HMAC-MD5 matches the RFC 2104 appendix / RFC 2202 §2 vectors', () => {
  const key1 = new Uint8Array(16).fill(0x0b);
  const start = (k: Uint8Array, data: Uint8Array) => {
    const key = hmacMd5Key(k);
    startHmacMd5(key).update(data);
    const out = new Uint8Array(16);
    finishHmacMd5(key, out);
    return hex(out);
  };
  assert.equal(start(key1, utf8('Hi There')), '9294727a3638bb1c13f48ef8158bfc9d');
  assert.equal(start(utf8('Jefe'), utf8('what do ya want for nothing?')), '750c783e6ab0b503eaa86e310a5db738');
  assert.equal(
    start(new Uint8Array(80).fill(0xaa), utf8('Test Using Larger Than Block-Size Key - Hash Key First')),
    '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd',
  );
});

test('MD5 and HMAC-MD5 agree with node:crypto for any parts, lengths and keys', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }),
      fc.uint8Array({ maxLength: 100 }),
      fc.nat(40),
      (parts, secret, fill) => {
        const reference = createHash('md5');
        for (const p of parts) reference.update(p);
        reference.update(new Uint8Array(fill));
        const ours = startMd5();
        for (const p of parts) ours.update(p);
        ours.updateFill(0, fill);
        const out = new Uint8Array(20);
        ours.digestInto(out, 2);
        assert.equal(hex(out.subarray(2, 18)), reference.digest('hex'));

        const key = hmacMd5Key(secret);
        const mac = startHmacMd5(key);
        const refMac = createHmac('md5', secret);
        for (const p of parts) {
          mac.update(p, 0, p.length);
          refMac.update(p);
        }
        finishHmacMd5(key, out);
        assert.equal(hex(out.subarray(0, 16)), refMac.digest('hex'));
      },
    ),
    { numRuns: 500 },
  );
});

test('update honours start and end offsets', () => {
  const data = utf8('xxabcxx');
  const out = new Uint8Array(16);
  startMd5().update(data, 2, 5).digestInto(out);
  assert.equal(hex(out), '900150983cd24fb0d6963f7d28e17f72');
});
