// Tests for OTP parameter bounds, the derived drift ranges and the parameter error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertIntegerInRange,
  assertPeriod,
  defaultDriftSteps,
  maxDriftSteps,
  OtpLimits,
  OtpParameterError,
} from '../../src/otp/otp-parameters.js';

describe('drift ranges (RFC 6238 §6)', () => {
  it('default to 10 minutes of steps: 40 at 15 s, 20 at 30 s, 10 at 60 s, 5 at 120 s', () => {
    assert.deepEqual([15, 30, 60, 120].map(defaultDriftSteps), [40, 20, 10, 5]);
  });

  it('allow at most one day of steps', () => {
    assert.equal(maxDriftSteps(30), 2880);
    assert.equal(maxDriftSteps(120), 720);
  });
});

describe('bounds', () => {
  it('allow periods 15–120 s only (STYLE.md)', () => {
    assert.equal(assertPeriod(15), 15);
    assert.equal(assertPeriod(120), 120);
    assert.throws(() => assertPeriod(14), OtpParameterError);
    assert.throws(() => assertPeriod('30'), OtpParameterError);
  });

  it('name the parameter, the range and the value in the error, with a stable code', () => {
    try {
      assertIntegerInRange('window', 99, 0, OtpLimits.totpWindowMax);
      assert.fail('expected a throw');
    } catch (error) {
      assert.ok(error instanceof OtpParameterError);
      assert.ok(error instanceof RangeError);
      assert.equal(error.code, 'OTP_BAD_PARAMETER');
      assert.equal(error.name, 'OtpParameterError');
      assert.equal(error.message, 'window must be an integer in [0, 10], got 99');
    }
  });
});
