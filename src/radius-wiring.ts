// Owns the RADIUS side of the server: its client table and the reloads of it, and the request processor.
import type { Logger } from 'pino';
import type { Authenticate } from './auth/authenticate.js';
import type { SignInLog } from './auth/sign-in-log.js';
import type { Config } from './config/config-schema.js';
import type { Decision } from './domain/decision.js';
import type { Metrics } from './http/metrics.js';
import type { Dictionary } from './radius/dictionary.js';
import { ClientTable } from './radius-server/client-table.js';
import { RadiusCounters } from './radius-server/counters.js';
import { RequestProcessor } from './radius-server/request-processor.js';
import { warnAboutClients, warnAboutPolicyClients } from './server-wiring.js';
import type { Stores } from './store/open-stores.js';

export interface RadiusWiringDeps {
  readonly config: Config;
  readonly stores: Stores;
  readonly logger: Logger;
  readonly dictionary: Dictionary;
  readonly authenticate: Authenticate;
  /** The sign-in history, told every final decision the processor makes. */
  readonly signIns: SignInLog;
  /** Run in order at close; the processor adds its own. */
  readonly cleanups: (() => unknown)[];
  /** The metrics, once built (after the processor); undefined before. */
  readonly metrics: () => Metrics | undefined;
}

export interface RadiusWiring {
  readonly processor: RequestProcessor;
  readonly counters: RadiusCounters;
  /** How many clients the table held at start. */
  readonly clientCount: number;
  /** Reads the client table again and swaps it in; how many clients it holds. */
  reload(): Promise<number>;
  /** `reload`, its failure logged: for the change feed, which does not wait. */
  reloadClients(): void;
}

export async function createRadiusWiring(deps: RadiusWiringDeps): Promise<RadiusWiring> {
  const { config, stores, logger, signIns } = deps;
  const counters = new RadiusCounters();
  const clients = await stores.clients.list();
  if (clients.length === 0) {
    logger.warn(
      { event: 'config.no_clients' },
      'no RADIUS clients configured: every request will be dropped',
    );
  }
  warnAboutClients(clients, logger);
  const processor = new RequestProcessor({
    clients: new ClientTable(clients),
    authenticate: deps.authenticate,
    dictionary: deps.dictionary,
    logger,
    options: config.radius,
    counters,
    // docs/push.md §7: a hold never outlives its push window (the NAS margin is inside that window).
    holds: { max: config.push.maxPending, maxHoldMs: config.push.timeoutSeconds * 1000 + 5_000 },
    onDecided: (ms) => deps.metrics()?.decisionSeconds(ms / 1000),
    // `portal.signInHistoryDays: 0`: no history, and the hot path pays not even the call.
    ...(config.portal.signInHistoryDays === 0
      ? {}
      : {
          onFinalDecision: (
            decision: Decision,
            client: string,
            station: Uint8Array | undefined,
            txn: string,
          ) => signIns.recordDecision(decision, client, station, txn),
        }),
  });
  deps.cleanups.push(() => processor.close());
  /** SIGHUP, the change log (`assent client add`) or the REST API: the client table is read again and swapped in whole. */
  const readClients = async (): Promise<number> => {
    const fresh = await stores.clients.list();
    warnAboutClients(fresh, logger);
    warnAboutPolicyClients(config, fresh, logger);
    processor.setClients(new ClientTable(fresh));
    logger.info({ event: 'radius.clients_reloaded', clients: fresh.length });
    return fresh.length;
  };
  // One read at a time: reads that overlapped could settle out of order (a store over the network) and swap an
  // older table in over a newer one.
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = (): Promise<number> => {
    const next = reloading.then(readClients);
    reloading = next.catch(() => undefined);
    return next;
  };
  const reloadClients = () => {
    reload().catch((error: unknown) => logger.error({ event: 'radius.clients_reload_failed', err: error }));
  };
  return { processor, counters, clientCount: clients.length, reload, reloadClients };
}
