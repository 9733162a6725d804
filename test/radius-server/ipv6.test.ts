// The listener serves IPv6 as well as IPv4 (one socket per family), and clients are matched by IPv6 address.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { test } from 'node:test';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { Code } from '../../src/radius/code.js';
import { encodeRequest, randomAuthenticator } from '../../src/radius/encode.js';
import { hideUserPassword } from '../../src/radius/user-password.js';
import { decodeReply } from '../support/raw-radius-client.js';
import { startTestServer } from '../support/test-server.js';

const text = (s: string) => new TextEncoder().encode(s);

test('answers an Access-Request over IPv6 from a client configured as ::1, next to an IPv4 socket', async () => {
  const server = await startTestServer({
    users: [{ name: 'alice', password: 'alice-pw' }],
    clients: [
      { name: 'v4', address: '127.0.0.1', secret: 'v4-secret-012345' },
      { name: 'v6', address: '::1', secret: 'v6-secret-012345' },
    ],
    config: { radius: { bind: ['127.0.0.1', '::1'] } },
  });
  const socket = dgram.createSocket('udp6');
  try {
    const auth6 = server.server.sockets.filter((s) => s.kind === 'auth');
    assert.deepEqual(
      auth6.map((s) => s.address),
      ['127.0.0.1', '::1'],
    );
    assert.equal(auth6[0]!.port, auth6[1]!.port, 'both families on the same port');
    const secret = text('v6-secret-012345');
    const authenticator = randomAuthenticator();
    const request = encodeRequest({
      code: Code.AccessRequest,
      identifier: 9,
      secret,
      authenticator,
      messageAuthenticator: true,
      attributes: [
        { type: AttributeType.UserName, value: text('alice') },
        {
          type: AttributeType.UserPassword,
          value: hideUserPassword(text('alice-pw'), secret, authenticator),
        },
      ],
    });
    const reply = await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply over IPv6')), 3000);
      socket.on('message', (m) => {
        clearTimeout(timer);
        resolve(new Uint8Array(m));
      });
      socket.bind(0, '::1', () => socket.send(request, server.port, '::1'));
    });
    assert.equal(decodeReply(reply).code, Code.AccessAccept);
    assert.ok(server.logs.some((l) => l.event === 'radius.decision' && l.client === 'v6'));
  } finally {
    socket.close();
    await server.stop();
  }
});
