// Owns migration 13 (PostgreSQL): challenge sessions are not written to the write-ahead log.
import type { PostgresMigration } from '../pg-migration.js';

/**
 * A challenge session lives for the seconds between a password and its code (at most
 * `secondFactor.challengeSeconds`), and every login writes it four times (open, claim, end; a push mark). In an
 * UNLOGGED table those writes skip the write-ahead log: no WAL records, and a statement that changed only this
 * table commits without waiting for a WAL flush. Measured with bench/challenge-store-probe.ts, durable settings, 20
 * logins in flight: 4,876 → 6,323 logins/s, PostgreSQL's CPU 84 → 67 µs per login (docs/performance.md).
 *
 * What it gives up, on purpose: after a crash of PostgreSQL (not a clean stop) the table is empty, and a standby
 * promoted to primary starts with it empty, so the logins that were between their password and their code then
 * get "unknown State" (Access-Reject) and are typed again. Nothing that must survive lives here: the replay
 * guard, lockouts, devices and push transactions stay in logged tables.
 */
export const migration0013: PostgresMigration = {
  number: 13,
  name: 'challenge-sessions-unlogged',
  async up(client) {
    await client.query('ALTER TABLE challenge_sessions SET UNLOGGED');
  },
};
