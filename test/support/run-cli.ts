// Runs the real `assent` CLI in a child process (the way operators run it), in a given working directory.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type PeerResult, runPeer } from './run-peer.js';

/**
 * The installed command, as operators run it: build/assent.mjs when built from the sources as they are (`npm test`
 * builds first), else src/ through tsx (a test file run alone after an edit still tests the edit).
 */
export const ASSENT_BIN = fileURLToPath(new URL('../../bin/assent.js', import.meta.url));

/** Environment for CLI children: no ASSENT_* from the outer shell leaks in. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ASSENT_')) env[k] = v;
  // Loopback and any free port for the HTTP listeners, so `serve` in tests never takes 4433 or 9180.
  const http = {
    ASSENT_HTTP_PUBLIC_BIND: '127.0.0.1',
    ASSENT_HTTP_PUBLIC_PORT: '0',
    ASSENT_HTTP_ADMIN_PORT: '0',
  };
  return { ...env, ...http, ...extra };
}

/**
 * How long one CLI run may take. It starts in about 0.6 s from build/ and 2–4 s through tsx on an idle 2-core
 * machine, several times that under CI's load (two test files, browsers, PostgreSQL). A CI run once failed on a CLI
 * child that ended with no exit code and no output, most likely this kill at 30 s; `runPeer` now says when it kills.
 */
export const CLI_TIMEOUT_MS = 60_000;

export function runCli(
  cwd: string,
  args: readonly string[],
  input = '',
  env = cliEnv(),
  /** The script node runs: the installed command, or a bundle a test built. */
  bin = ASSENT_BIN,
): Promise<PeerResult> {
  return runPeer(process.execPath, [bin, ...args], input, CLI_TIMEOUT_MS, { cwd, env });
}

/** Starts `assent serve` and resolves once the "ready" log line (or a failure) is printed. */
export function startCli(
  cwd: string,
  args: readonly string[],
  env = cliEnv(),
  bin = ASSENT_BIN,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    // A server that never became ready is stopped here: the caller never gets its handle to stop it.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${out}`));
    }, CLI_TIMEOUT_MS);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('radius.listening')) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}:\n${out}`));
    });
  });
}
