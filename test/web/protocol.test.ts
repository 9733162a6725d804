// The browser's copy of the wire rules (src/web/authenticator/protocol.ts) against the server's
// (src/domain/push-protocol.ts): each signs what the other verifies, byte for byte (docs/push.md §2, §4–§6).
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import {
  base64url,
  deviceSigned,
  rawPublicKey,
  sealRequest,
  answerSigningInput as serverAnswerInput,
  pollSigningInput as serverPollInput,
} from '../../src/domain/push-protocol.js';
import { fromBase64url, toBase64url } from '../../src/web/authenticator/b64.js';
import {
  answerSigningInput,
  generateDeviceKey,
  importServerKey,
  openEnvelope,
  pollQuery,
  sign,
} from '../../src/web/authenticator/protocol.js';

const request = {
  v: 1 as const,
  session_id: 'AAAAAAAAAAAAAAAAAAAAAA',
  user: 'alice',
  client: 'fw1',
  user_ip: '198.51.100.7',
  time: '2026-12-03T22:00:00.000Z',
  expires: '2026-12-03T22:01:00.000Z',
  number_matching: true,
  reply_to: 'https://assent.example.com:4433',
};

test('base64url: canonical only, the same spelling as the server', () => {
  for (const length of [0, 1, 2, 3, 16, 33, 65]) {
    const bytes = new Uint8Array(length).map((_, i) => (i * 37 + 11) & 0xff);
    assert.equal(toBase64url(bytes), base64url.encode(bytes));
    assert.deepEqual(fromBase64url(base64url.encode(bytes)), bytes);
  }
  assert.equal(fromBase64url('AB'), undefined, 'a non-canonical final character is refused');
  assert.equal(fromBase64url('A+/='), undefined);
});

test('an envelope sealed by the server opens in the app; a changed byte does not', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const envelope = sealRequest(request, privateKey);
  const key = await importServerKey(base64url.encode(rawPublicKey(publicKey)));
  assert.ok(key);
  assert.deepEqual(await openEnvelope(envelope, key), request);
  const tampered = { ...envelope, request: envelope.request.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) };
  assert.equal(await openEnvelope(tampered, key), undefined);
  assert.equal(await importServerKey('AAAA'), undefined);
});

test("the app's signed answer and poll verify under the server's rules (ES256, P1363)", async () => {
  const device = await generateDeviceKey();
  const raw = fromBase64url(device.publicKey)!;
  const answer = {
    session_id: request.session_id,
    device_id: 'ASNP01234567',
    decision: 'approve' as const,
    reason: '' as const,
    number: '42',
    time: '2026-12-03T22:00:07.512Z',
  };
  assert.deepEqual(answerSigningInput(answer), serverAnswerInput(answer));
  const signature = await sign(device.privateKey, answerSigningInput(answer)!);
  assert.ok(deviceSigned(raw, serverAnswerInput(answer), signature));
  assert.ok(!deviceSigned(raw, serverAnswerInput({ ...answer, decision: 'deny' }), signature));
  const query = new URLSearchParams(await pollQuery('ASNP01234567', device.privateKey, new Date()));
  const input = serverPollInput(query.get('device_id')!, query.get('time')!, query.get('nonce')!);
  assert.ok(deviceSigned(raw, input, query.get('signature')!));
  assert.equal(
    answerSigningInput({ ...answer, number: '4\n2' }),
    undefined,
    'no field may hold a line break',
  );
});
