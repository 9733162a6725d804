// Owns building the user portal from the configuration (docs/self-service.md): its sessions, its sign-in through
// the REST API's password check and a code-only login use case, pushes, the user's own devices and history.

import type { Logger } from 'pino';
import { PendingTotps } from './admin/pending-totps.js';
import { ownDevices, removeOwn, renameOwn, replaceBackupCodes } from './admin/self-service.js';
import { addPushActivation } from './admin/token-admin.js';
import type { ApplicationPushes } from './auth/application-pushes.js';
import { type AuthenticateDeps, createAuthenticate } from './auth/authenticate.js';
import type { CheckCode } from './auth/check-code.js';
import { createCheckPassword } from './auth/check-credentials.js';
import { PortalSessions } from './auth/portal-sessions.js';
import { createPortalSignIn, PORTAL_CLIENT, type PortalCodeVerdict } from './auth/portal-sign-in.js';
import { createSecondFactorPolicy } from './auth/second-factor-policy.js';
import type { SignInHistory } from './auth/sign-in-history.js';
import type { Config } from './config/config-schema.js';
import type { AccountLockoutStore } from './domain/account-lockout.js';
import type { FirstFactor } from './domain/first-factor.js';
import type { OwnWayStore } from './domain/own-ways.js';
import type { PendingTotpStore } from './domain/pending-totp-store.js';
import type { PortalSessionStore } from './domain/portal-session-store.js';
import type { PushDeviceStore } from './domain/push-device.js';
import { TransactionStatus } from './domain/push-transaction.js';
import { Reason } from './domain/reason.js';
import type { NewSignIn } from './domain/sign-in.js';
import type { TokenStore } from './domain/token.js';
import { newTransactionId } from './domain/transaction-id.js';
import type { PortalHistory, PortalRoutes } from './http/portal/portal-routes.js';
import { RateLimiter } from './http/rate-limiter.js';
import type { PushWiring } from './push-wiring.js';
import { MemoryChallengeStore } from './store/memory/memory-challenge-store.js';

export interface PortalWiringDeps {
  readonly config: Config;
  readonly logger: Logger;
  /**
   * The server's token store (its cache: last use includes codes not yet folded in), push devices, and the
   * removals under the last-way rule (through the cache too).
   */
  readonly stores: {
    readonly tokens: TokenStore;
    readonly pushDevices: PushDeviceStore;
    readonly ownWays: OwnWayStore;
    /** SECURITY A12.2: the sessions, in the table every node shares (docs/storage.md "Logins across nodes"). */
    readonly portalSessions: PortalSessionStore;
    /** SECURITY A12.6: authenticator-app secrets waiting for their first code, in a table every node shares too. */
    readonly pendingTotps: PendingTotpStore;
  };
  /** Every first-factor source, local and directories: portal users sign in as they do at the NAS. */
  readonly firstFactor: FirstFactor;
  /** The RADIUS login's dependencies (code check, token holders, attributes); the portal's code check uses them. */
  readonly login: Omit<AuthenticateDeps, 'firstFactor' | 'policy' | 'sessions' | 'push' | 'enrollment'>;
  /** The server's lockout store: a locked account is refused at the password too (A6.5). */
  readonly lockouts: Pick<AccountLockoutStore, 'get'>;
  readonly push: Pick<PushWiring, 'hooks' | 'publicUrl' | 'mute' | 'hearDecision'>;
  /** The REST API's push engine (fed every decision and delivery by the composition root); undefined: push off. */
  readonly pushes: ApplicationPushes | undefined;
  /**
   * The sign-in history (the same use cases as the REST API's) and how a portal sign-in is added to it; absent: no
   * history routes, nothing recorded.
   */
  readonly signIns?:
    | { readonly history: SignInHistory; readonly record: (entry: NewSignIn) => void }
    | undefined;
  /** Tells the server's caches that the portal wrote to the stores (as the REST API does). */
  readonly storesChanged: () => void;
  /** Epoch ms; injectable for tests of the timeouts. */
  readonly now?: () => number;
  /** How long the push long poll holds a request (25 s; tests shorten it). */
  readonly pushWaitMs?: number;
}

export interface PortalWiring {
  readonly routes: PortalRoutes;
  close(): void;
}

/** SECURITY A12.4: sign-in attempts per source address: 10 a minute. */
const SIGN_INS_PER_MINUTE = 10;
/** The portal shows this many of the user's last sign-ins. */
const HISTORY_ROWS = 20;

const utf8 = new TextEncoder();

