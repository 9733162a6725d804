// Owns building push authentication from the configuration: keys, limits, waits, cross-node decisions and events.
import type { Logger } from 'pino';
import type { AuthenticateDeps, PushHooks } from './auth/authenticate.js';
import type { CheckCode } from './auth/check-code.js';
import type { GroupAttributes } from './auth/group-attributes.js';
import { PushLimits } from './auth/push-limits.js';
import { PushWaits } from './auth/push-waits.js';
import type { Config } from './config/config-schema.js';
import { effectivePublicUrl } from './config/public-url.js';
import type { Awaitable } from './domain/awaitable.js';
import { accept, type Decision } from './domain/decision.js';
import type { EnrollmentLinkStore } from './domain/enrollment-link-store.js';
import type { DeliveryResult } from './domain/push-delivery.js';
import type { PushDeviceStore } from './domain/push-device.js';
import type { PushLimitRecords } from './domain/push-limit-records.js';
import type { PushMutes } from './domain/push-mutes.js';
import type { PushStreaks } from './domain/push-streaks.js';
import {
  type DecisionNotices,
  type PushTransaction,
  TransactionStatus,
  type TransactionStore,
} from './domain/push-transaction.js';
import { Reason } from './domain/reason.js';
import type { ServerSecretStore } from './domain/server-secret.js';
import type { TokenStore } from './domain/token.js';
import type { DeviceRoutes } from './http/public-listener.js';
import { loadPushKeys, type PushKeys } from './push/push-keys.js';
import { createPushDelivery } from './push-delivery-wiring.js';
import { createPushRoutes } from './push-routes-wiring.js';
import { EndListeners } from './store/end-listeners.js';

/** What push needs from the rest of the server. */
export interface PushWiringDeps {
  readonly config: Config;
  /** The code check of typed codes, for FortiAuthenticator's `validate` answers. */
  readonly checkCode: CheckCode;
  readonly devices: PushDeviceStore;
  /** Where a TOTP token chosen at enrollment at login is stored once its first code verifies (issue 18). */
  readonly tokens: Pick<TokenStore, 'add'>;
  /** The links of enrollment at login (issue 18), in the database every node shares. */
  readonly enrollmentLinks: EnrollmentLinkStore;
  readonly secrets: ServerSecretStore;
  /** Push transactions: this node's memory (SQLite), or rows all nodes share (PostgreSQL). */
  readonly transactions: TransactionStore;
  /** Decisions made on other nodes (PostgreSQL); undefined on one node. */
  readonly notices: DecisionNotices | undefined;
  /** Every node's recent pushes and mutes (PostgreSQL); undefined: this node counts in memory. */
  readonly limitRecords?: PushLimitRecords | undefined;
  /** "This wasn't me" mutes in the database (both databases); absent in tests: kept in memory. */
  readonly pushMutes?: PushMutes | undefined;
  /** Number-matching streaks in the database (both databases); absent in tests: kept in memory. */
  readonly pushStreaks?: PushStreaks | undefined;
  readonly logger: Logger;
  /** Who holds an authenticator (the `+` of the challenge); refreshed when a device or token enrolls here. */
  readonly holders: { hasPush(userName: string): boolean; refresh(): void };
  readonly attributesFor: GroupAttributes;
  /** Metrics sinks (the registry is built by the caller). */
  readonly count: { delivery(result: string): void; answer(result: string): void };
}

