// Owns `npm run bench`: FreeRADIUS and Assent on the same users, one core each, the same generator, one run.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatApiAuth, measureApiAuth } from './api-auth.js';
import { measureArgon2id } from './argon2-throughput.js';
import { parseBenchArgs, SERVER_CPU } from './bench-args.js';
import { addCleanup, briefly, freeUdpPort, keepOutputIn, stopAll } from './child-processes.js';
import { freeRadiusVersion } from './freeradius-server.js';
import { type BenchPostgres, reportStatements, startBenchPostgres } from './postgres-server.js';
import { machineInfo, quiet } from './proc-stat.js';
import { formatMarkdown, formatText, type Report } from './report.js';
import { type RunContext, userFiles } from './run-context.js';
import { runScenario } from './run-scenario.js';

async function main(): Promise<void> {
  const args = parseBenchArgs();
  if (os.availableParallelism() < 2)
    throw new Error('the benchmark needs 2 CPUs: one for the servers, one for the generator');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'assent-bench-'));
  if (args.keep) keepOutputIn(dir);
  const removeDir = () => {
    if (args.keep) process.stderr.write(`bench: kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  };
  addCleanup(removeDir);
  let postgres: BenchPostgres | undefined;
  const postgresData = new Map<'pap' | 'totp', string>();
  try {
    if (args.postgres) {
      postgres = await startBenchPostgres(SERVER_CPU);
      process.stderr.write(`bench: PostgreSQL pid ${postgres.pid}, pinned to CPU ${SERVER_CPU}\n`);
    }
    const ctx: RunContext = {
      args,
      machine: machineInfo(),
      frVersion: await freeRadiusVersion(),
      dir,
      secret: randomBytes(12).toString('base64url'),
      totpSeed: randomBytes(32),
      ...(postgres ? { postgres } : {}),
      postgresData,
    };
    // With --keep, the kept data stays usable: the shared secret and the TOTP key seed let a generator
    // (bench/loadgen-child.ts) log in its users again.
    if (args.keep)
      writeFileSync(
        path.join(dir, 'run-secrets.json'),
        `${JSON.stringify({ secret: ctx.secret, totpSeedHex: Buffer.from(ctx.totpSeed).toString('hex') })}\n`,
        { mode: 0o600 },
      );
    const reports: Report[] = [];
    for (const scenario of args.scenarios) reports.push(await runScenario(ctx, scenario));
    let apiBlock: string | undefined;
    if (
      args.api &&
      args.servers.assent &&
      ctx.assentTotpPrepared &&
      args.scenarios.includes('pap-totp-suffix')
    ) {
      await quiet(args.quietWait);
      process.stderr.write('bench: REST API, POST /api/v1/auth/\n');
      try {
        const api = await measureApiAuth({
          dataDir: path.join(ctx.dir, 'assent-totp'),
          radiusPort: await freeUdpPort(),
          secret: ctx.secret,
          usersCsv: userFiles(ctx, true).assentCsv,
          totpSeed: ctx.totpSeed,
          users: args.totpUsers,
          window: args.apiWindow,
          warmupSeconds: args.warmup,
          durationSeconds: args.totpDuration,
        });
        const suffix = reports.find((r) => r.scenario.startsWith('pap-totp-suffix'));
        const radius = suffix?.rows.find((r) => r.server === 'Assent');
        apiBlock = formatApiAuth(api, radius, args.apiWindow);
      } catch (error) {
        apiBlock = `REST API not measured: ${briefly(error)}`;
      }
    }
    if (args.argon2) {
      await quiet(args.quietWait);
      const last = reports.pop();
      if (last) reports.push({ ...last, argon2: await measureArgon2id(3) });
    }
    for (const report of reports) {
      process.stdout.write(`\n${formatText(report)}\n`);
      if (args.markdown) process.stdout.write(`\n${formatMarkdown(report)}\n`);
    }
    if (apiBlock !== undefined) process.stdout.write(`\n${apiBlock}\n`);
  } finally {
    for (const url of postgresData.values()) await reportStatements(url).catch(() => {});
    await stopAll();
    await postgres?.stop();
    removeDir();
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
