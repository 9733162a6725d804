// Owns `assent bench radius`: the closed-loop RADIUS load generator, for load-testing a local deployment.
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { formatLoadResult, type LoadResult } from '../../loadgen/load-result.js';
import { LoadgenError } from '../../loadgen/loadgen-error.js';
import { runRadiusLoad } from '../../loadgen/run-radius-load.js';
import { CliError, ExitCode } from '../cli-error.js';

interface BenchRadiusOptions {
  host: string;
  port: number;
  secret?: string;
  secretFile?: string;
  users: number;
  userFormat: string;
  passwordFormat: string;
  window: number;
  sockets: number;
  duration: number;
  warmup: number;
  maxRequests: number;
  messageAuthenticator: boolean;
  requireReplyMessageAuthenticator?: boolean;
  timeout: number;
  retries: number;
  json?: boolean;
}

function integer(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a whole number');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected seconds, e.g. 10 or 0.5');
  return n;
}

function readSecret(options: BenchRadiusOptions): string {
  if (options.secret !== undefined && options.secretFile !== undefined) {
    throw new CliError('give --secret or --secret-file, not both', ExitCode.Usage);
  }
  if (options.secretFile !== undefined) {
    try {
      // The first line, so a file written by `echo` works.
      return readFileSync(options.secretFile, 'utf8').split(/\r?\n/)[0] ?? '';
    } catch (error) {
      throw new CliError(
        `cannot read ${options.secretFile}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
  }
  if (options.secret !== undefined) return options.secret;
  throw new CliError('the shared secret is required: --secret or --secret-file', ExitCode.Usage);
}

/** Why the run should not count as a success, or undefined when it should. */
function verdict(result: LoadResult): string | undefined {
  const c = result.counts;
  if (c.bad > 0) {
    return `${c.bad} repl${c.bad === 1 ? 'y' : 'ies'} did not verify: wrong shared secret, or a server answering with another`;
  }
  if (c.accept + c.reject + c.challenge + c.other === 0) {
    return 'no verified replies: does a server listen on that port, with this client and secret registered?';
  }
  return undefined;
}

/** Adds `bench radius` to the program. */
export function registerBenchCommand(program: Command): void {
  const bench = program.command('bench').description('load-test a RADIUS server on this machine');
  bench
    .command('radius')
    .description('closed-loop Access-Request load against a RADIUS server on the loopback interface')
    .option('--host <address>', 'target address: 127.0.0.0/8 or ::1 only', '127.0.0.1')
    .option('--port <port>', 'target UDP port', integer, 1812)
    .option('--secret <secret>', 'shared secret (visible in the process list; prefer --secret-file)')
    .option('--secret-file <file>', 'read the shared secret from the first line of a file')
    .option('--users <n>', 'number of distinct users, taken in turn', integer, 1)
    .option('--user-format <pattern>', 'user name; %d is replaced by the user index 0…n-1', 'user%d')
    .option('--password-format <pattern>', 'password; %d is replaced by the user index', 'pw%d')
    .option('-W, --window <n>', 'requests in flight at once (at most 256 per socket)', integer, 64)
    .option('-S, --sockets <n>', 'UDP sockets (source ports) to spread the window over', integer, 8)
    .option('--duration <seconds>', 'measured time after the warm-up (at most 600)', seconds, 10)
    .option('--warmup <seconds>', 'load before measuring starts (at most 60)', seconds, 1)
    .option('--max-requests <n>', 'stop after this many requests, warm-up included', integer, 10_000_000)
    .option('--no-message-authenticator', 'send Access-Requests without Message-Authenticator')
    .option('--require-reply-message-authenticator', 'count replies without Message-Authenticator as bad')
    .option('--timeout <ms>', 'wait this long for a reply before retransmitting or giving up', integer, 1000)
    .option('--retries <n>', 'retransmissions of an unanswered request (same packet)', integer, 0)
    .option('--json', 'print the result as one JSON object')
    .addHelpText(
      'after',
      `
How it works:
  A closed loop: --window Access-Requests are always in flight, spread over --sockets source
  ports; each reply immediately frees its slot for the next request. Users are taken in turn:
  user i is --user-format with %d = i, and sends --password-format with %d = i as a PAP
  User-Password, with a Message-Authenticator unless --no-message-authenticator. Every request
  gets a fresh random Request Authenticator, so a duplicate cache never answers it from an old
  reply. Every reply is verified (Response Authenticator, and Message-Authenticator when
  present); one that does not verify is counted as bad and never as an answer.

  The run is bounded twice: by --warmup + --duration seconds and by --max-requests. Only
  replies inside the measured interval (after the warm-up) are counted.

Safety:
  Only 127.0.0.0/8 and ::1 are accepted as targets, without exception: this tool is for
  measuring a server on this machine, not for flooding one on the network. To load-test a
  production host, run this command on that host.

Output:
  requests/s (verified replies per second), accept/reject/challenge/other, timeouts, bad and
  stray replies, latency percentiles from first send to verified reply, and this process's
  own CPU use. Above ~80 % of one core the generator, not the server, is the limit: pin it
  and the server to different cores (taskset) and compare servers in the same run.

Exit codes: 0 replies verified, 1 bad replies or no replies at all, 2 usage error.

Examples:
  assent bench radius --secret-file secret.txt --users 10000 --user-format 'bench%d' \\
      --password-format 'pw%d' --duration 10
  taskset -c 0 assent bench radius --port 11812 --secret testing123 -W 128 -S 16 --json
  assent bench radius --host ::1 --secret-file secret.txt --max-requests 1000 --warmup 0`,
    )
    .action(async (options: BenchRadiusOptions) => {
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let result: LoadResult;
      try {
        result = await runRadiusLoad({
          host: options.host,
          port: options.port,
          secret: readSecret(options),
          users: options.users,
          userFormat: options.userFormat,
          passwordFormat: options.passwordFormat,
          window: options.window,
          sockets: options.sockets,
          durationSeconds: options.duration,
          warmupSeconds: options.warmup,
          maxRequests: options.maxRequests,
          messageAuthenticator: options.messageAuthenticator,
          requireReplyMessageAuthenticator: options.requireReplyMessageAuthenticator === true,
          timeoutMs: options.timeout,
          retries: options.retries,
          signal: abort.signal,
        });
      } catch (error) {
        if (error instanceof LoadgenError) {
          throw new CliError(
            `bench radius: ${error.message}`,
            error.code === 'LOADGEN_INVALID_OPTIONS' ? ExitCode.Usage : ExitCode.Failed,
          );
        }
        throw error;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${formatLoadResult(result)}\n`);
      const problem = verdict(result);
      if (problem !== undefined) throw new CliError(`bench radius: ${problem}`, ExitCode.Failed);
    });
}
