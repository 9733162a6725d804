// Owns building push authentication from the configuration: keys, stores, limits, use cases, delivery and events.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Logger } from 'pino';
import { type AnswerEvents, createAnswerPush } from './auth/answer-push.js';
import { createFortiAnswer } from './auth/answer-push-fac.js';
import type { AuthenticateDeps, PushHooks } from './auth/authenticate.js';
import type { CheckCode } from './auth/check-code.js';
import { createEnrollAtLogin } from './auth/enroll-at-login.js';
import { createActivateDevice } from './auth/enroll-device.js';
import { EnrollmentCodes } from './auth/enrollment-codes.js';
import type { GroupAttributes } from './auth/group-attributes.js';
import { createPollPushes } from './auth/poll-pushes.js';
import { PushLimits } from './auth/push-limits.js';
import { PushWaits } from './auth/push-waits.js';
import { createStartPush } from './auth/start-push.js';
import type { Config } from './config/config-schema.js';
import { effectivePublicUrl } from './config/public-url.js';
import { accept, type Decision } from './domain/decision.js';
import type { DeliveryResult, PushSender } from './domain/push-delivery.js';
import type { PushDeviceStore } from './domain/push-device.js';
import type { PushLimitRecords } from './domain/push-limit-records.js';
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
import { createWebPushSender } from './push/web-push-sender.js';

/** What push needs from the rest of the server. */
export interface PushWiringDeps {
  readonly config: Config;
  /** The code check of typed codes, for FortiAuthenticator's `validate` answers. */
  readonly checkCode: CheckCode;
  readonly devices: PushDeviceStore;
  /** Where a TOTP token chosen at enrollment at login is stored once its first code verifies (issue 18). */
  readonly tokens: Pick<TokenStore, 'add'>;
  readonly secrets: ServerSecretStore;
  /** Push transactions: this node's memory (SQLite), or rows all nodes share (PostgreSQL). */
  readonly transactions: TransactionStore;
  /** Decisions made on other nodes (PostgreSQL); undefined on one node. */
  readonly notices: DecisionNotices | undefined;
  /** Every node's recent pushes and mutes (PostgreSQL); undefined: this node counts in memory. */
  readonly limitRecords?: PushLimitRecords | undefined;
  readonly logger: Logger;
  /** Who holds an authenticator (the `+` of the challenge); refreshed when a device or token enrolls here. */
  readonly holders: { hasPush(userName: string): boolean; refresh(): void };
  readonly attributesFor: GroupAttributes;
  /** Metrics sinks (the registry is built by the caller). */
  readonly count: { delivery(result: string): void; answer(result: string): void };
}

export interface PushWiring {
  /** How a waiting login ended (A7.7: denials and timeouts in a row turn number matching on for the user). */
  noteDecision(decision: Decision): void;
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
  /** Starts hearing decisions made on other nodes (PostgreSQL); resolves at once on one node. */
  listen(): Promise<void>;
  close(): void;
}

/** Ended transactions are kept this long, so a late or repeated answer still gets its 200 or 409 (docs/push.md §5). */
const KEEP_DECIDED_MS = 10 * 60_000;

/** RFC 8292 §2.1: `sub` is a contact; Apple refuses placeholders (`.invalid`, `localhost`). */
export function pushConfigProblems(config: Config): string[] {
  const subject = config.push.vapidSubject;
  if (subject === '') return [];
  const ok = /^(mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https:\/\/[^\s/]+\.[^\s/]+(\/\S*)?)$/.test(subject);
  if (!ok || /localhost|\.invalid\b|\.example\b|\.test\b/i.test(subject)) {
    return [
      `push.vapidSubject: expected a real mailto: or https: contact (push services refuse placeholders), got "${subject}"`,
    ];
  }
  return [];
}

/**
 * One sender for every push service: Web Push only with a VAPID subject (RFC 8292 §2.1: browsers' services refuse
 * anonymous messages); ntfy topics always, as ntfy does not implement VAPID (docs/push.md §6).
 */
