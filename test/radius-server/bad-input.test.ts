// docs/security.md B1–B3 against the real server over UDP: each bad input is dropped or rejected as listed, the
// drop is counted, and the server keeps answering.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { verifyResponseAuthenticator } from '../../src/radius/authenticator.js';
import { Code } from '../../src/radius/code.js';
import { encodeRequest, randomAuthenticator, vendorSpecific } from '../../src/radius/encode.js';
import { verifyReplyMessageAuthenticator } from '../../src/radius/message-authenticator.js';
import { decodeReply, RawRadiusClient } from '../support/raw-radius-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const SECRET = 'bad-input-secret-1';
const LEGACY_SECRET = 'legacy-input-secret-2';
let server: TestServer;
let nas: RawRadiusClient;
let legacy: RawRadiusClient;
const replies: { reply: Uint8Array; request: Uint8Array; secret: Uint8Array }[] = [];

before(async () => {
  server = await startTestServer({
    users: [{ name: 'alice', password: 'alice-pw' }],
    clients: [
      { name: 'nas', address: '127.0.0.1', secret: SECRET },
      { name: 'legacy', address: '127.0.0.2', secret: LEGACY_SECRET, requireMessageAuthenticator: false },
    ],
  });
  nas = await RawRadiusClient.open(server.port, SECRET, '127.0.0.1');
  legacy = await RawRadiusClient.open(server.port, LEGACY_SECRET, '127.0.0.2');
});
after(async () => {
  nas.close();
  legacy.close();
  await server.stop();
});

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const AUTH = '00112233445566778899aabbccddeeff';
const drops = () => server.server.processor.counters.drops;
const malformed = (reason: string) => server.server.processor.counters.malformed.get(reason) ?? 0;

async function expectDrop(client: RawRadiusClient, datagram: Uint8Array, why: string): Promise<void> {
  const before = server.server.processor.counters.dropped;
  const reply = await client.exchange(datagram);
  assert.equal(reply, undefined, `${why}: expected no reply`);
  assert.equal(server.server.processor.counters.dropped, before + 1, `${why}: expected one counted drop`);
}

async function expectCode(client: RawRadiusClient, datagram: Uint8Array, code: number, why: string) {
  const reply = await client.exchange(datagram, 2000);
  assert.ok(reply, `${why}: expected a reply`);
  replies.push({ reply, request: datagram, secret: client.secret });
  const packet = decodeReply(reply);
  assert.equal(packet.code, code, `${why}: reply code`);
  return packet;
}

/** Puts a Message-Authenticator at the end of an encoded request and fixes Length (B2 #27, #23). */
function withTrailingMa(packet: Uint8Array, secret: Uint8Array, count = 1): Uint8Array {
  let out = packet;
  for (let i = 0; i < count; i++) {
    const grown = new Uint8Array(out.length + 18);
    grown.set(out);
    grown[out.length] = AttributeType.MessageAuthenticator;
    grown[out.length + 1] = 18;
    grown[2] = grown.length >> 8;
    grown[3] = grown.length & 255;
    const mac = createHmac('md5', secret).update(grown).digest();
    grown.set(mac, out.length + 2);
    out = grown;
  }
  return out;
}

