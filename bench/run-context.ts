// Owns what every scenario of one bench run shares, and starting Assent (SQLite, "Assent B", PostgreSQL) on it.
import { cpSync } from 'node:fs';
import path from 'node:path';
import { type AssentSetup, prepareAssent, serveAssent, writeAssentConfig } from './assent-server.js';
import { type BenchArgs, SERVER_CPU } from './bench-args.js';
import { type BenchUserFiles, writeBenchUsers } from './bench-users.js';
import type { Started } from './child-processes.js';
import { analyzeDatabase, type BenchPostgres } from './postgres-server.js';
import type { MachineInfo } from './proc-stat.js';
import { ASSENT_B, ASSENT_PG } from './report.js';
import { type Scenario, usesTotp } from './scenario.js';

/** What every scenario of one run shares: the temp dir, the secret, the TOTP seed, files written once. */
export interface RunContext {
  readonly args: BenchArgs;
  readonly machine: MachineInfo;
  readonly frVersion: string;
  readonly dir: string;
  readonly secret: string;
  readonly totpSeed: Uint8Array;
  papFiles?: BenchUserFiles;
  totpFiles?: BenchUserFiles;
  /** Assent's data with the TOTP users and tokens, prepared once for both TOTP scenarios. */
  assentTotpPrepared?: boolean;
  /** `--postgres`: the run's PostgreSQL, and per data set ('pap', 'totp') the URL of its prepared database. */
  readonly postgres?: BenchPostgres;
  readonly postgresData: Map<'pap' | 'totp', string>;
}

export function userFiles(ctx: RunContext, totp: boolean): BenchUserFiles {
  const existing = totp ? ctx.totpFiles : ctx.papFiles;
  if (existing) return existing;
  const count = totp ? ctx.args.totpUsers : ctx.args.users;
  const name = totp ? 'totp-users' : 'users';
  const files = writeBenchUsers(
    count,
    path.join(ctx.dir, name),
    path.join(ctx.dir, `${name}.csv`),
    totp ? ctx.totpSeed : undefined,
  );
  process.stderr.write(`bench: ${count} users${totp ? ' with TOTP keys' : ''} in ${ctx.dir}\n`);
  if (totp) ctx.totpFiles = files;
  else ctx.papFiles = files;
  return files;
}

/**
 * Starts Assent for the scenario; the TOTP scenarios share one prepared data dir, each with its own mode. With
 * `variant` (`--compare-flags`), starts "Assent B" on the copy of that data made right after it was prepared.
 */
export async function startAssentFor(
  ctx: RunContext,
  scenario: Scenario,
  port: number,
  variant?: readonly string[],
): Promise<Started> {
  const totp = usesTotp(scenario);
  const prepared = path.join(ctx.dir, totp ? 'assent-totp' : 'assent');
  const setup = assentSetup(ctx, scenario, port, variant ? `${prepared}-b` : prepared);
  if (variant)
    return serveAssent(writeAssentConfig(setup), SERVER_CPU, { name: ASSENT_B, nodeFlags: variant });
  if (totp && ctx.assentTotpPrepared) return serveAssent(writeAssentConfig(setup), SERVER_CPU);
  const configFile = await prepareAssent(setup);
  if (totp) ctx.assentTotpPrepared = true;
  // Assent B's copy is taken before Assent A changes anything (the database is closed between CLI runs).
  if (ctx.args.compareFlags) cpSync(prepared, `${prepared}-b`, { recursive: true });
  return serveAssent(configFile, SERVER_CPU);
}

/** Assent's setup for the scenario in `dir`: the run's users, secret and (TOTP scenarios) mode and tokens. */
function assentSetup(ctx: RunContext, scenario: Scenario, port: number, dir: string): AssentSetup {
  const totp = usesTotp(scenario);
  return {
    dir,
    port,
    secret: ctx.secret,
    usersCsv: userFiles(ctx, totp).assentCsv,
    ...(totp
      ? {
          secondFactorMode: scenario === 'challenge-totp' ? ('challenge' as const) : ('concat' as const),
          totp: { seed: ctx.totpSeed, users: ctx.args.totpUsers },
        }
      : {}),
  };
}

/** Assent on PostgreSQL: the data dir holds only the key file (the data is in the database). */
export const postgresSetup = (ctx: RunContext, scenario: Scenario, port: number): AssentSetup =>
  assentSetup(ctx, scenario, port, path.join(ctx.dir, usesTotp(scenario) ? 'assent-totp-pg' : 'assent-pg'));

/**
 * Starts "Assent (PostgreSQL)" for the scenario: the same users, client and tokens as the SQLite Assent, in a
 * database of the run's PostgreSQL (one for pap, one shared by both TOTP scenarios), prepared through the same
 * CLI and store calls with `storage.url` in the config, then analysed. Its data dir holds only the key file.
 */
export async function startAssentOnPostgres(
  ctx: RunContext,
  postgres: BenchPostgres,
  scenario: Scenario,
  port: number,
) {
  const totp = usesTotp(scenario);
  const data = totp ? 'totp' : 'pap';
  const setup = postgresSetup(ctx, scenario, port);
  const variant = { name: ASSENT_PG, nodeFlags: [] };
  const prepared = ctx.postgresData.get(data);
  if (prepared !== undefined)
    return serveAssent(writeAssentConfig({ ...setup, storageUrl: prepared }), SERVER_CPU, variant);
  const storageUrl = await postgres.createDatabase(`assent_${data}`);
  const started = performance.now();
  const configFile = await prepareAssent({ ...setup, storageUrl });
  await analyzeDatabase(storageUrl);
  process.stderr.write(
    `bench: ${ASSENT_PG} data (${data}) prepared in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  ctx.postgresData.set(data, storageUrl);
  return serveAssent(configFile, SERVER_CPU, variant);
}