/** The portal, or undefined when `portal.enabled` is off. */
export function createPortalWiring(deps: PortalWiringDeps): PortalWiring | undefined {
  const { config, stores } = deps;
  if (!config.portal.enabled) return undefined;
  const now = deps.now ?? Date.now;
  const hooks = deps.push.hooks;

  // A code alone, exactly as the REST API checks one: an `otp-only` login of its own client (PROTOCOL §4.3). The
  // name is the session's, already canonical, so it is not routed through realms again. The wrapper learns which
  // token took the code, for the sign-in's `how`.
  const matched = new Map<string, string>();
  const noteMatch: CheckCode = (user, code, at, context) => {
    const result = deps.login.checkCode(user, code, at, context);
    const note = (r: Awaited<typeof result>) => {
      if (r.ok && context?.transactionId !== undefined) matched.set(context.transactionId, r.serial);
      return r;
    };
    return result instanceof Promise ? result.then(note) : note(result);
  };
  const codeLogin = createAuthenticate({
    ...deps.login,
    checkCode: noteMatch,
    firstFactor: {
      resolveName: (name) => ({ ok: true, name }),
      check: (typed, password, context) => deps.firstFactor.check(typed, password, context),
      groupsOf: (name) => deps.firstFactor.groupsOf(name),
    },
    policy: createSecondFactorPolicy({
      ...config.secondFactor,
      clients: { [PORTAL_CLIENT]: { mode: 'otp-only' } },
      groups: {},
    }),
    sessions: new MemoryChallengeStore(config.secondFactor.challengeSeconds * 1000),
    now,
  });
  const checkCode = async (user: string, code: string, txn: string): Promise<PortalCodeVerdict> => {
    try {
      const decision = await codeLogin({
        userName: user,
        userNameProblem: undefined,
        credential: { kind: 'password', password: utf8.encode(code) },
        state: undefined,
        clientName: PORTAL_CLIENT,
        transactionId: txn,
      });
      if (decision.kind !== 'accept') {
        return {
          ok: false,
          reason: 'reason' in decision && decision.reason ? decision.reason : Reason.CodeWrong,
        };
      }
      const type = (await stores.tokens.getBySerial(matched.get(txn) ?? ''))?.type ?? 'totp';
      return { ok: true, how: type };
    } finally {
      matched.delete(txn);
    }
  };

  // Issue 18: a group that forbids enrollment at login forbids enrolling on the password alone here too.
  const enrollPolicy = createSecondFactorPolicy({ ...config.secondFactor, enrollAtLogin: true, clients: {} });
  const sessions = new PortalSessions(stores.portalSessions, {
    idleMs: config.portal.idleMinutes * 60_000,
    absoluteMs: config.portal.sessionMinutes * 60_000,
  });
  const signIn = createPortalSignIn({
    checkPassword: createCheckPassword({ firstFactor: deps.firstFactor, lockouts: deps.lockouts, now }),
    tokenHolders: deps.login.tokenHolders,
    pushOffered: (user) => hooks?.offered(user) ?? false,
    // The login's own index answers at once, as the sign-in asks; a token store may answer only later.
    holdsCode: (user) => deps.login.codeLengthsOf(user).length > 0,
    passwordOnlyEnrollment: (groups) =>
      config.portal.passwordOnlyEnrollment && enrollPolicy.enrollAtLoginFor('', groups),
    checkCode,
    pushes: hooks === undefined ? undefined : deps.pushes,
    // A browser's long poll may reach a node that did not send its push: it reads the shared row instead.
    readPush: hooks === undefined ? undefined : (txn) => hooks.transactions.byId(txn),
    hearDecision: deps.push.hearDecision,
    numberFor: (user) => config.push.numberMatching || (hooks?.numberRequired?.(user) ?? false),
    // PROTOCOL P4: the push a typed code made moot ends, so a late approval changes nothing.
    endPushByCode: async (txn) => {
      if (hooks === undefined) return;
      const result = await hooks.transactions.decide(txn, { status: TransactionStatus.AnsweredByCode });
      if (result.won) hooks.waits.settled(result.transaction);
    },
    sessions,
    record: deps.signIns?.record ?? (() => {}),
    newTransactionId,
    now,
  });

  const own = { tokens: stores.tokens, pushDevices: stores.pushDevices, ownWays: stores.ownWays };
  const pending = new PendingTotps(stores.pendingTotps);
  /** The name apps show for the token; otpauth:// keeps `:` for its own use. */
  const issuer = config.push.serverName.replaceAll(':', ' ').trim() || 'Assent';
  /** Runs a write; the server's caches are told when it changed something. */
  const changed = async <T>(write: Promise<T>, didChange: (result: T) => boolean): Promise<T> => {
    const result = await write;
    if (didChange(result)) deps.storesChanged();
    return result;
  };

  const history: PortalHistory | undefined =
    deps.signIns === undefined
      ? undefined
      : {
          recent: async (user) => deps.signIns!.history.list(user, HISTORY_ROWS),
          notMe: async (user, id) => deps.signIns!.history.notMe(user, id),
        };

  const limiter = new RateLimiter(SIGN_INS_PER_MINUTE / 60, SIGN_INS_PER_MINUTE);
  // Every node sweeps the shared tables; a sweep that fails now (database away) is tried again next minute, and
  // said in the log so an operator sees why the tables grow.
  const sweepFailed = (table: string) => (error: unknown) =>
    deps.logger.warn({ event: 'portal.sweep_failed', table, err: (error as Error).message });
  const sweeper = setInterval(() => {
    Promise.resolve()
      .then(() => sessions.sweep(now()))
      .catch(sweepFailed('portal_sessions'));
    pending.sweep(now()).catch(sweepFailed('pending_totps'));
  }, 60_000);
  sweeper.unref();

  const routes: PortalRoutes = {
    sessions,
    signIn,
    devices: {
      list: (user) => ownDevices(own, user),
      addPush: async (user, label) =>
        hooks === undefined
          ? undefined
          : addPushActivation(own, deps.push.publicUrl, user, label, new Date(now())),
      startTotp: (user, label) => pending.start(user, label, issuer, now()),
      confirmTotp: (user, pendingId, code) =>
        changed(
          pending.confirm(own, user, pendingId, code, now(), config.secondFactor.totpWindow),
          (r) => r.ok,
        ),
      rename: (user, id, label) => changed(renameOwn(own, user, id, label), (r) => r !== undefined),
      remove: (user, id) => changed(removeOwn(own, user, id, config.portal.allowRemovingLast), (r) => r.ok),
      replaceBackupCodes: (user) => changed(replaceBackupCodes(own, user, issuer), () => true),
      canRemoveLast: config.portal.allowRemovingLast,
    },
    history,
    idleMinutes: config.portal.idleMinutes,
    logger: deps.logger,
    now,
    signInLimiter: limiter,
    ...(deps.pushWaitMs === undefined ? {} : { pushWaitMs: deps.pushWaitMs }),
  };
  return { routes, close: () => clearInterval(sweeper) };
}
