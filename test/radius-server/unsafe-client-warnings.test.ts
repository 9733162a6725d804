// SECURITY A2.4, A5.1: a client with both BlastRADIUS guards off, or a short secret, is named in a warning at start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_SECRET, startTestServer } from '../support/test-server.js';

test('the start warns about a client with both guards off and one with a short secret, not about a safe one', async () => {
  const server = await startTestServer({
    clients: [
      { name: 'safe', address: '127.0.0.1', secret: DEFAULT_SECRET },
      {
        name: 'open',
        address: '127.0.0.2',
        secret: DEFAULT_SECRET,
        requireMessageAuthenticator: false,
        limitProxyState: false,
      },
      { name: 'short', address: '127.0.0.3', secret: 'abcdefghij' },
    ],
  });
  try {
    const unsafe = server.logs.filter((l) => l.event === 'config.unsafe');
    const about = (name: string) => unsafe.filter((l) => l.client === name).map((l) => String(l.msg));
    assert.equal(about('safe').length, 0);
    assert.match(about('open').join('\n'), /BlastRADIUS/);
    assert.match(about('short').join('\n'), /12 octets or shorter/);
    assert.doesNotMatch(server.rawLogs(), /abcdefghij/, 'the secret itself is never logged');
  } finally {
    await server.stop();
  }
});
