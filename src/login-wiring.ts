// Owns building the RADIUS login use case: first-factor sources, the code check, push and the sign-in history.
import type { Logger } from 'pino';
import { type Authenticate, type AuthenticateDeps, createAuthenticate } from './auth/authenticate.js';
import { type CheckCode, createCheckCode } from './auth/check-code.js';
import { createGroupAttributes } from './auth/group-attributes.js';
import { createLocalFirstFactor, type LocalFirstFactor } from './auth/local-first-factor.js';
import { createSecondFactorPolicy } from './auth/second-factor-policy.js';
import { SignInLog } from './auth/sign-in-log.js';
import type { Caches } from './cache-wiring.js';
import type { Config } from './config/config-schema.js';
import type { ClosablePasswordVerifier } from './directory/password/password-verifier.js';
import type { FirstFactor } from './domain/first-factor.js';
import { type InternalErrorSink, logFieldsOf } from './domain/request-context.js';
import type { Metrics } from './http/metrics.js';
import { createPushWiring, type PushWiring } from './push-wiring.js';
import { buildFirstFactor } from './server-wiring.js';
import type { Stores } from './store/open-stores.js';

export interface LoginWiringDeps {
  readonly config: Config;
  readonly stores: Stores;
  readonly caches: Caches;
  readonly passwords: ClosablePasswordVerifier;
  readonly logger: Logger;
  /** Run in order at close; the first factor, the sign-in history and push add theirs. */
  readonly cleanups: (() => unknown)[];
  /** The metrics, once built (after the processor); undefined before. */
  readonly metrics: () => Metrics | undefined;
}

export interface LoginWiring {
  readonly local: LocalFirstFactor;
  /** Every first-factor source: local users, directories, realms. */
  readonly firstFactor: FirstFactor;
  readonly signIns: SignInLog;
  readonly checkCode: CheckCode;
  readonly push: PushWiring;
  readonly authenticate: Authenticate;
  /** The RADIUS login's dependencies that the REST API's and the portal's logins share. */
  readonly login: Omit<AuthenticateDeps, 'firstFactor' | 'policy' | 'sessions' | 'push' | 'enrollment'>;
}

/** Builds the login, push included; push hears decisions of other nodes before this returns. */
export async function createLoginWiring(deps: LoginWiringDeps): Promise<LoginWiring> {
  const { config, stores, logger, cleanups } = deps;
  const { users, tokens, lockouts, tokenHolders } = deps.caches;
  // Issue 12 item 11: the line names the login (txn, client, user) so it reads with the rest of it.
  const onInternalError: InternalErrorSink = (err, context, subject) =>
    logger.error({ event: 'auth.error', ...subject, context, err }, 'internal error');
  const local = createLocalFirstFactor({
    users,
    passwords: deps.passwords,
    upgradeLegacyHashes: config.passwords.upgradeLegacyHashes,
    onInternalError,
  });
  const firstFactor = buildFirstFactor(config, local, logger);
  cleanups.push(() => void firstFactor.close?.());
  const sessions = stores.challenges(config.secondFactor.challengeSeconds * 1000);
  // Issue 18: every final login outcome of an existing user, written in batches off the login path.
  const signIns = new SignInLog({
    store: stores.signIns,
    retentionDays: config.portal.signInHistoryDays,
    events: {
      flushFailed: (err, counts) =>
        logger.error(
          { event: 'sign_ins.write_failed', err, ...counts },
          'sign-in history could not be written; kept in memory and tried again',
        ),
      pruned: (count, before) => {
        if (count > 0) logger.info({ event: 'sign_ins.pruned', count, before }, 'old sign-ins deleted');
      },
      pruneFailed: (err) => logger.warn({ event: 'sign_ins.prune_failed', err }, 'old sign-ins not deleted'),
    },
  });
  cleanups.push(() => signIns.close());
  const attributesFor = createGroupAttributes(config.replyAttributes);
  const checkCode = createCheckCode({
    tokens,
    recordSuccess: (serial, success) => tokens.recordSuccessBatched(serial, success),
    lockouts,
    policy: config.secondFactor,
    onLockout: (event, request) =>
      logger.warn(
        { event: 'audit.lockout', ...logFieldsOf(request), ...event },
        'locked after repeated failures',
      ),
  });
  const push = await createPushWiring({
    config,
    checkCode,
    devices: stores.pushDevices,
    tokens,
    enrollmentLinks: stores.enrollmentLinks,
    secrets: stores.serverSecrets,
    transactions: stores.transactions,
    limitRecords: stores.pushLimitRecords,
    pushMutes: stores.pushMutes,
    pushStreaks: stores.pushStreaks,
    notices: stores.decisionNotices((err) =>
      logger.warn(
        { event: 'store.notices_lost', err },
        'lost the connection that hears push decisions of other nodes; reconnecting',
      ),
    ),
    logger,
    holders: tokenHolders,
    attributesFor,
    count: { delivery: (r) => deps.metrics()?.delivery(r), answer: (r) => deps.metrics()?.answer(r) },
  });
  cleanups.push(() => push.close());
  // Before serving: a decision another node commits from now on reaches the requests this node holds.
  await push.listen();
  const authenticate = createAuthenticate({
    firstFactor,
    policy: createSecondFactorPolicy(config.secondFactor),
    tokenHolders,
    // The token cache answers for users it holds, and remembers the user for the code check that follows.
    codeLengthsOf: (name) => tokens.cachedCodeLengths(name) ?? tokenHolders.codeLengthsOf(name),
    checkCode,
    sessions,
    attributesFor,
    onInternalError,
    graceLogins: stores.graceLogins,
    ...(push.enrollment === undefined ? {} : { enrollment: push.enrollment }),
    ...(push.hooks === undefined ? {} : { push: push.hooks }),
  });
  const login = {
    tokenHolders,
    codeLengthsOf: (name: string) => tokens.cachedCodeLengths(name) ?? tokenHolders.codeLengthsOf(name),
    checkCode,
    attributesFor,
    onInternalError,
    graceLogins: stores.graceLogins,
  };
  return { local, firstFactor, signIns, checkCode, push, authenticate, login };
}