test('B1 #1–#20: framing errors are dropped and counted by reason; the tail after Length is ignored', async () => {
  const cases: [string, Uint8Array, string | undefined][] = [
    ['#1 empty datagram', new Uint8Array(0), 'TOO_SHORT'],
    ['#2 10 octets', hex('0100000a 000000000000'), 'TOO_SHORT'],
    ['#3 19 octets', hex(`01000013 ${AUTH.slice(0, 30)}`), 'TOO_SHORT'],
    ['#4 Length 19', hex(`01000013 ${AUTH}`), 'LENGTH_FIELD_TOO_SMALL'],
    ['#5 Length 100 > received', hex(`01000064 ${AUTH}`), 'LENGTH_FIELD_EXCEEDS_DATAGRAM'],
    ['#7 Length 65535', hex(`0100ffff ${AUTH}`), undefined],
    ['#12 stray octet', hex(`01000015 ${AUTH} ff`), 'ATTRIBUTE_OVERRUN'],
    ['#13 type 0', hex(`01000016 ${AUTH} 0002`), 'ATTRIBUTE_TYPE_ZERO'],
    ['#14 length 0', hex(`01000016 ${AUTH} 0100`), 'ATTRIBUTE_LENGTH_INVALID'],
    ['#15 length 1', hex(`01000016 ${AUTH} 0101`), 'ATTRIBUTE_LENGTH_INVALID'],
    ['#16 claims 10 has 2', hex(`01000016 ${AUTH} 010a`), 'ATTRIBUTE_OVERRUN'],
    ['#17 then length 0', hex(`0100001a ${AUTH} 01046869 0200`), 'ATTRIBUTE_LENGTH_INVALID'],
    ['#18 then overrun', hex(`0100001a ${AUTH} 01046869 040a`), 'ATTRIBUTE_OVERRUN'],
  ];
  const big = new Uint8Array(5000);
  big.set(hex(`01001388 ${AUTH}`));
  cases.push(['#7 datagram > 4096', big, undefined]);
  const many = new Uint8Array(20 + 201 * 3);
  many.set(hex(`01000000 ${AUTH}`));
  many[2] = many.length >> 8;
  many[3] = many.length & 255;
  for (let i = 0; i < 201; i++) many.set([30, 3, 65], 20 + i * 3);
  cases.push(['#19 201 attributes', many, 'TOO_MANY_ATTRIBUTES']);
  const tiny = new Uint8Array(4096);
  tiny.set(hex(`01001000 ${AUTH}`));
  for (let i = 20; i < 4096; i += 2) tiny.set([30, 2], i);
  cases.push(['#20 2038 empty attributes', tiny, 'TOO_MANY_ATTRIBUTES']);
  for (const [why, datagram, reason] of cases) {
    const before = reason === undefined ? 0 : malformed(reason);
    await expectDrop(nas, datagram, why);
    if (reason !== undefined) assert.equal(malformed(reason), before + 1, `${why}: counted as ${reason}`);
  }
  // #6: Length 20 with 40 octets received: only the first 20 count (an Access-Request without User-Name).
  const padded = new Uint8Array(40);
  padded.set(hex(`01070014 ${AUTH}`));
  padded.fill(0xff, 20);
  const packet = await expectCode(legacy, padded, Code.AccessReject, '#6 octets past Length are padding');
  assert.equal(packet.identifier, 7);
});

test('B1 #8–#11: codes this port does not serve are dropped', async () => {
  for (const code of ['00', '35', 'ff', '02', '03', '0b', '04']) {
    const before = drops().UNEXPECTED_CODE;
    await expectDrop(nas, hex(`${code}010014 ${AUTH}`), `code 0x${code}`);
    assert.equal(drops().UNEXPECTED_CODE, before + 1);
  }
});

test('B2 #21–#23: Message-Authenticator of a wrong length, or two of them, are dropped', async () => {
  await expectDrop(nas, hex(`01010019 ${AUTH} 5005000000`), '#21 MA length 5');
  await expectDrop(nas, hex(`01010025 ${AUTH} 5011${'00'.repeat(15)}`), '#22 MA length 17');
  await expectDrop(nas, hex(`01010027 ${AUTH} 5013${'00'.repeat(17)}`), '#22 MA length 19');
  const base = nas.accessRequest({ user: 'alice', password: 'alice-pw', messageAuthenticator: false });
  await expectDrop(nas, withTrailingMa(base, nas.secret, 2), '#23 two MAs');
});

test('B2 #24–#26: missing, flipped or wrong-secret Message-Authenticator is dropped before the duplicate cache', async () => {
  const before = { ...drops() };
  await expectDrop(
    nas,
    nas.accessRequest({ user: 'alice', password: 'alice-pw', messageAuthenticator: false }),
    '#24',
  );
  assert.equal(drops().MESSAGE_AUTHENTICATOR_MISSING, before.MESSAGE_AUTHENTICATOR_MISSING + 1);
  const good = nas.accessRequest({ user: 'alice', password: 'alice-pw' });
  const flipped = Uint8Array.from(good);
  flipped[22] = flipped[22]! ^ 1;
  await expectDrop(nas, flipped, '#25 one bit flipped');
  // The flipped copy must not have poisoned the cache: the genuine packet (same id and authenticator) is accepted.
  await expectCode(nas, good, Code.AccessAccept, '#25 genuine packet after the flipped one');
  const other = nas.accessRequest({
    user: 'alice',
    password: 'alice-pw',
    secret: new TextEncoder().encode('other'),
  });
  await expectDrop(nas, other, '#26 another secret');
  assert.ok(drops().MESSAGE_AUTHENTICATOR_INVALID >= before.MESSAGE_AUTHENTICATOR_INVALID + 2);
  assert.ok(
    server.logs.some(
      (l) => l.reason === 'MESSAGE_AUTHENTICATOR_INVALID' && l.detail === 'shared secret mismatch?',
    ),
  );
});

