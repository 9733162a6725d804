// Owns what devices and enrolling users call on the public listener: activation, answers, polling, enrollment links.
import type { Logger } from 'pino';
import { type AnswerEvents, createAnswerPush } from './auth/answer-push.js';
import { createFortiAnswer } from './auth/answer-push-fac.js';
import type { CheckCode } from './auth/check-code.js';
import { createEnrollAtLogin, type EnrollAtLogin } from './auth/enroll-at-login.js';
import { createActivateDevice } from './auth/enroll-device.js';
import { EnrollmentCodes } from './auth/enrollment-codes.js';
import { createPollPushes } from './auth/poll-pushes.js';
import type { PushLimits } from './auth/push-limits.js';
import type { PushWaits } from './auth/push-waits.js';
import type { Config } from './config/config-schema.js';
import type { EnrollmentLinkStore } from './domain/enrollment-link-store.js';
import type { PushSender } from './domain/push-delivery.js';
import type { PushDeviceStore } from './domain/push-device.js';
import type { TransactionStore } from './domain/push-transaction.js';
import type { TokenStore } from './domain/token.js';
import type { DeviceRoutes } from './http/public-listener.js';
import type { PushKeys } from './push/push-keys.js';

/** What the device routes need from the push wiring. */
export interface PushRoutesDeps {
  readonly config: Config;
  readonly keys: PushKeys;
  readonly sender: PushSender;
  /** `publicUrl` is read at every use (enroll, poll), so a derived address can learn the port bound later. */
  readonly site: { readonly publicUrl: string };
  readonly devices: PushDeviceStore;
  readonly transactions: TransactionStore;
  readonly limits: PushLimits;
  readonly waits: PushWaits;
  /** The code check of typed codes, for FortiAuthenticator's `validate` answers. */
  readonly checkCode: CheckCode;
  /** Where a TOTP token chosen at enrollment at login is stored once its first code verifies (issue 18). */
  readonly tokens: Pick<TokenStore, 'add'>;
  /** The links of enrollment at login, their chosen TOTP keys and issue bounds, shared by every node (issue 18). */
  readonly enrollmentLinks: EnrollmentLinkStore;
  /** Refreshed when a device or token enrolls here. */
  readonly holders: { refresh(): void };
  readonly logger: Logger;
  /** The metrics sink of each answer's result. */
  readonly countAnswer: (result: string) => void;
}

export interface PushRoutes {
  readonly routes: DeviceRoutes;
  /** Enrollment at login (issue 18): also what a challenge offers users without a second factor. */
  readonly enrollment: EnrollAtLogin;
}

export function createPushRoutes(deps: PushRoutesDeps): PushRoutes {
  const { config, keys, sender, site, devices, transactions, limits, waits, logger } = deps;
  const answerEvents: AnswerEvents = {
    refused: (check, src, sessionId, txn) => {
      deps.countAnswer('refused');
      logger.warn({ event: 'push.answer_refused', check, src, txn, session: sessionId?.slice(0, 8) });
    },
    decided: (t, src) => {
      deps.countAnswer(t.status);
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
    codes: new EnrollmentCodes(deps.enrollmentLinks, config.secondFactor.enrollmentCodeMinutes * 60_000),
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

  return {
    enrollment,
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
  };
}
