// Who hears that a push may have been decided on another node (a portal long poll there): by the push a notice
// names, everyone after missed notices, nobody once they stopped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecisionHearers } from '../../src/auth/decision-hearers.js';

test('a notice tells the hearers of its push only; missed notices tell all; a stopped hearer hears nothing', () => {
  const hearers = new DecisionHearers();
  const heard: string[] = [];
  const stopA1 = hearers.hear('a', () => heard.push('a1'));
  hearers.hear('a', () => heard.push('a2'));
  const stopB = hearers.hear('b', () => heard.push('b'));
  hearers.tell('a');
  assert.deepEqual(heard, ['a1', 'a2']);
  hearers.tell('c');
  hearers.tellAll();
  assert.deepEqual(heard, ['a1', 'a2', 'a1', 'a2', 'b']);
  stopA1();
  stopB();
  heard.length = 0;
  hearers.tellAll();
  assert.deepEqual(heard, ['a2']);
  assert.equal(hearers.size, 1, 'a push nobody waits for is forgotten');
});

test('a hearer that stops while being told does not keep the others from hearing', () => {
  const hearers = new DecisionHearers();
  const heard: string[] = [];
  const stop = hearers.hear('a', () => {
    heard.push('first');
    stop();
  });
  hearers.hear('a', () => heard.push('second'));
  hearers.tell('a');
  hearers.tell('a');
  assert.deepEqual(heard, ['first', 'second', 'second']);
});