export interface PushWiring {
  /**
   * How a waiting login ended (A7.7: denials and timeouts in a row turn number matching on for the user). Settles
   * once the streak is written (tests wait for it); a failed write is logged, never thrown.
   */
  noteDecision(decision: Decision): Awaitable<void>;
  /**
   * SECURITY A7.8: what a "this wasn't me" answer does to later pushes, for the same report made elsewhere (the
   * portal's sign-in history): pushes to `user` are muted. Returns the ISO time the mute ends.
   */
  mute(user: string, now: number): string;
  /** For createAuthenticate; undefined when `push.enabled` is off. */
  readonly hooks: PushHooks | undefined;
  /** Enrollment at login (issue 18): links for users without a second factor; undefined when push is off. */
  readonly enrollment: AuthenticateDeps['enrollment'];
  readonly waits: PushWaits;
  readonly routes: DeviceRoutes;
  readonly keys: PushKeys;
  /** `push.publicUrl`, or the one made from this host's name and the public listener's port. */
  readonly publicUrl: string;
  /** The public listener is bound: a derived reply-to address takes its real port (`http.public.port: 0`). */
  publicPortBound(port: number): void;
  /** Why Web Push delivery is not possible (no VAPID subject): those devices poll; undefined when it is. */
  readonly deliveryProblem: string | undefined;
  /** Tells `listener` every delivery's result (one listener: the REST API's pushes). */
  onDelivered(listener: (transaction: PushTransaction, result: DeliveryResult) => void): void;
  /**
   * `/readyz`: a push service refused our last delivery (400/401/403/413: the VAPID identity or the request is
   * wrong), within the last 10 minutes and with no success since; undefined otherwise.
   */
  deliveryFault(): string | undefined;
  /**
   * Calls `heard` when a notice says push `txn` may have been decided on another node, or that notices were
   * missed (it should read the row again); returns how to stop. Undefined on one node: no notices to hear.
   */
  readonly hearDecision: ((txn: string, heard: () => void) => () => void) | undefined;
  /** Starts hearing decisions made on other nodes (PostgreSQL); resolves at once on one node. */
  listen(): Promise<void>;
  close(): void;
}

/** Ended transactions are kept this long, so a late or repeated answer still gets its 200 or 409 (docs/push.md §5). */
const KEEP_DECIDED_MS = 10 * 60_000;