test('B2 #27, #29, #30: MA last is fine; legacy clients without MA are served; Proxy-State is echoed in order', async () => {
  const last = withTrailingMa(
    nas.accessRequest({ user: 'alice', password: 'alice-pw', messageAuthenticator: false }),
    nas.secret,
  );
  await expectCode(nas, last, Code.AccessAccept, '#27 MA as the last attribute');
  await expectCode(
    legacy,
    legacy.accessRequest({ user: 'alice', password: 'alice-pw', messageAuthenticator: false }),
    Code.AccessAccept,
    '#29',
  );
  const proxied = nas.accessRequest({
    user: 'alice',
    password: 'alice-pw',
    extra: [
      { type: AttributeType.ProxyState, value: hex('0102') },
      { type: AttributeType.ProxyState, value: hex('0304') },
    ],
  });
  const reply = await expectCode(nas, proxied, Code.AccessAccept, '#30 real proxy');
  const states = reply.attributes
    .filter((a) => a.type === AttributeType.ProxyState)
    .map((a) => Buffer.from(a.value).toString('hex'));
  assert.deepEqual(states, ['0102', '0304']);
});

test('B2 #28, #31–#34: Proxy-State, Status-Server and EAP without MA are dropped; EAP with a password too', async () => {
  const proxyNoMa = legacy.accessRequest({
    user: 'alice',
    password: 'alice-pw',
    messageAuthenticator: false,
    extra: [{ type: AttributeType.ProxyState, value: hex('01') }],
  });
  await expectDrop(legacy, proxyNoMa, '#28 Proxy-State without MA');
  await expectDrop(nas, hex(`0c010014 ${AUTH}`), '#31 Status-Server without MA');
  await expectDrop(nas, hex(`0c020019 ${AUTH} 0105616c69`), '#32 Status-Server with User-Name, no MA');
  const eap = legacy.accessRequest({
    user: 'alice',
    messageAuthenticator: false,
    extra: [{ type: AttributeType.EapMessage, value: hex('0101') }],
  });
  await expectDrop(legacy, eap, '#33 EAP-Message without MA');
  const eapPw = nas.accessRequest({
    user: 'alice',
    password: 'alice-pw',
    extra: [{ type: AttributeType.EapMessage, value: hex('02010006016100') }],
  });
  await expectDrop(nas, eapPw, '#34 EAP-Message with User-Password');
});

test('B2 #36–#37: unknown address dropped; wrong secret without MA ends in a reject that logs no secret', async () => {
  const stranger = await RawRadiusClient.open(server.port, SECRET, '127.0.0.3');
  try {
    await expectDrop(stranger, stranger.accessRequest({ user: 'alice', password: 'alice-pw' }), '#36');
    assert.ok(server.logs.some((l) => l.reason === 'UNKNOWN_CLIENT' && l.src === '127.0.0.3'));
  } finally {
    stranger.close();
  }
  const wrong = legacy.accessRequest({
    user: 'alice',
    password: 'alice-pw',
    messageAuthenticator: false,
    secret: new TextEncoder().encode('guess'),
  });
  const reply = await legacy.exchange(wrong, 2000);
  assert.ok(reply === undefined || decodeReply(reply).code === Code.AccessReject, '#37 reject or drop');
  assert.doesNotMatch(server.rawLogs(), /alice-pw|guess|legacy-input-secret|bad-input-secret/);
});

test('B3 #38, #43–#46: bad attribute contents are kept raw and never break the packet', async () => {
  const extras = [
    ['#38 NAS-IP-Address of 2 octets', { type: AttributeType.NasIpAddress, value: hex('abcd') }],
    ['#43 VSA shorter than its Vendor-Id', { type: AttributeType.VendorSpecific, value: hex('abcdef') }],
    [
      '#44 VSA with inner lengths that do not add up',
      { type: AttributeType.VendorSpecific, value: hex('0000013711310102') },
    ],
    ['#45 unknown vendor with odd TLVs', vendorSpecific(99999, 7, hex('ff'))],
    ['#46 extended attribute missing its flags', { type: 245, value: hex('01') }],
  ] as const;
  for (const [why, attribute] of extras) {
    await expectCode(
      nas,
      nas.accessRequest({ user: 'alice', password: 'alice-pw', extra: [attribute] }),
      Code.AccessAccept,
      why,
    );
  }
});

