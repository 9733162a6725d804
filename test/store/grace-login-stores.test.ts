// The GraceLoginStore conformance suite on every adapter: counts per user, atomic increments, reset.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { GraceLoginStore } from '../../src/domain/grace-logins.js';
import { MemoryGraceLoginStore } from '../../src/store/memory/memory-grace-login-store.js';
import { openSqlite } from '../../src/store/sqlite/open-sqlite.js';
import { SqliteGraceLoginStore } from '../../src/store/sqlite/sqlite-grace-login-store.js';

function conformance(name: string, make: () => GraceLoginStore): void {
  describe(`GraceLoginStore conformance: ${name}`, () => {
    const at = new Date('2026-12-05T10:00:00Z');
    test('a name never counted has used none; each use counts one and returns the new count', () => {
      const store = make();
      assert.equal(store.used('alice'), 0);
      assert.equal(store.recordUse('alice', at), 1);
      assert.equal(store.recordUse('alice', at), 2);
      assert.equal(store.used('alice'), 2);
      assert.equal(store.used('Alice'), 0, 'names are case-sensitive');
    });
    test('reset forgets a count; resetting nothing is false', () => {
      const store = make();
      store.recordUse('bob', at);
      assert.equal(store.reset('bob'), true);
      assert.equal(store.used('bob'), 0);
      assert.equal(store.reset('bob'), false);
    });
    test("a user's own grace period: set, replaced, read back, removed; reset leaves it", () => {
      const store = make();
      assert.equal(store.ownGrace('dave'), undefined);
      assert.equal(store.setOwnGrace('dave', { until: '2027-03-01', logins: 0 }, at), true);
      assert.deepEqual(store.ownGrace('dave'), { until: '2027-03-01', logins: 0 });
      store.setOwnGrace('dave', { until: '', logins: 3 }, at);
      assert.deepEqual(store.ownGrace('dave'), { until: '', logins: 3 });
      assert.equal(store.ownGrace('Dave'), undefined, 'names are case-sensitive');
      store.recordUse('dave', at);
      store.reset('dave');
      assert.deepEqual(
        store.ownGrace('dave'),
        { until: '', logins: 3 },
        'grace-reset forgets the count only',
      );
      assert.equal(store.setOwnGrace('dave', undefined, at), true);
      assert.equal(store.ownGrace('dave'), undefined);
      assert.equal(store.setOwnGrace('dave', undefined, at), false);
    });
  });
}

conformance('memory', () => new MemoryGraceLoginStore());
conformance(
  'sqlite',
  () => new SqliteGraceLoginStore(openSqlite(join(mkdtempSync(join(tmpdir(), 'assent-grace-')), 'a.db'))),
);

test('sqlite: two connections counting at once both count (one statement per use)', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'assent-grace-')), 'a.db');
  const a = new SqliteGraceLoginStore(openSqlite(file));
  const b = new SqliteGraceLoginStore(openSqlite(file));
  const at = new Date();
  for (let i = 0; i < 10; i++) {
    a.recordUse('carol', at);
    b.recordUse('carol', at);
  }
  assert.equal(a.used('carol'), 20);
});
