// Issue 12 item 9 through the real server: under contention, a request whose turn comes after its client's
// nasTimeout is dropped and counted (STALE), not computed; what the NAS still waits for is answered.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashArgon2id } from '../../src/directory/password/argon2id.js';
import { Code } from '../../src/radius/code.js';
import { decodeReply, RawRadiusClient } from '../support/raw-radius-client.js';
import { DEFAULT_SECRET, startTestServer, type TestServer } from '../support/test-server.js';

// A deliberately expensive hash (about 0.1–0.3 s each here): 40 logins at once cannot all start within 1 s.
const EXPENSIVE = { memoryCost: 65536, timeCost: 3, parallelism: 1 };
let server: TestServer;
before(async () => {
  server = await startTestServer({
    users: [{ name: 'busy', passwordHash: await hashArgon2id('busy-pw', EXPENSIVE) }],
    clients: [{ name: 'nas', address: '127.0.0.1', secret: DEFAULT_SECRET, nasTimeout: 1 }],
    // A deliberately expensive hash (about 0.1–0.3 s each here): 40 logins at once cannot all start within 1 s.
    config: {
      passwords: { argon2: { memoryCost: 65536, timeCost: 3, parallelism: 1 }, upgradeLegacyHashes: false },
    },
  });
});
after(async () => {
  await server?.stop();
});

test('logins queued past the NAS timeout are shed (no reply, STALE counted); the first ones are answered', async () => {
  const radius = await RawRadiusClient.open(server.port, DEFAULT_SECRET);
  try {
    const replies = await Promise.all(
      Array.from({ length: 40 }, () =>
        radius.exchange(radius.accessRequest({ user: 'busy', password: 'busy-pw' }), 5000),
      ),
    );
    const answered = replies.filter((r) => r !== undefined).map((r) => decodeReply(r!).code);
    const counters = server.server.processor.counters;
    assert.ok(answered.length >= 4, `some logins are answered (${answered.length})`);
    assert.ok(answered.every((code) => code === Code.AccessAccept));
    assert.ok(counters.drops.STALE > 0, JSON.stringify(counters.snapshot()));
    assert.equal(
      answered.length + counters.drops.STALE,
      40,
      'every login is either answered or counted as stale',
    );
    assert.ok(
      server.logs.some((l) => l.event === 'radius.decision' && l.reason === 'REQUEST_STALE'),
      'a stale drop is logged with its reason',
    );
  } finally {
    radius.close();
  }
});
