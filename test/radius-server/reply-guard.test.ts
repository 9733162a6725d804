// Issue 12 item 4 through the real server: a long challenge text is split over Reply-Messages on character
// boundaries (RFC 2865 §5.18), and a reply too long to encode becomes a Reject instead of a crash.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { radclient } from '../support/run-peer.js';
import { DEFAULT_SECRET, startTestServer, type TestServer } from '../support/test-server.js';

// 500 characters, many of them two or three UTF-8 octets: over 253 octets, so several attributes.
const LONG_TEXT = 'Entrez le code à usage unique — ゲートウェイ ✓ '.repeat(20).slice(0, 500);
let server: TestServer;

before(async () => {
  server = await startTestServer({
    users: [
      { name: 'tia', password: 'tia-pw' },
      { name: 'big', password: 'big-pw', groups: ['big'] },
      { name: 'ok', password: 'ok-pw' },
    ],
    tokens: [
      {
        serial: 'T-tia',
        userName: 'tia',
        type: 'totp',
        secret: new Uint8Array(randomBytes(20)),
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
      },
    ],
    config: {
      secondFactor: { codeChallengeText: LONG_TEXT },
      // 20 × 250 octets: valid attributes, but together far over the 4096 octets of one packet.
      replyAttributes: {
        big: Array.from({ length: 20 }, (_, i) => ({ name: 'Class', value: `${i}`.padEnd(250, 'c') })),
      },
    },
  });
});
after(async () => {
  await server?.stop();
});

const login = (user: string, password: string) =>
  radclient(
    server.port,
    DEFAULT_SECRET,
    `User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n`,
  );

test('a 500-character challenge text arrives as several Reply-Messages that join to the text, in order', async () => {
  const r = await login('tia', 'tia-pw');
  assert.match(r.stdout, /Received Access-Challenge/, r.stdout + r.stderr);
  const parts = [...r.stdout.matchAll(/Reply-Message = "((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
  assert.ok(parts.length >= 3, `expected several attributes, got ${parts.length}`);
  assert.equal(parts.join(''), LONG_TEXT);
});

test('an Accept too long to encode is answered with a Reject; the server stays up and answers the next login', async () => {
  const r = await login('big', 'big-pw');
  assert.match(r.stdout, /Received Access-Reject/, r.stdout + r.stderr);
  assert.ok(
    server.logs.some((l) => l.event === 'radius.reply_failed' && l.user === 'big'),
    'the failure is logged with the user',
  );
  assert.equal(server.server.processor.counters.replyFailures, 1);
  assert.match((await login('ok', 'ok-pw')).stdout, /Received Access-Accept/);
});
