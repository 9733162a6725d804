// Runs the PushDeviceStore conformance suite on every adapter, plus the SQLite adapter's sealing at rest.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryPushDeviceStore } from '../../src/store/memory/memory-push-device-store.js';
import { createSealer } from '../../src/store/sealer.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqlitePushDeviceStore } from '../../src/store/sqlite/sqlite-push-device-store.js';
import { scratchDir } from '../support/scratch-dir.js';
import { runPushDeviceStoreConformance } from './push-device-store.conformance.js';

const sealer = createSealer(new Uint8Array(randomBytes(32)));
const tempDb = () => {
  const dir = scratchDir('assent-push-devices-');
  return { dir, db: openSqlite(join(dir, 'assent.db')) };
};

runPushDeviceStoreConformance('memory', () => new MemoryPushDeviceStore());
runPushDeviceStoreConformance('sqlite', () => new SqlitePushDeviceStore(tempDb().db, sealer));

test('a Web Push or ntfy auth secret and a ntfy topic are sealed in the database, never stored in clear (SECURITY A9.1)', () => {
  const { dir, db } = tempDb();
  const store = new SqlitePushDeviceStore(db, sealer);
  const auth = 'Zm9vYmFyLXNlY3JldC1hdXRo';
  const ntfyAuth = 'bnRmeS1zZWNyZXQtYXV0aA';
  // Whoever knows a topic can subscribe to it: the topic name is as secret as the keys.
  const topic = 'upSecretTopic4711';
  const publicKey = new Uint8Array(65).fill(7);
  publicKey[0] = 4;
  store.add({
    id: 'ASNP00000009',
    userName: 'alice',
    publicKey,
    delivery: {
      kind: 'webpush',
      subscription: { endpoint: 'https://p.example.net/a', keys: { p256dh: 'x', auth } },
    },
    label: '',
  });
  store.add({
    id: 'ASNP00000010',
    userName: 'alice',
    publicKey,
    delivery: {
      kind: 'ntfy',
      subscription: {
        endpoint: `https://ntfy.example.net/${topic}?up=1`,
        keys: { p256dh: 'x', auth: ntfyAuth },
      },
    },
    label: '',
  });
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  for (const file of readdirSync(dir)) {
    const content = readFileSync(join(dir, file));
    for (const secret of [auth, ntfyAuth, topic]) {
      assert.equal(content.includes(secret), false, `clear ${secret} in ${file}`);
    }
  }
});