export async function createPushWiring(deps: PushWiringDeps): Promise<PushWiring> {
  const { config, devices, logger } = deps;
  const keys = await loadPushKeys(deps.secrets);
  const effective = effectivePublicUrl(config);
  // Read at every use (start, enroll, poll), so a derived address can learn the port bound later.
  const site = { publicUrl: effective.url };
  if (effective.derived && config.push.enabled) {
    logger.warn(
      { event: 'config.push_public_url', publicUrl: effective.url },
      'push.publicUrl is not set: devices are sent to this host name, which phones outside may not reach; ' +
        'set it to the address they use (the NAT or proxy in front of the public listener)',
    );
  }
  const transactions = deps.transactions;
  const limits = new PushLimits(config.push, {
    ...(deps.limitRecords ? { records: deps.limitRecords } : {}),
    ...(deps.pushMutes ? { mutes: deps.pushMutes } : {}),
    ...(deps.pushStreaks ? { streaks: deps.pushStreaks } : {}),
    onError: (err, user) =>
      logger.error(
        { event: 'push.mute_not_shared', user, err },
        'a mute could not be written to the database: it holds on this node only, until it ends',
      ),
    onStreakError: (err, user) =>
      logger.error(
        { event: 'push.streak_not_written', user, err },
        "a push's outcome could not be written to the user's number-matching streak (SECURITY A7.7)",
      ),
  });
  // Transactions are what shared limits count: keep them at least for the limits' window.
  const keepMs = Math.max(KEEP_DECIDED_MS, config.push.rateWindowSeconds * 1000);
  const waits = new PushWaits(transactions, (identity, txn) =>
    accept(identity.name, deps.attributesFor(identity.groups), txn, 'push'),
  );
  const delivery = createPushDelivery({
    config,
    keys,
    devices,
    transactions,
    limits,
    site,
    logger,
    countDelivery: (result) => deps.count.delivery(result),
  });
  const { routes, enrollment } = createPushRoutes({
    config,
    keys,
    sender: delivery.sender,
    site,
    devices,
    transactions,
    limits,
    waits,
    checkCode: deps.checkCode,
    tokens: deps.tokens,
    enrollmentLinks: deps.enrollmentLinks,
    holders: deps.holders,
    logger,
    countAnswer: (result) => deps.count.answer(result),
  });

  /**
   * A push this node holds requests for may have been decided on another node: read it, and settle the wait if it
   * is decided. Called for each notice, for every wait after a gap in the notices, and for a relay wait just added.
   */
  const recheck = (transactionId: string): void => {
    if (!waits.has(transactionId)) return;
    const settleIfDecided = (t: PushTransaction | undefined) => {
      if (t !== undefined && t.status !== TransactionStatus.PushSent) waits.settled(t);
    };
    try {
      const read = transactions.byId(transactionId);
      if (read instanceof Promise) {
        read.then(settleIfDecided, (err: unknown) =>
          logger.warn(
            { event: 'push.decision_read_failed', txn: transactionId, err },
            'a push decided on another node could not be read; its deadline ends the wait',
          ),
        );
      } else settleIfDecided(read);
    } catch (err) {
      logger.warn({ event: 'push.decision_read_failed', txn: transactionId, err });
    }
  };

  /** Those who wait for a push without holding a login for it (a portal long poll on another node). */
  const hearers = new EndListeners();

  // One timer for every waiting login (no timer per login): deadlines end as PUSH_TIMEOUT.
  let ticks = 0;
  const sweeper = setInterval(() => {
    const now = Date.now();
    waits.sweep(now);
    if (++ticks % 60 === 0) {
      try {
        const swept = transactions.sweep(now, keepMs);
        // A failed sweep (the database away) is tried again next minute; the rows only take space meanwhile.
        if (swept instanceof Promise) swept.catch(() => {});
      } catch {}
    }
  }, 1000);
  sweeper.unref();

  const hooks: PushHooks | undefined = config.push.enabled
    ? {
        offered: (name) => deps.holders.hasPush(name),
        start: delivery.start,
        waits,
        transactions,
        timeoutMs: config.push.timeoutSeconds * 1000,
        numberMatching: config.push.numberMatching,
        numberRequired: (name) => limits.numberRequired(name),
        // After the request is held (the decision `pending` is acted on first), in case it was decided already.
        relayed: (txn) => void setImmediate(recheck, txn),
      }
    : undefined;

  return {
    hooks,
    enrollment: config.push.enabled ? enrollment : undefined,
    waits,
    routes,
    mute: (user, now) => limits.mute(user, now),
    // SECURITY A7.7, what counts: an approval ends the streak; a denial (a wrong number is one) and a push left
    // unanswered to its deadline are misses. "This wasn't me" (it mutes instead), a typed code that ended the
    // push, and a push no device could be sent (PUSH_UNDELIVERED) leave the streak as it was.
    noteDecision: (decision) => {
      if (decision.kind === 'accept') return limits.noteOutcome(decision.user, true);
      if (decision.kind === 'reject' && decision.user !== undefined) {
        const missed = decision.reason === Reason.PushDenied || decision.reason === Reason.PushTimeout;
        if (missed) return limits.noteOutcome(decision.user, false);
      }
    },
    keys,
    get publicUrl() {
      return site.publicUrl;
    },
    publicPortBound(port) {
      if (effective.derived) site.publicUrl = effective.url.replace(/:\d+$/, `:${port}`);
    },
    deliveryProblem: delivery.sender.reaches('webpush')
      ? undefined
      : 'push.vapidSubject is empty: no Web Push delivery, browser authenticators poll (ntfy topics still get pushes)',
    deliveryFault: () => delivery.deliveryFault(),
    onDelivered: (listener) => delivery.onDelivered(listener),
    hearDecision: deps.notices === undefined ? undefined : (txn, heard) => hearers.add(txn, heard),
    listen: async () => {
      await deps.notices?.start({
        decided: (id) => {
          recheck(id);
          hearers.wake(id);
        },
        missed: () => {
          for (const id of waits.ids()) recheck(id);
          hearers.wakeAll();
        },
      });
    },
    close: () => {
      clearInterval(sweeper);
      deps.notices?.close();
    },
  };
}