function senderFor(config: Config, keys: PushKeys): PushSender {
  const subject = config.push.vapidSubject;
  const ca = config.push.serviceCaFile;
  const agent =
    ca === ''
      ? undefined
      : new Agent({ ca: [...rootCertificates, readFileSync(ca, 'utf8')], keepAlive: true });
  return createWebPushSender({
    ...(subject === '' ? {} : { vapid: { subject, ...keys.vapid } }),
    ...(agent === undefined ? {} : { agent }),
  });
}

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
  const limits = new PushLimits(config.push, deps.limitRecords, (err, user) =>
    logger.error(
      { event: 'push.mute_not_shared', user, err },
      'a mute could not be written to the database: it holds on this node only',
    ),
  );
  // Transactions are what shared limits count: keep them at least for the limits' window.
  const keepMs = Math.max(KEEP_DECIDED_MS, config.push.rateWindowSeconds * 1000);
  const waits = new PushWaits(transactions, (identity, txn) =>
    accept(identity.name, deps.attributesFor(identity.groups), txn, 'push'),
  );
  const sender = senderFor(config, keys);
  let refusedDelivery: { at: number; text: string } | undefined;
  // The REST API's pushes learn each delivery's result from here (set once the API is built).
  let deliveredListener: (t: PushTransaction, result: DeliveryResult) => void = () => {};

  const start = createStartPush({
    devices,
    transactions,
    limits,
    settings: site,
    serverKey: keys.signingKey,
    sender,
    events: {
      started: (t, count) =>
        logger.info(
          { event: 'push.started', txn: t.id, user: t.userName, client: t.clientName, devices: count },
          'push started',
        ),
      sent: (t, device, result) => {
        deps.count.delivery(result.kind);
        deliveredListener(t, result);
        if (result.kind === 'sent') refusedDelivery = undefined;
        if (result.kind === 'rejected') {
          refusedDelivery = { at: Date.now(), text: `a push service refused delivery with ${result.status}` };
        }
        const line = {
          event: 'push.sent',
          txn: t.id,
          user: t.userName,
          device: device.id,
          delivery: device.delivery.kind,
          result: result.kind,
          status: 'status' in result ? result.status : undefined,
          detail: 'detail' in result ? result.detail : undefined,
        };
        if (result.kind === 'sent') logger.info(line, 'push delivered to the push service');
        else logger.warn(line, 'push delivery failed');
      },
    },
  });

  const answerEvents: AnswerEvents = {
    refused: (check, src, sessionId, txn) => {
      deps.count.answer('refused');
      logger.warn({ event: 'push.answer_refused', check, src, txn, session: sessionId?.slice(0, 8) });
    },
    decided: (t, src) => {
      deps.count.answer(t.status);
      logger.info(
        { event: 'push.decided', txn: t.id, user: t.userName, status: t.status, device: t.decidedBy, src },
        'push answered',
      );
      waits.settled(t);
    },
    notMe: (t, device, mutedUntil) =>
      logger.warn(
        { event: 'audit.push_not_me', txn: t.id, user: t.userName, device, mutedUntil },
        'user reported a push they did not start; pushes to them are muted',
      ),
  };
  const answer = createAnswerPush({ devices, transactions, limits, events: answerEvents });
  const fortiAnswer = createFortiAnswer({
    mode: config.push.fortiAnswers,
    devices,
    transactions,
    limits,
    checkCode: deps.checkCode,
    events: answerEvents,
  });

  const activate = createActivateDevice(
    devices,
    {
      get publicUrl() {
        return site.publicUrl;
      },
      serverName: config.push.serverName,
      serverKey: keys.signingPublic,
      vapidPublicKey: sender.reaches('webpush') ? keys.vapid.publicKey : '',
    },
    {
      refused: (check, src) => logger.warn({ event: 'push.enroll_refused', check, src }),
      enrolled: (user, device, delivery, src) => {
        deps.holders.refresh();
        logger.info({ event: 'push.enrolled', user, device, delivery, src }, 'authenticator enrolled');
      },
    },
  );

  // Issue 18: enrollment at login. The link's page offers the web authenticator (an activation) or a TOTP key that
  // is stored once its first code verifies at the NAS.
  const enrollment = createEnrollAtLogin({
    codes: new EnrollmentCodes(config.secondFactor.enrollmentCodeMinutes * 60_000),
    devices,
    tokens: deps.tokens,
    settings: {
      get publicUrl() {
        return site.publicUrl;
      },
      issuer: config.push.serverName,
      totpWindow: config.secondFactor.totpWindow,
    },
    events: {
      sent: (e, client, src) =>
        logger.info(
          { event: 'audit.enrollment_at_login', txn: e.transactionId, user: e.userName, client, src },
          'enrollment link sent in the challenge',
        ),
      limited: (user, txn, client, src, reason) =>
        logger.warn({ event: 'enroll.refused', txn, user, client, src, reason }),
      refused: (src) => logger.warn({ event: 'enroll.link_refused', src }),
      opened: (e, src) =>
        logger.info(
          { event: 'enroll.link_opened', txn: e.transactionId, user: e.userName, src },
          'enrollment link opened',
        ),
      chosen: (e, choice, src) =>
        logger.info(
          { event: 'enroll.link_chosen', txn: e.transactionId, user: e.userName, choice, src },
          choice === 'phone' ? 'web authenticator chosen' : 'TOTP key shown, pending its first code',
        ),
      totpEnrolled: (e, serial, client) => {
        deps.holders.refresh();
        logger.info(
          { event: 'audit.enrollment_totp', txn: e.transactionId, user: e.userName, serial, client },
          'TOTP token enrolled at login by its first code',
        );
      },
    },
  });

  const poll = createPollPushes({
    devices,
    transactions,
    get publicUrl() {
      return site.publicUrl;
    },
    serverKey: keys.signingKey,
    refused: (check, src) => logger.warn({ event: 'push.poll_refused', check, src }),
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
        start,
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
    routes: {
      activate,
      answer,
      poll,
      fortiAnswer,
      enrollment,
      // The web authenticator subscribes with the VAPID key before it enrolls (docs/authenticator.md).
      webHints: () => ({
        serverName: config.push.serverName,
        vapidPublicKey: sender.reaches('webpush') ? keys.vapid.publicKey : '',
      }),
    },
    mute: (user, now) => limits.mute(user, now),
    noteDecision: (decision) => {
      if (decision.kind === 'accept') limits.noteOutcome(decision.user, true);
      else if (decision.kind === 'reject' && decision.user !== undefined) {
        const missed = decision.reason === Reason.PushDenied || decision.reason === Reason.PushTimeout;
        if (missed) limits.noteOutcome(decision.user, false);
      }
    },
    keys,
    get publicUrl() {
      return site.publicUrl;
    },
    publicPortBound(port) {
      if (effective.derived) site.publicUrl = effective.url.replace(/:\d+$/, `:${port}`);
    },
    deliveryProblem: sender.reaches('webpush')
      ? undefined
      : 'push.vapidSubject is empty: no Web Push delivery, browser authenticators poll (ntfy topics still get pushes)',
    deliveryFault: () =>
      refusedDelivery !== undefined && Date.now() - refusedDelivery.at < 10 * 60_000
        ? refusedDelivery.text
        : undefined,
    onDelivered: (listener) => {
      deliveredListener = listener;
    },
    listen: async () => {
      await deps.notices?.start({
        decided: recheck,
        missed: () => {
          for (const id of waits.ids()) recheck(id);
        },
      });
    },
    close: () => {
      clearInterval(sweeper);
      deps.notices?.close();
    },
  };
}
