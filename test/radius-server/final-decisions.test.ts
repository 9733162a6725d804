// The processor tells the sign-in history each final decision it answers a request with (issue 18), once per
// request, with the NAS's name, Calling-Station-Id and the login's txn; never a challenge, drop or held request.
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

const secret = new TextEncoder().encode('final-decisions-secret');
const text = (s: string) => new TextEncoder().encode(s);
const TXN = 'c'.repeat(32);

function request(identifier: number, station?: string): Uint8Array {
  const authenticator = randomAuthenticator();
  return encodeRequest({
    code: Code.AccessRequest,
    identifier,
    secret,
    authenticator,
    messageAuthenticator: true,
    attributes: [
      { type: AttributeType.UserName, value: text('alice') },
      { type: AttributeType.UserPassword, value: hideUserPassword(text('pw'), secret, authenticator) },
      ...(station === undefined ? [] : [{ type: AttributeType.CallingStationId, value: text(station) }]),
    ],
  });
}

function setup(decisions: Decision[]) {
  const told: { decision: Decision; client: string; station: string | undefined; txn: string }[] = [];
  const processor = new RequestProcessor({
    clients: new ClientTable([
      {
        id: 1,
        name: 'vpn-fw1',
        address: '127.0.0.1',
        secret,
        requireMessageAuthenticator: true,
        limitProxyState: true,
        nasTimeout: 60,
        createdAt: '',
      },
    ]),
    authenticate: () => decisions.shift()!,
    dictionary: standardDictionary(),
    logger: pino({ level: 'silent' }),
    options: {
      rejectDelayMs: 0,
      rejectJitterMs: 0,
      duplicateCacheSeconds: 30,
      maxInFlight: 100,
      maxAttributes: 200,
      unknownClientLogIntervalSeconds: 60,
    },
    onFinalDecision: (decision, client, station, txn) =>
      told.push({
        decision,
        client,
        station: station === undefined ? undefined : new TextDecoder().decode(station),
        txn,
      }),
  });
  const sent: number[] = [];
  const endpoint = { kind: 'auth' as const, index: 0, send: (bytes: Uint8Array) => sent.push(bytes[0]!) };
  return { processor, told, sent, endpoint };
}

test('Accept and Reject are told with the client, the Calling-Station-Id and the txn; a challenge and a drop are not', () => {
  const s = setup([
    { kind: 'accept', user: 'alice', attributes: [], transactionId: TXN, via: 'totp' },
    { kind: 'reject', reason: 'BAD_PASSWORD', user: 'alice' },
    { kind: 'challenge', user: 'alice', state: new Uint8Array(16), text: 'code?', transactionId: TXN },
    { kind: 'drop', reason: 'REQUEST_STALE' },
  ]);
  s.processor.handle(request(1, '203.0.113.9'), '127.0.0.1', 40001, s.endpoint);
  s.processor.handle(request(2), '127.0.0.1', 40002, s.endpoint);
  s.processor.handle(request(3), '127.0.0.1', 40003, s.endpoint);
  s.processor.handle(request(4), '127.0.0.1', 40004, s.endpoint);
  assert.deepEqual(s.sent, [Code.AccessAccept, Code.AccessReject, Code.AccessChallenge]);
  assert.equal(s.told.length, 2);
  assert.deepEqual(
    { ...s.told[0], decision: s.told[0]!.decision.kind },
    { decision: 'accept', client: 'vpn-fw1', station: '203.0.113.9', txn: TXN },
  );
  assert.equal(s.told[1]!.decision.kind, 'reject');
  assert.equal(s.told[1]!.station, undefined);
  assert.match(s.told[1]!.txn, /^[0-9a-f]{32}$/, "the request's own txn when the decision names none");
  s.processor.close();
});

test('a request held for a push is not told when the push decision releases it (the push waits tell that once)', () => {
  const s = setup([{ kind: 'pending', user: 'alice', transactionId: TXN }]);
  s.processor.handle(request(1, '203.0.113.9'), '127.0.0.1', 40001, s.endpoint);
  assert.equal(s.processor.heldCount, 1);
  s.processor.resume(TXN, { kind: 'accept', user: 'alice', attributes: [], transactionId: TXN, via: 'push' });
  assert.deepEqual(s.sent, [Code.AccessAccept], 'the held request got its reply');
  assert.deepEqual(s.told, []);
  s.processor.close();
});
