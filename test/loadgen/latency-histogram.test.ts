// Tests the latency histogram's percentiles and its precision bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyHistogram } from '../../src/loadgen/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('is exact below 2048 µs', () => {
    const h = new LatencyHistogram();
    for (let us = 1; us <= 1000; us++) h.record(us);
    assert.deepEqual(h.summary(), {
      count: 1000,
      meanUs: 501,
      p50Us: 500,
      p90Us: 900,
      p99Us: 990,
      p999Us: 999,
      maxUs: 1000,
    });
  });

  it('stays within 0.1 % above 2048 µs, never above the true value', () => {
    const h = new LatencyHistogram();
    for (let us = 1; us <= 1_000_000; us += 7) h.record(us);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = 1 + 7 * (Math.ceil(q * h.count) - 1);
      const got = h.percentile(q);
      assert.ok(got <= exact && got >= exact * 0.999, `q=${q}: ${got} vs ${exact}`);
    }
  });

  it('keeps the exact maximum and clamps negative values to zero', () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(123_456_789);
    assert.equal(h.percentile(0), 0);
    assert.equal(h.summary().maxUs, 123_456_789);
    assert.equal(h.percentile(1), 123_456_789);
  });

  it('reports zeros when nothing was recorded', () => {
    assert.deepEqual(new LatencyHistogram().summary(), {
      count: 0,
      meanUs: 0,
      p50Us: 0,
      p90Us: 0,
      p99Us: 0,
      p999Us: 0,
      maxUs: 0,
    });
  });
});
