// Owns the Assent side of the benchmark: a throw-away data dir, the same users and client, and the process.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { addBenchTokens } from './assent-tokens.js';
import { runToEnd, type Started, startPinned } from './child-processes.js';

/** The repository root: Assent is run exactly as `npm start` runs it (the same command and node flags). */
const REPO = path.resolve(import.meta.dirname, '..');
export const SERVE_NODE_FLAGS = ['--single-threaded-gc', '--min-semi-space-size=16'] as const;
// The installed command, as `npm start` runs it (`npm run bench` builds it first when the sources changed).
const CLI = [path.join(REPO, 'bin/assent.js')];

export interface AssentSetup {
  readonly dir: string;
  readonly port: number;
  readonly secret: string;
  readonly usersCsv: string;
  /** Assent's `secondFactor.mode` (default: the config default, `challenge`; pap users hold no token). */
  readonly secondFactorMode?: 'challenge' | 'concat';
  /** TCP port of the admin listener (the REST API's measurement needs to know it); default any free one. */
  readonly adminPort?: number;
  /** Give users 0…users-1 a TOTP token whose key derives from `seed` (bench/assent-tokens.ts). */
  readonly totp?: { readonly seed: Uint8Array; readonly users: number };
  /** `storage.url`: the data lives in this PostgreSQL database instead of SQLite (`--postgres`). */
  readonly storageUrl?: string;
}

/**
 * The config for the run. `passwords.upgradeLegacyHashes: false` keeps every login on the imported salted
 * SHA-256 hash, the same check FreeRADIUS does; with the default (true) the first login of each user would
 * re-hash to argon2id and the benchmark would measure argon2id instead. Per-login records are off on both sides,
 * as FreeRADIUS's default configuration keeps none: log level warn (no decision lines) and no sign-in history
 * (`portal.signInHistoryDays: 0`); what the history costs is measured by an A/B (docs/performance.md). With
 * `storageUrl` (`--postgres`), `storage.url` puts the data in that PostgreSQL database; the data dir then holds
 * little more than the key file.
 */
function configYaml(s: AssentSetup): string {
  return `# Written by bench/run.ts; see docs/performance.md.
dataDir: ${JSON.stringify(path.join(s.dir, 'data'))}
radius:
  bind: ['127.0.0.1']
  authPort: ${s.port}
  accountingPort: null
# The HTTP listeners run as in production, on any free loopback port (two servers may run side by side).
http:
  public: { bind: 127.0.0.1, port: 0 }
  # The REST API measurement sends thousands of calls a second from one address: no per-address limit here.
  admin: { bind: 127.0.0.1, port: ${s.adminPort ?? 0}, rateLimitPerSecond: 100000 }
passwords:
  upgradeLegacyHashes: false
log:
  level: warn
portal:
  signInHistoryDays: 0
${s.storageUrl === undefined ? '' : `storage:\n  url: ${JSON.stringify(s.storageUrl)}\n`}${
  s.secondFactorMode === undefined
    ? ''
    : `secondFactor:
  mode: ${s.secondFactorMode}
  totpWindow: 1
`
}`;
}

/**
 * Writes (or rewrites, e.g. for another second-factor mode on the same data) the config; returns its path. Another
 * `fileName` gives a second node of the same data its own config (`--two-cores`).
 */
export function writeAssentConfig(setup: AssentSetup, fileName = 'assent.yaml'): string {
  mkdirSync(setup.dir, { recursive: true });
  const configFile = path.join(setup.dir, fileName);
  writeFileSync(configFile, configYaml(setup), { mode: 0o600 });
  return configFile;
}

async function cli(configFile: string, args: readonly string[], step: string): Promise<void> {
  const result = await runToEnd(process.execPath, [...CLI, '-c', configFile, ...args], { cwd: REPO });
  if (result.code !== 0)
    throw new Error(`assent ${step} failed (exit ${result.code}):\n${result.output.slice(-4000)}`);
}

/**
 * Prepares Assent's data through its own CLI (init, client, user import), then the TOTP tokens through its
 * store. `init` registers 127.0.0.1 as client "localhost" with a random secret; it is replaced by one with
 * the benchmark's secret, the one FreeRADIUS has.
 * @returns the config file
 * @throws Error with the CLI's output when a step fails
 */
export async function prepareAssent(setup: AssentSetup): Promise<string> {
  const configFile = writeAssentConfig(setup);
  await cli(configFile, ['init'], 'init');
  await cli(configFile, ['client', 'remove', 'localhost'], 'client remove');
  await cli(
    configFile,
    ['client', 'add', '--name', 'bench', '--address', '127.0.0.1', '--secret', setup.secret],
    'client add',
  );
  await cli(configFile, ['user', 'import', setup.usersCsv, '--format', 'csv'], 'user import');
  if (setup.totp) await addBenchTokens(configFile, setup.totp.users, setup.totp.seed);
  return configFile;
}

/**
 * Starts `assent serve` on prepared data, pinned to `cpus`. `variant` names a second server of the same run
 * ("Assent B") and the node flags it adds.
 */
export function serveAssent(
  configFile: string,
  cpus: string,
  variant?: { readonly name: string; readonly nodeFlags: readonly string[] },
): Started {
  return startPinned(
    variant?.name ?? 'Assent',
    cpus,
    process.execPath,
    // BENCH_SERVER_NODE_FLAGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to the server's node only.
    [
      ...(process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      ...SERVE_NODE_FLAGS,
      ...(variant?.nodeFlags ?? []),
      ...CLI,
      '-c',
      configFile,
      'serve',
      '--no-init',
    ],
    REPO,
  );
}

/** `prepareAssent`, then `serveAssent`. */
export async function startAssent(setup: AssentSetup, cpus: string): Promise<Started> {
  return serveAssent(await prepareAssent(setup), cpus);
}
