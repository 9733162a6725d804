// Owns reading CPU time from /proc: per process (server cost per request) and machine-wide (contention).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

let ticksPerSecond: number | undefined;

/** USER_HZ: the unit of the CPU times in /proc (almost always 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond =
        Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(), 10) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * utime + stime of a process, all threads included, in clock ticks (proc(5): fields 14 and 15).
 * The command name (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
 */
export function processCpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * The minor page faults `pid` has taken (minflt, field 10 of /proc/<pid>/stat, all threads). On a virtual machine
 * that hands freed memory back to its host, each costs far more than on bare metal (docs/performance.md).
 */
export function processMinorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[7]);
}

/** Every process now: its parent and its CPU ticks (utime + stime + cutime + cstime), from /proc/<pid>/stat. */
function allProcesses(): Map<number, { readonly ppid: number; readonly ticks: number }> {
  const processes = new Map<number, { ppid: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid (field 4) is f[1]; utime, stime, cutime, cstime (14–17) are f[11]–f[14].
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    processes.set(Number(entry), { ppid: Number(f[1]), ticks });
  }
  return processes;
}

/** `rootPid` and every process below it, the root first. */
function treeOf(rootPid: number, processes: ReadonlyMap<number, { readonly ppid: number }>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of processes) {
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [pid]);
    else list.push(pid);
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** The PIDs of `rootPid` and all its descendants now, the root first. */
export function processTreePids(rootPid: number): number[] {
  return treeOf(rootPid, allProcesses());
}

/**
 * CPU time of `rootPid` and all its descendants, in clock ticks: for each process of the tree utime + stime, plus
 * cutime + cstime (what its exited and reaped children used), so a PostgreSQL backend that ended during the
 * interval still counts (the postmaster reaps its backends). The tree is read anew on every call, so processes
 * forked since the last one are included.
 * @throws Error when `rootPid` is gone
 */
export function processTreeCpuTicks(rootPid: number): number {
  const processes = allProcesses();
  if (!processes.has(rootPid)) throw new Error(`process ${rootPid} is gone`);
  return treeOf(rootPid, processes).reduce((sum, pid) => sum + (processes.get(pid)?.ticks ?? 0), 0);
}

/** Machine-wide CPU time from the first line of /proc/stat, in clock ticks summed over all CPUs. */
export interface MachineTicks {
  /** Time charged to processes (user, nice, system) or taken by the hypervisor (steal). */
  readonly busy: number;
  readonly total: number;
}

/**
 * Reads the machine-wide busy and total CPU ticks. Interrupt time is left out of `busy`: most of it is the
 * kernel moving the benchmark's own loopback packets, which is not "another process".
 */
export function machineCpuTicks(): MachineTicks {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
  const busy = user + nice + system + steal;
  return { busy, total: busy + irq + softirq + idle + iowait };
}

/** What the table in docs/performance.md needs to say about the machine. */
export interface MachineInfo {
  readonly date: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly kernel: string;
  readonly node: string;
}

/** Date, `nproc`, CPU model from /proc/cpuinfo, kernel and Node versions. */
export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) cpuModel = match[1].trim();
  } catch {
    // keep os.cpus()
  }
  return {
    date: new Date().toISOString().slice(0, 10),
    cpus: os.availableParallelism(),
    cpuModel,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

/**
 * Waits until the machine is nearly idle (busy below `thresholdPercent` of one core over one second), for
 * at most `maxWaitSeconds`. Called between measurements, when the benchmark's own processes are idle, so
 * what it sees is other work; on a shared machine that work is the main source of noise.
 * @returns the last observed busy share, in % of one core
 */
export async function waitForQuietMachine(maxWaitSeconds: number, thresholdPercent = 15): Promise<number> {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  const hz = clockTicksPerSecond();
  for (;;) {
    const a = machineCpuTicks();
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = machineCpuTicks();
    const busy = (100 * (b.busy - a.busy)) / hz / ((performance.now() - t0) / 1000);
    if (busy < thresholdPercent || Date.now() >= deadline) return busy;
  }
}

/** Waits (bounded) until other processes leave the machine alone; says so when they did not. */
export async function quiet(maxWaitSeconds: number): Promise<void> {
  const busy = await waitForQuietMachine(maxWaitSeconds);
  if (busy >= 15)
    process.stderr.write(
      `bench: other processes still use ${Math.round(busy)} % of a core; measuring anyway\n`,
    );
}