test('B3 #39–#42, #47–#48: bad user names, password lengths, CHAP, foreign State and two User-Names are rejected', async () => {
  const auth = randomAuthenticator();
  const raw = (attributes: { type: number; value: Uint8Array }[]) =>
    encodeRequest({
      code: Code.AccessRequest,
      identifier: nas.identifier(),
      secret: nas.secret,
      attributes,
      authenticator: auth,
      messageAuthenticator: true,
    });
  const cases: [string, Uint8Array, string][] = [
    [
      '#39 empty User-Name',
      raw([
        { type: 1, value: new Uint8Array(0) },
        { type: 2, value: new Uint8Array(16) },
      ]),
      'USER_NAME_MISSING',
    ],
    [
      '#40 hostile User-Name',
      raw([
        {
          type: 1,
          value: Uint8Array.from([
            0x61,
            0,
            0xff,
            0x0d,
            0x0a,
            0x25,
            0x24,
            0x2a,
            0x28,
            0x22,
            ...new Uint8Array(200).fill(0x41),
          ]),
        },
        { type: 2, value: new Uint8Array(16) },
      ]),
      'USER_NAME_INVALID',
    ],
    [
      '#41 User-Password 15 octets',
      raw([
        { type: 1, value: hex('616c696365') },
        { type: 2, value: new Uint8Array(15) },
      ]),
      'USER_PASSWORD_MALFORMED',
    ],
    [
      '#41 User-Password 17 octets',
      raw([
        { type: 1, value: hex('616c696365') },
        { type: 2, value: new Uint8Array(17) },
      ]),
      'USER_PASSWORD_MALFORMED',
    ],
    [
      '#41 User-Password 144 octets',
      raw([
        { type: 1, value: hex('616c696365') },
        { type: 2, value: new Uint8Array(144) },
      ]),
      'USER_PASSWORD_MALFORMED',
    ],
    [
      '#42 CHAP-Password of 10 octets',
      raw([
        { type: 1, value: hex('616c696365') },
        { type: 3, value: new Uint8Array(10) },
      ]),
      'USER_PASSWORD_MALFORMED',
    ],
    [
      'CHAP-Password well formed',
      raw([
        { type: 1, value: hex('616c696365') },
        { type: 3, value: new Uint8Array(17) },
      ]),
      'CHAP_UNSUPPORTED',
    ],
    [
      '#47 State never issued',
      nas.accessRequest({
        user: 'alice',
        password: 'alice-pw',
        extra: [{ type: AttributeType.State, value: hex('deadbeef') }],
      }),
      'STATE_UNKNOWN',
    ],
    [
      '#48 two User-Names',
      raw([
        { type: 1, value: hex('616c696365') },
        { type: 1, value: hex('626f62') },
        { type: 2, value: new Uint8Array(16) },
      ]),
      'USER_NAME_DUPLICATED',
    ],
  ];
  for (const [why, datagram, reason] of cases) {
    const packet = await expectCode(nas, datagram, Code.AccessReject, why);
    const logged = server.logs
      .filter((l) => l.event === 'radius.decision' && l.id === packet.identifier)
      .at(-1);
    assert.equal(logged?.reason, reason, why);
  }
  assert.doesNotMatch(server.rawLogs(), /\r|\u0000/, 'no raw control characters reach the log');
});

test('B2 #35: every reply carries Message-Authenticator first, and it and the Response Authenticator verify', async () => {
  const status = encodeRequest({
    code: Code.StatusServer,
    identifier: nas.identifier(),
    secret: nas.secret,
    attributes: [],
    authenticator: randomAuthenticator(),
    messageAuthenticator: true,
  });
  await expectCode(nas, status, Code.AccessAccept, 'Status-Server');
  assert.ok(replies.length >= 15);
  for (const { reply, request, secret } of replies) {
    const packet = decodeReply(reply);
    const requestAuth = request.subarray(4, 20);
    assert.equal(reply[20], AttributeType.MessageAuthenticator, 'attribute 1 is MA');
    assert.equal(reply[21], 18);
    assert.ok(verifyReplyMessageAuthenticator(packet, requestAuth, secret), 'MA verifies');
    assert.ok(verifyResponseAuthenticator(reply, requestAuth, secret), 'Response Authenticator verifies');
  }
});

test('the server still answers a good request after all of the above', async () => {
  await expectCode(
    nas,
    nas.accessRequest({ user: 'alice', password: 'alice-pw' }),
    Code.AccessAccept,
    'healthy',
  );
  assert.equal(server.server.processor.inFlight, 0);
});
