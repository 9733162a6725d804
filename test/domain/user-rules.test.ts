// The rules a stored user record follows: each refusal has its own reason, and the limits are inclusive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupsProblem, passwordProblem, userNameProblem } from '../../src/domain/user-rules.js';

test('user names: 1-253 octets of UTF-8, no control characters, no replacement character', () => {
  assert.equal(userNameProblem('alice'), undefined);
  assert.equal(userNameProblem('é'.repeat(126)), undefined, '252 octets');
  assert.match(userNameProblem('é'.repeat(127))!, /longer than 253 octets/);
  assert.match(userNameProblem('')!, /empty/);
  assert.match(userNameProblem('ren\ufffd')!, /not valid UTF-8/);
  assert.match(userNameProblem('a\u007fb')!, /control/);
});

test('passwords: 1-128 octets, no NUL, no replacement character', () => {
  assert.equal(passwordProblem('p'.repeat(128)), undefined);
  assert.match(passwordProblem('p'.repeat(129))!, /longer than 128 octets/);
  assert.match(passwordProblem('ü'.repeat(65))!, /longer than 128 octets/, '130 octets in 65 characters');
  assert.match(passwordProblem('')!, /empty/);
  assert.match(passwordProblem('a\u0000')!, /NUL/);
  assert.match(passwordProblem('\ufffd')!, /not valid UTF-8/);
});

test('groups: at most 100, each at most 253 octets without control characters', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => `g${i}`);
  assert.equal(groupsProblem(many(100)), undefined);
  assert.match(groupsProblem(many(101))!, /101 groups/);
  assert.match(groupsProblem(['x'.repeat(254)])!, /longer than 253/);
  assert.match(groupsProblem(['a\nb'])!, /control/);
});
