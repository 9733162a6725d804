// SECURITY A3.5 / A3.6: at maxInFlight new logins are dropped and counted, while answers to a challenge (State)
// still get a little room, so logins already halfway through can finish (RFC 5080 §2.2.3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { Decision } from '../../src/domain/decision.js';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { Code } from '../../src/radius/code.js';
import { standardDictionary } from '../../src/radius/dictionary.js';
import { encodeRequest, randomAuthenticator } from '../../src/radius/encode.js';
import { hideUserPassword } from '../../src/radius/user-password.js';
import { ClientTable } from '../../src/radius-server/client-table.js';
import { RequestProcessor } from '../../src/radius-server/request-processor.js';

const secret = new TextEncoder().encode('overload-secret-123');

function request(identifier: number, withState: boolean): Uint8Array {
  const authenticator = randomAuthenticator();
  return encodeRequest({
    code: Code.AccessRequest,
    identifier,
    secret,
    authenticator,
    messageAuthenticator: true,
    attributes: [
      { type: AttributeType.UserName, value: new TextEncoder().encode('alice') },
      {
        type: AttributeType.UserPassword,
        value: hideUserPassword(new TextEncoder().encode('pw'), secret, authenticator),
      },
      ...(withState ? [{ type: AttributeType.State, value: new Uint8Array(16) }] : []),
    ],
  });
}

test('at maxInFlight a new login is dropped as OVERLOAD, an answer carrying State is still taken', () => {
  const held: ((d: Decision) => void)[] = [];
  const processor = new RequestProcessor({
    clients: new ClientTable([
      {
        id: 1,
        name: 'nas',
        address: '127.0.0.1',
        secret,
        requireMessageAuthenticator: true,
        limitProxyState: true,
        nasTimeout: 60,
        createdAt: '',
      },
    ]),
    // Every login waits forever (a held push, a slow directory): in-flight only grows.
    authenticate: () => new Promise<Decision>((resolve) => held.push(resolve)),
    dictionary: standardDictionary(),
    logger: pino({ level: 'silent' }),
    options: {
      rejectDelayMs: 0,
      rejectJitterMs: 0,
      duplicateCacheSeconds: 30,
      maxInFlight: 10,
      maxAttributes: 200,
      unknownClientLogIntervalSeconds: 60,
    },
  });
  const endpoint = { kind: 'auth' as const, index: 0, send() {} };
  for (let id = 0; id < 10; id++) processor.handle(request(id, false), '127.0.0.1', 40000 + id, endpoint);
  assert.equal(processor.inFlight, 10);
  processor.handle(request(10, false), '127.0.0.1', 41000, endpoint);
  assert.equal(processor.counters.drops.OVERLOAD, 1, 'a new login is dropped');
  processor.handle(request(11, true), '127.0.0.1', 41001, endpoint);
  assert.equal(processor.inFlight, 11, 'an answer to a challenge is taken');
  processor.handle(request(12, true), '127.0.0.1', 41002, endpoint);
  assert.equal(processor.inFlight, 11, 'the extra room is bounded (a tenth of maxInFlight)');
  assert.equal(processor.counters.drops.OVERLOAD, 2);
  for (const resolve of held) resolve({ kind: 'drop', reason: 'INTERNAL_ERROR' });
  processor.close();
});
