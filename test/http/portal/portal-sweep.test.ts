// The portal's minute sweep of its shared tables (docs/storage.md "Logins across nodes"): a sweep the database
// refuses is logged with its table and tried again the next minute, never thrown out of the timer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreError, StoreErrorCode } from '../../../src/domain/ports.js';
import { MemoryPendingTotpStore } from '../../../src/store/memory/memory-pending-totp-store.js';
import { MemoryPortalSessionStore } from '../../../src/store/memory/memory-portal-session-store.js';
import { startPortalSite } from '../../support/portal-site.js';

const away = () => new StoreError(StoreErrorCode.Unavailable, 'the database is away');

/** Tables whose sweeps fail while `down` is true, and count every sweep asked of them. */
class FlakySessions extends MemoryPortalSessionStore {
  down = true;
  sweeps = 0;
  override sweep(...args: Parameters<MemoryPortalSessionStore['sweep']>) {
    this.sweeps += 1;
    if (this.down) throw away();
    return super.sweep(...args);
  }
}
class FlakyPending extends MemoryPendingTotpStore {
  down = true;
  sweeps = 0;
  override sweep(now: number): number {
    this.sweeps += 1;
    if (this.down) throw away();
    return super.sweep(now);
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('a sweep the database refuses is logged with its table and tried again the next minute', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const portalSessions = new FlakySessions();
  const pendingTotps = new FlakyPending();
  const site = await startPortalSite({ portalSessions, pendingTotps });
  try {
    const failures = () => site.logs.filter((l) => l.event === 'portal.sweep_failed');
    t.mock.timers.tick(60_000);
    await settle();
    assert.deepEqual(
      failures()
        .map((l) => [l.table, l.level, l.err])
        .sort(),
      [
        ['pending_totps', 40, 'the database is away'],
        ['portal_sessions', 40, 'the database is away'],
      ],
    );
    portalSessions.down = false;
    pendingTotps.down = false;
    t.mock.timers.tick(60_000);
    await settle();
    assert.equal(portalSessions.sweeps, 2, 'the session sweep ran again a minute later');
    assert.equal(pendingTotps.sweeps, 2, 'the pending sweep ran again a minute later');
    assert.equal(failures().length, 2, 'a sweep that works logs nothing');
  } finally {
    await site.close();
  }
});
