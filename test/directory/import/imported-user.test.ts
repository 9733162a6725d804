// Tests the password-field rules and duplicate tracking shared by the importers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clearPasswordField,
  describeHashFailure,
  passwordFromHashField,
  SeenNames,
} from '../../../src/directory/import/imported-user.js';
import { HashImportFailure } from '../../../src/directory/password/legacy-hash.js';

describe('imported-user', () => {
  it('turns a hash field into a canonical hash, a clear password, or a reason without the value', () => {
    const ssha = '{SSHA}VSeZSDBPDJl+JnGbtrNADHVFIl5vLry0';
    assert.deepEqual(passwordFromHashField(` ${ssha} `), { ok: true, passwordHash: ssha });
    assert.deepEqual(passwordFromHashField('{cleartext}pw'), {
      ok: true,
      passwordHash: null,
      clearPassword: 'pw',
    });
    const refused = passwordFromHashField('{MD5}X03MO1qnZdYdgyfeuILPmQ==');
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && !refused.reason.includes('X03MO1'));
  });

  it('refuses an empty clear-text password', () => {
    assert.deepEqual(clearPasswordField(''), { ok: false, reason: 'empty password' });
    assert.deepEqual(passwordFromHashField('{clear}').ok, false);
  });

  it('describes every hash failure', () => {
    for (const reason of Object.values(HashImportFailure)) assert.ok(describeHashFailure(reason).length > 0);
  });

  it('remembers the first line of each user name', () => {
    const seen = new SeenNames();
    assert.equal(seen.check('a', 3), undefined);
    assert.equal(seen.check('b', 4), undefined);
    assert.equal(seen.check('a', 9), 3);
    assert.equal(seen.check('A', 10), undefined, 'names compare exactly, without case folding');
  });
});
