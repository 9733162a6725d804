// Owns the benchmark's child processes: pinned start, stop by PID (always, also on signals), free ports.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { processTreePids } from './proc-stat.js';

const running = new Map<number, { name: string; child: ChildProcess }>();
const cleanups: (() => void)[] = [];
let handlersInstalled = false;
let outputDir: string | undefined;

/**
 * With `--keep`: every pinned child's stdout and stderr also go to `<dir>/<name>-<pid>.out`, so what a server
 * prints outside its log (`BENCH_SERVER_NODE_FLAGS=--trace-gc-nvp`, say) can be read after the run.
 */
export function keepOutputIn(dir: string): void {
  outputDir = dir;
}

/** Registers synchronous clean-up (removing the temp dir) that also runs when a signal ends the run. */
export function addCleanup(cleanup: () => void): void {
  installHandlers();
  cleanups.push(cleanup);
}

function runCleanups(): void {
  for (const cleanup of cleanups.splice(0)) {
    try {
      cleanup();
    } catch {
      // best effort: the process is ending
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Last resort: whatever way this process ends, no server is left running.
  process.on('exit', () => {
    for (const pid of running.keys()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping ${running.size} child process(es)\n`);
      void stopAll().finally(() => {
        runCleanups();
        process.exit(130);
      });
    });
  }
}

/** A started child: its PID (the pinned program itself, since taskset execs it) and its output so far. */
export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** `performance.now()` when it was spawned: start-up time is measured from here to its first answer. */
  readonly startedAt: number;
  output(): string;
}

/**
 * Pins every process of `rootPid`'s tree (all threads) to `cpus`: PostgreSQL's postmaster right after its start
 * (backends forked later inherit its affinity), and running servers moved for `--two-cores`.
 */
export async function pinTree(rootPid: number, cpus: string, name = `process ${rootPid}`): Promise<void> {
  for (const pid of processTreePids(rootPid)) {
    try {
      await promisify(execFile)('taskset', ['-a', '-p', '-c', cpus, String(pid)], { timeout: 5000 });
    } catch (error) {
      // A helper process that exited in between is fine; the root must be pinned.
      if (pid === rootPid) throw new Error(`cannot pin ${name} to CPU ${cpus}`, { cause: error });
    }
  }
}

/**
 * Starts `command` pinned to `cpus` with taskset (which execs, so the PID is the program's own).
 * Output is kept (last 64 KiB) for error messages.
 */
export function startPinned(
  name: string,
  cpus: string,
  command: string,
  args: readonly string[],
  cwd?: string,
): Started {
  installHandlers();
  const startedAt = performance.now();
  const child = spawn('taskset', ['-c', cpus, command, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`cannot start ${name} (${command})`);
  const pid = child.pid;
  let output = '';
  const file =
    outputDir === undefined
      ? undefined
      : createWriteStream(path.join(outputDir, `${name.replace(/[^A-Za-z0-9]+/g, '-')}-${pid}.out`));
  file?.on('error', () => undefined);
  child.once('exit', () => file?.end());
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-65536);
    file?.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  running.set(pid, { name, child });
  child.once('exit', () => running.delete(pid));
  return { name, pid, child, startedAt, output: () => output };
}

/** Stops one child by PID: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export async function stopProcess(started: Started, graceMs = 3000): Promise<void> {
  const { child, pid } = started;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited in between
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops every child still running. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running.entries()].map(([pid, { name, child }]) =>
      stopProcess({ name, pid, child, startedAt: 0, output: () => '' }),
    ),
  );
}

/**
 * A UDP port that was free a moment ago on 127.0.0.1. A child cannot be given port 0 and still be reached,
 * so bind 0, read the port, close; the short race with other programs is acceptable for a benchmark.
 */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Runs a setup command to completion (killed after `timeoutMs`) and returns its exit code and output. */
export function runToEnd(
  command: string,
  args: readonly string[],
  options: { cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<{ code: number; output: string }> {
  installHandlers();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = child.pid;
    if (pid !== undefined) running.set(pid, { name: command, child });
    const timer = setTimeout(() => {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.once('exit', () => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
    child.stdin.end(options.input ?? '');
  });
}

/** `server` once `probe` has seen it answer; stopped, and the probe's error thrown, when it does not. */
export async function answering(
  server: Started,
  port: number,
  probe: (server: Started, port: number) => Promise<unknown>,
): Promise<Started> {
  try {
    await probe(server, port);
  } catch (error) {
    await stopProcess(server);
    throw error;
  }
  return server;
}

/** The first lines of an error's message on one line, for a note under a table. */
export const briefly = (error: unknown): string =>
  (error as Error).message.split('\n').slice(0, 6).join(' | ');
