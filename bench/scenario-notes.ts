// Owns the notes under a scenario's table: what in the figures makes a row doubtful, and the two-core ratio.

import { cpuUsPerRequestWithDatabase, type ServerFigures } from './measure.js';
import type { FlowFigures } from './measure-flows.js';
import { ASSENT_TWO_NODES, FREERADIUS_TWO_CORES } from './two-cores.js';

/**
 * Appends to `notes` what a reader must know before trusting a row: a generator or other processes that took the
 * core, timeouts, an idle server core, rounds that went past the first-login pass; and the two-core comparison.
 * `primeFlows`: users each server's first-login pass took, by server name.
 */
export function addResultNotes(
  notes: string[],
  rows: readonly ServerFigures[],
  flowRounds: readonly FlowFigures[],
  primeFlows: ReadonlyMap<string, number>,
  unit: 'flow' | 'request',
): void {
  const totp = unit === 'flow';
  for (const row of rows) {
    const who = `${row.server} (${row.generator})`;
    // Two generators share two cores with the servers in the two-core rows: their sum may pass 80 %.
    if (row.loadgenCpuPercent > 80 && !row.server.includes('2 cores'))
      notes.push(`${who}: generator above 80 % of its core, it may be the limit`);
    if (row.otherCpuPercent > 10)
      notes.push(
        `${who}: other processes used ${Math.round(row.otherCpuPercent)} % of a core: noisy machine`,
      );
    if (row.timeouts > 0 || row.bad > 0)
      notes.push(`${who}: ${row.timeouts} timeouts, ${row.bad} bad replies`);
    // A core that idles between replies wakes up for fewer datagrams at a time, so its CPU per login is higher
    // than what the same core does when busy, which is what the per-core targets are about.
    const busy = row.serverCpuPercent + (row.database?.cpuPercent ?? 0);
    if (busy < 85 && !row.server.includes('first login'))
      notes.push(
        `${who}: its core was only ${Math.round(busy)} % busy${row.database ? ' (with PostgreSQL)' : ''}, so its CPU per ${unit} ` +
          `includes idle wake-ups; raise ${totp ? '--totp-window' : '--window'}`,
      );
  }
  const frTwo = rows.find((r) => r.server === FREERADIUS_TWO_CORES);
  const assentTwo = rows.find((r) => r.server === ASSENT_TWO_NODES);
  if (frTwo && assentTwo)
    notes.push(
      `two cores: ${ASSENT_TWO_NODES}/${FREERADIUS_TWO_CORES}: ${(assentTwo.requestsPerSecond / frTwo.requestsPerSecond).toFixed(2)}× ` +
        `${unit}s/s, ${(frTwo.serverCpuUsPerRequest / cpuUsPerRequestWithDatabase(assentTwo)).toFixed(2)}× ${unit}s per ` +
        'CPU-second (both nodes and PostgreSQL against FreeRADIUS; the generators shared the two cores with them)',
    );
  for (const f of flowRounds) {
    const primed = primeFlows.get(f.server);
    if (primed !== undefined && f.usersTaken > primed)
      notes.push(`${f.server}: a round went past the users of the first-login pass; raise --totp-prime`);
    if (f.rejected > 0 || f.unexpected > 0)
      notes.push(
        `${f.server}: ${f.rejected} flows rejected, ${f.unexpected} unexpected replies in one round`,
      );
    if (f.stoppedBy === 'users-exhausted')
      notes.push(`${f.server}: every user logged in during one 30 s step; raise --totp-users`);
  }
}
