// Waiters told to read a shared row again (an `…/events` stream, a portal push wait on another node): by the id a
// notice names, everyone after missed notices, nobody once they stopped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EndListeners } from '../../src/store/end-listeners.js';

test('a notice tells the hearers of its push only; missed notices tell all; a stopped hearer hears nothing', () => {
  const hearers = new EndListeners();
  const heard: string[] = [];
  const stopA1 = hearers.add('a', () => heard.push('a1'));
  hearers.add('a', () => heard.push('a2'));
  const stopB = hearers.add('b', () => heard.push('b'));
  hearers.wake('a');
  assert.deepEqual(heard, ['a1', 'a2']);
  hearers.wake('c');
  hearers.wakeAll();
  assert.deepEqual(heard, ['a1', 'a2', 'a1', 'a2', 'b']);
  stopA1();
  stopB();
  heard.length = 0;
  hearers.wakeAll();
  assert.deepEqual(heard, ['a2']);
  assert.equal(hearers.size, 1, 'a push nobody waits for is forgotten');
});

test('a hearer that stops while being told does not keep the others from hearing', () => {
  const hearers = new EndListeners();
  const heard: string[] = [];
  const stop = hearers.add('a', () => {
    heard.push('first');
    stop();
  });
  hearers.add('a', () => heard.push('second'));
  hearers.wake('a');
  hearers.wake('a');
  assert.deepEqual(heard, ['first', 'second', 'second']);
});
