// The portal's sessions and pending authenticator apps across nodes and restarts (SECURITY A12.2, A12.6,
// docs/storage.md "Logins across nodes"): two portals on one database are two nodes behind a load balancer without
// affinity; a portal on a new connection to the same SQLite file is the server after a restart. Each on real
// SQLite and real PostgreSQL.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import type { PendingTotpStore } from '../../../src/domain/pending-totp-store.js';
import type { PortalSessionStore } from '../../../src/domain/portal-session-store.js';
import { decodeBase32 } from '../../../src/otp/base32.js';
import { generateTotp } from '../../../src/otp/totp.js';
import { PgPendingTotpStore } from '../../../src/store/postgres/pg-pending-totp-store.js';
import { PgPortalSessionStore } from '../../../src/store/postgres/pg-portal-session-store.js';
import { createSealer } from '../../../src/store/sealer.js';
import { openSqlite } from '../../../src/store/sqlite/open-sqlite.js';
import { SqlitePendingTotpStore } from '../../../src/store/sqlite/sqlite-pending-totp-store.js';
import { SqlitePortalSessionStore } from '../../../src/store/sqlite/sqlite-portal-session-store.js';
import { freshDatabase } from '../../store/postgres/pg-fixture.js';
import { type Browser, newSeed, type PortalSite, startPortalSite } from '../../support/portal-site.js';
import { scratchDir } from '../../support/scratch-dir.js';

const seed = newSeed();
/** The key file every node of the site shares. */
const sealer = createSealer(randomBytes(32));
const sites: PortalSite[] = [];
const pools: pg.Pool[] = [];
after(async () => {
  for (const site of sites) await site.close();
  for (const pool of pools) await pool.end().catch(() => {});
});

/** One node's connection to the shared tables. */
interface Shared {
  readonly sessions: PortalSessionStore;
  readonly pending: PendingTotpStore;
}

/** A node: the portal with alice (a TOTP token) and hank (nothing yet), on `shared`. */
async function node(shared: Shared): Promise<PortalSite> {
  const site = await startPortalSite({
    users: [
      { name: 'alice', password: 'alice-pw' },
      { name: 'hank', password: 'hank-pw' },
    ],
    tokens: [
      {
        serial: 'T-alice',
        userName: 'alice',
        type: 'totp',
        secret: seed,
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
      },
    ],
    config: { portal: { idleMinutes: 15, sessionMinutes: 60 } },
    portalSessions: shared.sessions,
    pendingTotps: shared.pending,
  });
  sites.push(site);
  return site;
}

const code = (site: PortalSite) =>
  generateTotp(seed, Math.floor(site.clock.now() / 1000), { algorithm: 'SHA1', digits: 6, period: 30 });

/** The same browser's cookie and token, sent to another node. */
const same = (browser: Browser, ip = browser.ip): Browser => ({ ...browser, ip, setCookies: [] });

