// The authenticator's RFC 8291 receiver against independent senders: RFC 8291 Appendix A's worked example,
// Debian's python3-cryptography (peers/webpush-encrypt.py) and web-push's own encrypt; and everything that is not
// exactly one such message to this receiver is refused, never thrown.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import webpush from 'web-push';
import { decryptPushMessage, type PushReceiver } from '../../src/authenticator/web-push-decrypt.js';
import { base64url, rawPublicKey } from '../../src/domain/push-protocol.js';
import { runPeer } from '../support/run-peer.js';

const encryptor = fileURLToPath(new URL('../interop/peers/webpush-encrypt.py', import.meta.url));
const bytes = (text: string) => base64url.decode(text)!;
const utf8 = (octets: Uint8Array | undefined) =>
  octets === undefined ? undefined : Buffer.from(octets).toString('utf8');

/** RFC 8291 Appendix A: the receiver's key, its auth secret, the sender's fixed key and salt, and the result. */
const RFC8291 = {
  plaintext: 'When I grow up, I want to be a watermelon',
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  auth: 'BTBZMqHH6r4Tts7J_aSIgg',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  body:
    'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6' +
    'PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};

function rfcReceiver(): PushReceiver {
  const point = bytes(RFC8291.uaPublic);
  const privateKey = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: RFC8291.uaPrivate,
      x: base64url.encode(point.subarray(1, 33)),
      y: base64url.encode(point.subarray(33)),
    },
    format: 'jwk',
  });
  return { privateKey, auth: bytes(RFC8291.auth) };
}

function freshReceiver() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const receiver: PushReceiver = { privateKey, auth: new Uint8Array(randomBytes(16)) };
  return {
    receiver,
    p256dh: base64url.encode(rawPublicKey(privateKey)),
    auth: base64url.encode(receiver.auth),
  };
}

/** The Python sender; `extra` fixes the salt and key, or bends the framing. */
async function pythonEncrypt(
  plaintext: string,
  to: { p256dh: string; auth: string },
  extra: Record<string, unknown> = {},
): Promise<Uint8Array> {
  const input = JSON.stringify({
    plaintext: Buffer.from(plaintext).toString('base64'),
    ua_public: to.p256dh,
    auth: to.auth,
    ...extra,
  });
  const r = await runPeer('/usr/bin/python3', [encryptor], input);
  assert.equal(r.code, 0, `encryptor: ${r.stderr}`);
  return new Uint8Array(Buffer.from((JSON.parse(r.stdout) as { body: string }).body, 'base64'));
}

test('RFC 8291 Appendix A: the worked example decrypts to its plaintext', () => {
  const receiver = rfcReceiver();
  assert.equal(
    base64url.encode(rawPublicKey(receiver.privateKey)),
    RFC8291.uaPublic,
    'the vector is self-consistent',
  );
  assert.equal(utf8(decryptPushMessage(bytes(RFC8291.body), receiver)), RFC8291.plaintext);
});

test('the Python sender reproduces the RFC 8291 example, so it is a sound independent sender', async () => {
  const body = await pythonEncrypt(
    RFC8291.plaintext,
    { p256dh: RFC8291.uaPublic, auth: RFC8291.auth },
    { salt: RFC8291.salt, as_private: RFC8291.asPrivate },
  );
  assert.equal(base64url.encode(body), RFC8291.body);
});

test('messages from the Python sender and from web-push decrypt, with and without padding', async () => {
  const { receiver, p256dh, auth } = freshReceiver();
  const envelope = JSON.stringify({ request: 'eyJ2IjoxfQ', signature: 'c2lnbmF0dXJl' });
  assert.equal(utf8(decryptPushMessage(await pythonEncrypt(envelope, { p256dh, auth }), receiver)), envelope);
  const padded = await pythonEncrypt(envelope, { p256dh, auth }, { pad: 100 });
  assert.equal(utf8(decryptPushMessage(padded, receiver)), envelope);
  const fromWebPush = webpush.encrypt(p256dh, auth, envelope, 'aes128gcm');
  assert.equal(utf8(decryptPushMessage(new Uint8Array(fromWebPush.cipherText), receiver)), envelope);
});

test('refused: another receiver, an altered octet, a truncated body, garbage', async () => {
  const { receiver, p256dh, auth } = freshReceiver();
  const body = await pythonEncrypt('{"x":1}', { p256dh, auth });
  assert.equal(decryptPushMessage(body, freshReceiver().receiver), undefined, 'encrypted to someone else');
  assert.equal(
    decryptPushMessage(body, { ...receiver, auth: new Uint8Array(16) }),
    undefined,
    'wrong auth secret',
  );
  // Salt, sender key and ciphertext are bound by the key derivation or the tag (rs is not: it only frames records).
  for (const at of [0, 15, 21, 40, 85, body.length - 20, body.length - 1]) {
    const altered = new Uint8Array(body);
    altered[at]! ^= 0x01;
    assert.equal(decryptPushMessage(altered, receiver), undefined, `octet ${at} altered`);
  }
  assert.equal(decryptPushMessage(body.subarray(0, body.length - 1), receiver), undefined, 'truncated');
  assert.equal(decryptPushMessage(body.subarray(0, 90), receiver), undefined, 'header only');
  assert.equal(decryptPushMessage(new Uint8Array(randomBytes(300)), receiver), undefined, 'random octets');
  assert.equal(
    decryptPushMessage(new TextEncoder().encode('hello ntfy'), receiver),
    undefined,
    'a text message',
  );
});

test('refused: a record that is not the last (delimiter 0x01), or more than one record (RFC 8188 §2, RFC 8291 §4)', async () => {
  const { receiver, p256dh, auth } = freshReceiver();
  const notLast = await pythonEncrypt('{"x":1}', { p256dh, auth }, { delimiter: 1 });
  assert.equal(decryptPushMessage(notLast, receiver), undefined);
  const small = await pythonEncrypt('{"x":1}'.repeat(10), { p256dh, auth }, { rs: 40 });
  assert.equal(
    decryptPushMessage(small, receiver),
    undefined,
    'longer than its record size: several records',
  );
  const tiny = await pythonEncrypt('{}', { p256dh, auth }, { rs: 17 });
  assert.equal(decryptPushMessage(tiny, receiver), undefined, 'rs below 18');
});
