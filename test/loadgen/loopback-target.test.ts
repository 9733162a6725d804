// Tests the loopback-only rule for load-generator targets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLoopbackTarget } from '../../src/loadgen/loopback-target.js';

describe('checkLoopbackTarget', () => {
  it('accepts any address in 127.0.0.0/8 and ::1 in any spelling', () => {
    assert.deepEqual(checkLoopbackTarget('127.0.0.1'), { ok: true, address: '127.0.0.1', family: 'udp4' });
    assert.deepEqual(checkLoopbackTarget('127.45.6.7'), { ok: true, address: '127.45.6.7', family: 'udp4' });
    for (const v6 of ['::1', '[::1]', '0:0:0:0:0:0:0:1', '::0001']) {
      assert.deepEqual(checkLoopbackTarget(v6), { ok: true, address: '::1', family: 'udp6' });
    }
  });

  it('takes localhost as 127.0.0.1 without resolving it', () => {
    assert.deepEqual(checkLoopbackTarget('localhost'), { ok: true, address: '127.0.0.1', family: 'udp4' });
  });

  it('refuses every other address, including IPv4-mapped and zoned IPv6', () => {
    for (const host of [
      '10.0.0.1',
      '128.0.0.1',
      '0.0.0.0',
      '::',
      '::2',
      '::ffff:127.0.0.1',
      'fe80::1%lo',
      '::1%lo',
    ]) {
      assert.deepEqual(checkLoopbackTarget(host), { ok: false, reason: 'not-loopback' }, host);
    }
  });

  it('refuses names and malformed literals instead of resolving them', () => {
    for (const host of ['example.com', '127.0.0.256', '0127.0.0.1', '', 'localhost.evil.example']) {
      assert.deepEqual(checkLoopbackTarget(host), { ok: false, reason: 'not-an-ip-address' }, host);
    }
  });
});
