// Runs a real peer program (radclient, pyrad, eapol_test, pamtester …) asynchronously, with input and a deadline.
import { type ChildProcess, spawn } from 'node:child_process';

export interface PeerResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Kills `child` after `timeoutMs`. A peer killed so prints nothing about it: `note()` is the line to add to its
 * stderr then, or a hang reads as an empty failure.
 */
function killAfter(child: ChildProcess, command: string, timeoutMs: number) {
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  return {
    clear: () => clearTimeout(timer),
    note: () => (killed ? `\n[run-peer: ${command} killed after ${timeoutMs} ms without exiting]\n` : ''),
  };
}

/**
 * Async on purpose: the server under test runs in this process, so a blocking spawnSync would stop it from
 * answering. The peer is killed after `timeoutMs`; PEERS.md: judge peers by output, not exit code.
 */
export function runPeer(
  command: string,
  args: readonly string[],
  input = '',
  timeoutMs = 15_000,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<PeerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = killAfter(child, command, timeoutMs);
    child.on('error', (error) => {
      timer.clear();
      reject(
        new Error(`cannot run ${command}: ${error.message} (is the Debian package installed? see .ci/run)`),
      );
    });
    child.on('close', (code) => {
      timer.clear();
      stderr += timer.note();
      resolve({ code, stdout, stderr });
    });
    // A peer that exits without reading its input (oathtool) closes the pipe first: EPIPE is not a failure.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** radclient with one request read from stdin; `-x` prints the reply attributes. One try, short timeout. */
export function radclient(port: number, secret: string, attributes: string, extra: readonly string[] = []) {
  return runPeer(
    'radclient',
    ['-x', '-r', '1', '-t', '1', ...extra, `127.0.0.1:${port}`, 'auth', secret],
    attributes,
  );
}

/** A peer that is answered as it asks (pamtester at a challenge): its output so far, and its keyboard. */
export interface InteractivePeer {
  /** stdout and stderr together, in arrival order. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output, or fails when the peer ends or time runs out. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Types `line` and Enter. */
  type(line: string): void;
  /** Ends the input and resolves with the peer's result (it is killed after the start's `timeoutMs`). */
  finish(): Promise<PeerResult>;
}

/** Starts `command` with a pipe for its input, to be typed into as its output asks (see {@link InteractivePeer}). */
export function startInteractivePeer(
  command: string,
  args: readonly string[],
  timeoutMs = 30_000,
): InteractivePeer {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let text = '';
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    text += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    text += d.toString();
  });
  child.stdin.on('error', () => {});
  const timer = killAfter(child, command, timeoutMs);
  const closed = new Promise<PeerResult>((resolve, reject) => {
    child.on('error', (error) => {
      timer.clear();
      reject(new Error(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code) => {
      timer.clear();
      const note = timer.note();
      stderr += note;
      text += note;
      resolve({ code, stdout, stderr });
    });
  });
  let ended = false;
  void closed.then(
    () => {
      ended = true;
    },
    () => {
      ended = true;
    },
  );
  return {
    output: () => text,
    async waitFor(pattern, wait = 15_000) {
      const deadline = Date.now() + wait;
      for (;;) {
        const match = pattern.exec(text);
        if (match !== null) return match;
        if (ended || Date.now() > deadline)
          throw new Error(`${command} never printed ${pattern}; it printed:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    type(line) {
      child.stdin.write(`${line}\n`);
    },
    finish() {
      child.stdin.end();
      return closed;
    },
  };
}
