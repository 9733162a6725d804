// Owns starting the servers a scenario measures, each answering a login before it counts, and their start-up notes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVER_CPU } from './bench-args.js';
import { answering, briefly, freeUdpPort, type Started } from './child-processes.js';
import { startFreeRadius } from './freeradius-server.js';
import { ASSENT_B, ASSENT_PG } from './report.js';
import { type RunContext, startAssentFor, startAssentOnPostgres, userFiles } from './run-context.js';
import { type Scenario, usesTotp } from './scenario.js';

export interface Target {
  readonly server: Started;
  readonly port: number;
  /** PostgreSQL's postmaster when the server keeps its data there: its CPU is measured beside the server's. */
  readonly databasePid?: number;
}

/** Resident memory of a process now, in MiB (`VmRSS`); undefined when it cannot be read. */
function residentMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * Start-up as an operator sees it after a restart: from spawning the server to its first correct answer (both
 * servers read every user at start), and what it holds in memory then, also per 100,000 users.
 */
function startupNote(server: Started, users: number): string {
  const seconds = (performance.now() - server.startedAt) / 1000;
  const rss = residentMiB(server.pid);
  const memory =
    rss === undefined
      ? 'resident memory unknown'
      : `${Math.round(rss)} MiB resident (${Math.round((rss * 100_000) / users)} MiB per 100,000 users)`;
  return `${server.name} start-up: ${seconds.toFixed(1)} s to its first answered login with ${users} users, ${memory}`;
}

/**
 * Starts FreeRADIUS, Assent (and "Assent B" with `--compare-flags`) and Assent on PostgreSQL as the run asks, and
 * returns those that answered `probe`. A server that cannot start or refuses the flow is left out with a note
 * saying why, so the run goes on with the others.
 */
export async function startTargets(
  ctx: RunContext,
  scenario: Scenario,
  probe: (server: Started, port: number) => Promise<unknown>,
  notes: string[],
): Promise<Target[]> {
  const { args } = ctx;
  const totp = usesTotp(scenario);
  const users = totp ? args.totpUsers : args.users;
  const targets: Target[] = [];
  if (args.servers.freeradius) {
    const port = await freeUdpPort();
    const usersFile = userFiles(ctx, totp).freeradiusUsers;
    const setup = {
      dir: path.join(ctx.dir, `freeradius-${scenario}`),
      port,
      secret: ctx.secret,
      usersFile,
      scenario,
    };
    const server = await startFreeRadius(setup, SERVER_CPU);
    await probe(server, port);
    notes.push(startupNote(server, users));
    targets.push({ server, port });
    process.stderr.write(`bench: FreeRADIUS ${ctx.frVersion} pid ${server.pid} on 127.0.0.1:${port}\n`);
  }
  if (args.servers.assent) {
    // When Assent cannot start or refuses the flow, the run goes on with FreeRADIUS alone and says why.
    try {
      const port = await freeUdpPort();
      const server = await answering(await startAssentFor(ctx, scenario, port), port, probe);
      notes.push(startupNote(server, users));
      targets.push({ server, port });
      process.stderr.write(`bench: Assent pid ${server.pid} on 127.0.0.1:${port}\n`);
      if (args.compareFlags) {
        const portB = await freeUdpPort();
        const serverB = await answering(
          await startAssentFor(ctx, scenario, portB, args.compareFlags),
          portB,
          probe,
        );
        targets.push({ server: serverB, port: portB });
        process.stderr.write(
          `bench: ${ASSENT_B} (${args.compareFlags.join(' ')}) pid ${serverB.pid} on 127.0.0.1:${portB}\n`,
        );
      }
    } catch (error) {
      notes.push(`Assent not measured: ${briefly(error)}`);
      process.stderr.write(`bench: Assent not measured: ${(error as Error).message}\n`);
    }
  }
  if (ctx.postgres) {
    try {
      const port = await freeUdpPort();
      const server = await answering(
        await startAssentOnPostgres(ctx, ctx.postgres, scenario, port),
        port,
        probe,
      );
      notes.push(startupNote(server, users));
      targets.push({ server, port, databasePid: ctx.postgres.pid });
      process.stderr.write(
        `bench: ${ASSENT_PG} pid ${server.pid} on 127.0.0.1:${port}, PostgreSQL pid ${ctx.postgres.pid}\n`,
      );
    } catch (error) {
      notes.push(`${ASSENT_PG} not measured: ${briefly(error)}`);
      process.stderr.write(`bench: ${ASSENT_PG} not measured: ${(error as Error).message}\n`);
    }
  }
  return targets;
}
