// SECURITY A7.7 / B4 #54: per-user and per-address push limits, mutes, and number matching after misses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MISSES_BEFORE_NUMBER, PushLimits } from '../../src/auth/push-limits.js';

const settings = { maxPerUser: 3, maxPerSource: 4, rateWindowSeconds: 300, muteMinutes: 20 };

test('one address spraying pushes at many users is stopped at maxPerSource; others are not', () => {
  const limits = new PushLimits(settings);
  const t = 1_000_000;
  const from = (source: string, n: number) =>
    Array.from({ length: n }, (_, i) => limits.admit(`user${source}${i}`, t + i, source));
  assert.deepEqual(from('198.51.100.7', 5), [
    undefined,
    undefined,
    undefined,
    undefined,
    'PUSH_RATE_LIMITED',
  ]);
  assert.equal(limits.admit('someone', t, '203.0.113.9'), undefined, 'another address has its own budget');
  assert.equal(
    limits.admit('nobody-knows', t, ''),
    undefined,
    'no address given: only the user limit applies',
  );
  assert.equal(limits.admit('userX', t + 300_001, '198.51.100.7'), undefined, 'the window moves on');
});

test('a refused push is not counted against the other limit', () => {
  const limits = new PushLimits(settings);
  for (let i = 0; i < 3; i++) assert.equal(limits.admit('alice', i, `10.0.0.${i}`), undefined);
  assert.equal(limits.admit('alice', 5, '10.0.0.9'), 'PUSH_RATE_LIMITED');
  for (let i = 0; i < 4; i++) assert.equal(limits.admit(`u${i}`, 6, '10.0.0.9'), undefined, `u${i}`);
});

test('mutes, and number matching after repeated misses until an approval', () => {
  const limits = new PushLimits(settings);
  limits.mute('bob', 0);
  assert.equal(limits.admit('bob', 1000, ''), 'PUSH_MUTED');
  for (let i = 0; i < MISSES_BEFORE_NUMBER; i++) {
    assert.equal(limits.numberRequired('carol'), false);
    limits.noteOutcome('carol', false);
  }
  assert.equal(limits.numberRequired('carol'), true);
  limits.noteOutcome('carol', true);
  assert.equal(limits.numberRequired('carol'), false);
});
