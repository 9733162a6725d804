// Owns `npm run bench -- --postgres --two-cores`: two Assent nodes on one PostgreSQL against FreeRADIUS, each
// server given both of this machine's cores, each loaded by two generators at once.
import type { FlowLoadResult } from '../src/loadgen/flow-result.js';
import type { LoadResult } from '../src/loadgen/load-result.js';
import { pinTree, type Started, stopProcess } from './child-processes.js';
import type { LoadgenChildInput } from './loadgen-child.js';
import { answered, type LoadShape, runLoadgenChild, type ServerFigures, serverFigures } from './measure.js';
import { type FlowShape, waitForFreshStep } from './measure-flows.js';

/** Both CPUs of the 2-CPU machine the bench runs on. */
export const BOTH_CPUS = '0,1';
export const FREERADIUS_TWO_CORES = 'FreeRADIUS (2 cores)';
export const ASSENT_TWO_NODES = 'Assent ×2 (PostgreSQL, 2 cores)';

/** One server process (or two nodes) and the port each of the two generators sends to. */
export interface TwoCoreTarget {
  readonly name: string;
  /** The processes whose CPU is the server's: FreeRADIUS, or both Assent nodes. */
  readonly servers: readonly Started[];
  readonly ports: readonly [number, number];
  readonly databasePid?: number;
}

function isFlow(shape: LoadShape | FlowShape): shape is FlowShape {
  return 'flow' in shape;
}

/**
 * Runs two generators at once, both free to use both CPUs. The first samples every server process and the
 * database at the edges of its measured interval; rates add up. For TOTP flows the second starts at user N/2: in
 * one measurement neither reaches the other's users, so no user logs in twice in a step.
 */
export async function measureOnTwoCores(
  target: TwoCoreTarget,
  shape: LoadShape | FlowShape,
): Promise<ServerFigures> {
  const [first, ...more] = target.servers;
  if (first === undefined) throw new Error(`${target.name}: no server to measure`);
  const flow = isFlow(shape) ? { flow: shape.flow, keySeedHex: shape.keySeedHex } : undefined;
  const input = (port: number, firstUser: number): LoadgenChildInput => ({
    ...shape,
    port,
    serverPid: first.pid,
    moreServerPids: more.map((s) => s.pid),
    ...(target.databasePid === undefined ? {} : { databasePid: target.databasePid }),
    ...(flow === undefined ? {} : { totp: flow, firstUser }),
  });
  const [a, b] = await Promise.all([
    runLoadgenChild<LoadResult | FlowLoadResult>(input(target.ports[0], 0), BOTH_CPUS),
    runLoadgenChild<LoadResult | FlowLoadResult>(
      input(target.ports[1], Math.floor(shape.users / 2)),
      BOTH_CPUS,
    ),
  ]);
  const rate = (r: LoadResult | FlowLoadResult) =>
    'flowsPerSecond' in r ? r.flowsPerSecond : r.requestsPerSecond;
  const done = (r: LoadResult | FlowLoadResult) => ('flowsPerSecond' in r ? r.counts.completed : answered(r));
  const perSecond = rate(a.result) + rate(b.result);
  // The first generator's interval frames the CPU samples: what both served in it, at their summed rate.
  const served = perSecond * a.result.measuredSeconds;
  const figures = serverFigures({ ...first, name: target.name }, a, served, perSecond);
  const bLoadgen = b.result.loadgenCpuPercent;
  return {
    ...figures,
    p99Ms: Math.max(figures.p99Ms, b.result.latency.p99Us / 1000),
    loadgenCpuPercent: figures.loadgenCpuPercent + bLoadgen,
    otherCpuPercent: Math.max(0, figures.otherCpuPercent - bLoadgen),
    timeouts: figures.timeouts + b.result.counts.timeout,
    bad: figures.bad + b.result.counts.bad,
    answered: done(a.result) + done(b.result),
  };
}

/** What the scenario hands over: its targets' processes, and how to start and probe a second Assent node. */
export interface TwoCoreRun {
  readonly freeradius?: { readonly server: Started; readonly port: number };
  readonly assentOnPostgres?: { readonly server: Started; readonly port: number };
  readonly postgresPid: number;
  /** The CPU the servers and PostgreSQL go back to afterwards (the next scenario's pinning). */
  readonly serverCpu: string;
  /** Starts the second node on the same database and config, pinned to `cpus`, and waits until it answers. */
  startSecondNode(cpus: string): Promise<{ readonly server: Started; readonly port: number }>;
  readonly shape: LoadShape | FlowShape;
}

/**
 * FreeRADIUS re-pinned to both CPUs, then two Assent nodes (node 1 moved to CPU 0, node 2 started on CPU 1,
 * PostgreSQL moved to both); each measured by `measureOnTwoCores`. Pinning is put back before returning.
 */
export async function runTwoCores(run: TwoCoreRun): Promise<ServerFigures[]> {
  const figures: ServerFigures[] = [];
  const fresh = () => (isFlow(run.shape) ? waitForFreshStep() : Promise.resolve());
  if (run.freeradius) {
    const { server, port } = run.freeradius;
    await pinTree(server.pid, BOTH_CPUS);
    try {
      await fresh();
      figures.push(
        await measureOnTwoCores(
          { name: FREERADIUS_TWO_CORES, servers: [server], ports: [port, port] },
          run.shape,
        ),
      );
    } finally {
      await pinTree(server.pid, run.serverCpu);
    }
  }
  if (run.assentOnPostgres) {
    const one = run.assentOnPostgres;
    const two = await run.startSecondNode('1');
    try {
      await pinTree(one.server.pid, '0');
      await pinTree(run.postgresPid, BOTH_CPUS);
      await fresh();
      figures.push(
        await measureOnTwoCores(
          {
            name: ASSENT_TWO_NODES,
            servers: [one.server, two.server],
            ports: [one.port, two.port],
            databasePid: run.postgresPid,
          },
          run.shape,
        ),
      );
    } finally {
      await stopProcess(two.server);
      await pinTree(one.server.pid, run.serverCpu);
      await pinTree(run.postgresPid, run.serverCpu);
    }
  }
  return figures;
}
