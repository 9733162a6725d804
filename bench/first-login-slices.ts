// Owns a first-login pass of the TOTP scenarios: each server's users not yet seen, in slices the servers take in
// turn, so that every Assent figure has a FreeRADIUS figure taken seconds before or after it.
import { LOADGEN_CPU } from './bench-args.js';
import { cpuUsPerRequestWithDatabase, type ServerFigures } from './measure.js';
import {
  type FlowFigures,
  type FlowShape,
  measureFlowsWithLoadgen,
  secondsLeftInStep,
  waitForFreshStep,
} from './measure-flows.js';
import { quiet } from './proc-stat.js';
import { COMPARED_WITH_FREERADIUS } from './report.js';
import type { Target } from './start-targets.js';

/** Seconds a measurement takes beyond its measured time (generator start, CPU readings). */
const OVERHEAD_SECONDS = 1.5;

export interface FirstLoginPass {
  readonly targets: readonly Target[];
  readonly shape: FlowShape;
  /** Measured seconds per server, split evenly over the slices. */
  readonly seconds: number;
  readonly slices: number;
  /** Unmeasured seconds of first logins before each slice (the server's first second after idling). */
  readonly warmupSeconds: number;
  /** The first user each server takes (the users before it were taken by earlier passes or rounds). */
  readonly startUser: (serverName: string) => number;
  /** Users in the data: a slice that could run past the last one (and wrap to users seen) is not taken. */
  readonly users: number;
  readonly quietWait: number;
  /** Appended to the server's name in the row: ` (first login)`. */
  readonly rowSuffix: string;
  readonly record: (figures: ServerFigures) => void;
}

export interface FirstLoginPassResult {
  /** Per server, the first user no slice took. */
  readonly nextUser: ReadonlyMap<string, number>;
  /** Per Assent row, FreeRADIUS CPU per flow ÷ Assent's, slice by slice (both measured in the same slice). */
  readonly paired: Readonly<Record<string, number[]>>;
  /** Every slice's figures, in the order taken. */
  readonly figures: readonly FlowFigures[];
  /** Why the pass ended before its last slice, when it did. */
  readonly endedEarly?: string;
}

/**
 * Why slices: on this kind of virtual machine the speed of memory access drifts by up to 2× within a minute
 * (docs/performance.md), and a pass of 10 s per server measures the two servers up to half a minute apart. In
 * slices of a few seconds, the order alternating, each pair is measured under nearly the same conditions, and
 * the median of the pairs is the comparison. Each slice must fit in one 30 s TOTP step (FreeRADIUS takes no code
 * of the step before), so a slice that would not waits for the next step; no user is taken twice by one server.
 * Each slice starts with `warmupSeconds` of first logins that are not measured: a server that stood idle while
 * the other took its slice pays for its first second of load again (V8 gave back the young generation's pages;
 * faulting 32 MiB in again costs ~0.35 s of CPU on this machine, docs/performance.md), as it does once after any
 * idle spell, and the rounds leave that out with their own warm-up.
 */
export async function runFirstLoginPass(pass: FirstLoginPass): Promise<FirstLoginPassResult> {
  const sliceSeconds = pass.seconds / pass.slices;
  const runSeconds = sliceSeconds + pass.warmupSeconds;
  const nextUser = new Map<string, number>();
  for (const t of pass.targets) nextUser.set(t.server.name, pass.startUser(t.server.name));
  const paired: Record<string, number[]> = {};
  const figures: FlowFigures[] = [];
  /** Per server, its fastest slice so far (flows per second): what the next slice may take. */
  const fastest = new Map<string, number>();
  let endedEarly: string | undefined;
  slices: for (let slice = 0; slice < pass.slices; slice++) {
    const order = slice % 2 === 0 ? pass.targets : [...pass.targets].reverse();
    const thisSlice = new Map<string, FlowFigures>();
    for (const [i, t] of order.entries()) {
      await quiet(pass.quietWait);
      const first = slice === 0 && i === 0;
      if (first || secondsLeftInStep() < runSeconds + OVERHEAD_SECONDS) await waitForFreshStep();
      const name = t.server.name;
      const firstUser = nextUser.get(name)!;
      const left = pass.users - firstUser;
      if (left <= 0 || (fastest.get(name) ?? 0) * runSeconds * 1.2 > left) {
        endedEarly = `${name} has ${Math.max(0, left)} users left for slice ${slice + 1} of ${pass.slices}`;
        break slices;
      }
      const shape = {
        ...pass.shape,
        warmupSeconds: pass.warmupSeconds,
        durationSeconds: sliceSeconds,
        firstUser,
      };
      const f = await measureFlowsWithLoadgen(t.server, t.port, shape, LOADGEN_CPU, t.databasePid);
      nextUser.set(name, firstUser + f.usersTaken);
      fastest.set(name, Math.max(fastest.get(name) ?? 0, f.requestsPerSecond));
      figures.push(f);
      thisSlice.set(name, f);
      pass.record({ ...f, server: `${name}${pass.rowSuffix}` });
    }
    const fr = thisSlice.get('FreeRADIUS');
    for (const name of COMPARED_WITH_FREERADIUS) {
      const as = thisSlice.get(name);
      if (fr && as)
        paired[name] = [...(paired[name] ?? []), fr.serverCpuUsPerRequest / cpuUsPerRequestWithDatabase(as)];
    }
  }
  return { nextUser, paired, figures, ...(endedEarly === undefined ? {} : { endedEarly }) };
}

/** A note giving the slice-by-slice ratios of one pass and their median, when there was more than one slice. */
export function slicedRatioNotes(label: string, paired: Readonly<Record<string, number[]>>): string[] {
  const notes: string[] = [];
  for (const [name, ratios] of Object.entries(paired)) {
    if (ratios.length < 2) continue;
    const sorted = [...ratios].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    notes.push(
      `${name}/FreeRADIUS per CPU-second, ${label}, slice by slice (measured back to back): ` +
        `${ratios.map((r) => `${r.toFixed(2)}×`).join(', ')}; median ${median.toFixed(2)}×`,
    );
  }
  return notes;
}