/** The app's first code for a secret the portal showed (base32), at `site`'s time. */
function appCode(site: PortalSite, secret: string): string {
  const decoded = decodeBase32(secret);
  assert.ok(decoded.ok, secret);
  return generateTotp(decoded.bytes, Math.floor(site.clock.now() / 1000), {
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
}

function acrossNodes(name: string, open: () => Promise<() => Shared>) {
  describe(`portal sessions on ${name}`, () => {
    test('signed in on node A, the next request on node B is signed in; a sign-out on B ends it on A', async () => {
      const connect = await open();
      const [a, b] = [await node(connect()), await node(connect())];
      const browser = a.browser('198.51.100.20');
      const stage = await a.signIn(browser, 'alice', 'alice-pw');
      assert.equal(stage.json().state, 'second-factor', stage.body);
      // The code is typed on B: B finds the second-factor stage A opened, and signs it in.
      const done = await b.call(browser, 'POST', '/second-factor/code', { code: code(b) });
      assert.equal(done.statusCode, 200, done.body);
      assert.equal(done.json().state, 'signed-in');
      const onA = await a.call(browser, 'GET', '/devices');
      assert.equal(onA.statusCode, 200, onA.body);
      assert.equal((await a.call(browser, 'GET', '/session')).json().user, 'alice');
      const out = await b.call(same(browser), 'POST', '/sign-out', {});
      assert.equal(out.statusCode, 204, out.body);
      const after = await a.call(browser, 'GET', '/devices');
      assert.equal(after.statusCode, 401, 'signed out on every node');
      assert.deepEqual((await a.call(browser, 'GET', '/session')).json(), { state: 'signed-out' });
    });

    test('a session outlives its node: a new node on the same database takes the cookie', async () => {
      const connect = await open();
      const first = await node(connect());
      const browser = first.browser('198.51.100.21');
      const signed = await first.signIn(browser, 'hank', 'hank-pw');
      assert.equal(signed.json().state, 'signed-in', signed.body);
      await first.close();
      sites.splice(sites.indexOf(first), 1);
      const restarted = await node(connect());
      const devices = await restarted.call(browser, 'GET', '/devices');
      assert.equal(devices.statusCode, 200, devices.body);
      const session = (await restarted.call(browser, 'GET', '/session')).json();
      assert.equal(session.state, 'signed-in');
      assert.equal(
        session.csrf,
        browser.csrf,
        'the CSRF token too: it is derived from the cookie, not stored',
      );
      assert.equal((await restarted.call(browser, 'POST', '/backup-codes', {})).statusCode, 201);
    });

    test('an authenticator app shown on node A is confirmed by its first code on node B, once (A12.6)', async () => {
      const connect = await open();
      const [a, b] = [await node(connect()), await node(connect())];
      const browser = a.browser('198.51.100.22');
      assert.equal((await a.signIn(browser, 'hank', 'hank-pw')).json().state, 'signed-in');
      const started = await a.call(browser, 'POST', '/devices/totp', { label: 'Phone' });
      assert.equal(started.statusCode, 201, started.body);
      const { pendingId, secret } = started.json() as { pendingId: string; secret: string };
      const code = appCode(b, secret);
      const confirmed = await b.call(same(browser), 'POST', '/devices/totp/confirm', { pendingId, code });
      assert.equal(confirmed.statusCode, 201, confirmed.body);
      assert.equal(confirmed.json().device.label, 'Phone');
      assert.equal(
        b.tokens.listForUser('hank').length,
        1,
        'the token is stored by the node that took the code',
      );
      const again = await a.call(browser, 'POST', '/devices/totp/confirm', { pendingId, code });
      assert.equal(again.statusCode, 404, 'taken on B: gone on A too');
    });

    test('an authenticator app shown before a restart is confirmed after it', async () => {
      const connect = await open();
      const first = await node(connect());
      const browser = first.browser('198.51.100.23');
      assert.equal((await first.signIn(browser, 'hank', 'hank-pw')).json().state, 'signed-in');
      const started = (await first.call(browser, 'POST', '/devices/totp', { label: 'Phone' })).json();
      await first.close();
      sites.splice(sites.indexOf(first), 1);
      const restarted = await node(connect());
      const confirmed = await restarted.call(browser, 'POST', '/devices/totp/confirm', {
        pendingId: started.pendingId,
        code: appCode(restarted, started.secret),
      });
      assert.equal(confirmed.statusCode, 201, confirmed.body);
    });
  });
}

acrossNodes('SQLite (each node a connection of its own to one file)', async () => {
  const file = join(scratchDir('assent-portal-nodes-'), 'a.db');
  return () => {
    const db = openSqlite(file);
    return { sessions: new SqlitePortalSessionStore(db), pending: new SqlitePendingTotpStore(db, sealer) };
  };
});

acrossNodes('PostgreSQL (each node a pool of its own)', async () => {
  const { url, pool } = await freshDatabase();
  pools.push(pool);
  return () => {
    const own = new pg.Pool({ connectionString: url, max: 2 });
    own.on('error', () => {});
    pools.push(own);
    return { sessions: new PgPortalSessionStore(own), pending: new PgPendingTotpStore(own, sealer) };
  };
});
