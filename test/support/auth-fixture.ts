// A login use case wired to memory stores, a fake password verifier and a settable clock, for auth tests.

import { generateKeyPairSync } from 'node:crypto';
import type { PushHooks } from '../../src/auth/authenticate.js';
import { type Authenticate, type AuthenticateDeps, createAuthenticate } from '../../src/auth/authenticate.js';
import { createCheckCode, type LockoutEvent } from '../../src/auth/check-code.js';
import { createGroupAttributes } from '../../src/auth/group-attributes.js';
import { createLocalFirstFactor } from '../../src/auth/local-first-factor.js';
import type { Credential, LoginRequest } from '../../src/auth/login-request.js';
import { PushLimits } from '../../src/auth/push-limits.js';
import { PushWaits } from '../../src/auth/push-waits.js';
import { createSecondFactorPolicy, type SecondFactorSettings } from '../../src/auth/second-factor-policy.js';
import { createStartPush } from '../../src/auth/start-push.js';
import type { AccountLockout, AccountLockoutStore } from '../../src/domain/account-lockout.js';
import type { ReplyAttribute } from '../../src/domain/decision.js';
import { accept, type Decision } from '../../src/domain/decision.js';
import type { GraceLoginStore } from '../../src/domain/grace-logins.js';
import { nameKey, storedSpelling } from '../../src/domain/name-key.js';
import type { PasswordVerifier } from '../../src/domain/ports.js';
import { rawPublicKey } from '../../src/domain/push-protocol.js';
import { Reason } from '../../src/domain/reason.js';
import type { ErrorSubject } from '../../src/domain/request-context.js';
import { BACKUP_CODE_DIGITS, type NewToken } from '../../src/domain/token.js';
import { generateHotp } from '../../src/otp/hotp.js';
import { generateTotp } from '../../src/otp/totp.js';
import { MemoryChallengeStore } from '../../src/store/memory/memory-challenge-store.js';
import { MemoryPushDeviceStore } from '../../src/store/memory/memory-push-device-store.js';
import { MemoryTokenStore } from '../../src/store/memory/memory-token-store.js';
import { MemoryTransactionStore } from '../../src/store/memory/memory-transaction-store.js';
import { MemoryUserStore } from '../../src/store/memory/memory-user-store.js';

export const text = (s: string) => new TextEncoder().encode(s);
export const pap = (pw: string): Credential => ({ kind: 'password', password: text(pw) });

/** A verifier whose hash is "plain:<password>" (synchronous) or "slow:<password>" (a promise), counting calls. */
export function fakeVerifier() {
  const calls = { verify: 0, dummy: 0, hash: 0 };
  const verifier: PasswordVerifier = {
    verify(stored, password) {
      calls.verify++;
      // This double has no `prepare`, so the first factor always hands it the stored text.
      const [kind, expected] = String(stored).split(':');
      const ok = expected === new TextDecoder().decode(password);
      return kind === 'slow' ? Promise.resolve(ok) : ok;
    },
    verifyDummy() {
      calls.dummy++;
      return Promise.resolve(false);
    },
    needsRehash: (stored) => !stored.startsWith('$argon2id$'),
    async hash(password) {
      calls.hash++;
      return `$argon2id$fake-${typeof password === 'string' ? password : new TextDecoder().decode(password)}`;
    },
  };
  return { verifier, calls };
}

/** A lockout store double with the port's semantics. */
export class MapLockouts implements AccountLockoutStore {
  readonly rows = new Map<string, AccountLockout>();
  get(userName: string) {
    return this.rows.get(userName);
  }
  recordFailure(userName: string): number {
    const row = this.rows.get(userName) ?? { userName, failures: 0, lockedUntil: null, locks: 0 };
    const next = { ...row, failures: row.failures + 1 };
    this.rows.set(userName, next);
    return next.failures;
  }
  lock(userName: string, lockedUntil: string): void {
    const row = this.rows.get(userName) ?? { userName, failures: 0, lockedUntil: null, locks: 0 };
    this.rows.set(userName, { ...row, failures: 0, lockedUntil, locks: row.locks + 1 });
  }
  reset(userName: string): boolean {
    return this.rows.delete(userName);
  }
  list() {
    return [...this.rows.values()];
  }
}

export const defaultSettings: SecondFactorSettings = {
  mode: 'challenge',
  requireForAll: false,
  graceUntil: '',
  graceLogins: 0,
  graceReminder: 'Two-step sign-in is required from {date}: set up an authenticator before then',
  graceLoginsReminder: 'Two-step sign-in is required after {left} more sign-ins: set up an authenticator now',
  enrollAtLogin: false,
  enrollmentCodeMinutes: 10,
  enrollmentText:
    'Set up two-step sign-in: open {url} on your phone, then press Enter or type the code of your app',
  enrollmentPendingText:
    'Not set up yet: open {url} on your phone first, then press Enter or type the code of your app',
  enrollmentTotpText: 'Type the code your authenticator app shows',
  pushChallengeText: '+Enter token code or no code to send a notification to your mobile app',
  codeChallengeText: 'Enter token code',
  challengeSeconds: 120,
  maxCodeAttempts: 3,
  exemptUsers: [],
  exemptGroups: [],
  clients: {},
  groups: {},
};

export interface FixtureOptions {
  readonly settings?: Partial<SecondFactorSettings>;
  readonly attributes?: Record<string, ReplyAttribute[]>;
  readonly lockoutFailures?: number;
  readonly lockoutSeconds?: number;
  readonly upgradeLegacyHashes?: boolean;
  /**
   * Enrollment at login (issue 18), or a function building it from the fixture's stores and clock (so the real use
   * case stores its tokens where the login reads them); absent: not wired.
   */
  readonly enrollment?:
    | AuthenticateDeps['enrollment']
    | ((parts: FixtureParts) => AuthenticateDeps['enrollment']);
  /** Counts grace sign-ins (issue 18 `graceLogins`); absent: only date grace periods. */
  readonly graceLogins?: GraceLoginStore;
  /** Wires push (docs/push.md) with memory stores and no Web Push sender (devices poll). */
  readonly push?: {
    readonly timeoutMs?: number;
    readonly numberMatching?: boolean;
    /** SECURITY A7.7's streak as the login reads it (PushHooks.numberRequired); absent: not wired. */
    readonly numberRequired?: PushHooks['numberRequired'];
  };
}

/** What an `enrollment` builder gets from the fixture. */
export interface FixtureParts {
  readonly tokens: MemoryTokenStore;
  readonly devices: MemoryPushDeviceStore;
  readonly now: () => number;
}

const SECRET = text('12345678901234567890');

/** Users: alice (token holder, groups vpn), bob (no token), slow (async hash), off (disabled). */
export function authFixture(options: FixtureOptions = {}) {
  let nowMs = Date.UTC(2026, 10, 23, 12, 0, 10);
  const clock = {
    now: () => nowMs,
    advance(ms: number) {
      nowMs += ms;
    },
  };
  const users = new MemoryUserStore();
  users.add({ name: 'alice', passwordHash: 'plain:pw', groups: ['vpn'] });
  users.add({ name: 'bob', passwordHash: 'plain:pw', groups: ['staff'] });
  users.add({ name: 'slow', passwordHash: 'slow:pw' });
  users.add({ name: 'off', passwordHash: 'plain:pw', status: 'disabled' });
  users.add({ name: 'tokenonly', passwordHash: null });
  const tokens = new MemoryTokenStore({ now: () => new Date(nowMs) });
  const lockouts = new MapLockouts();
  const { verifier, calls } = fakeVerifier();
  const errors: string[] = [];
  const errorSubjects: (ErrorSubject | undefined)[] = [];
  const lockEvents: LockoutEvent[] = [];
  const settings = { ...defaultSettings, ...options.settings };
  const local = createLocalFirstFactor({
    users,
    passwords: verifier,
    upgradeLegacyHashes: options.upgradeLegacyHashes ?? false,
    onInternalError: (_e, context, subject) => {
      errors.push(context);
      errorSubjects.push(subject);
    },
  });
  const holders = (name: string) => tokens.listForUser(name);
  const sessions = new MemoryChallengeStore(settings.challengeSeconds * 1000);
  const devices = new MemoryPushDeviceStore({ now: () => new Date(nowMs) });
  const transactions = new MemoryTransactionStore();
  const attributesFor = createGroupAttributes(options.attributes ?? {});
  const waits = new PushWaits(transactions, (identity, txn) =>
    accept(identity.name, attributesFor(identity.groups), txn, 'push'),
  );
  const decisions: [string, Decision][] = [];
  waits.onDecision((txn, decision) => decisions.push([txn, decision]));
  const pushesStarted: string[] = [];
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const push: PushHooks | undefined =
    options.push === undefined
      ? undefined
      : {
          offered: (name) => devices.listForUser(name).length > 0,
          start: createStartPush({
            devices,
            transactions,
            limits: new PushLimits({ maxPerUser: 3, rateWindowSeconds: 300, muteMinutes: 20 }),
            settings: { publicUrl: 'https://assent.test:4433' },
            serverKey,
            sender: undefined,
            events: { sent: () => {}, started: (t) => pushesStarted.push(t.id) },
          }),
          waits,
          transactions,
          timeoutMs: options.push.timeoutMs ?? 60_000,
          numberMatching: options.push.numberMatching ?? false,
          ...(options.push.numberRequired ? { numberRequired: options.push.numberRequired } : {}),
        };
  const addPushDevice = (userName: string) =>
    devices.add({
      id: `ASNP${String(devices.list().length + 1).padStart(8, '0')}`,
      userName,
      publicKey: rawPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey),
      delivery: { kind: 'poll' },
      label: '',
    });
  const enrollment =
    typeof options.enrollment === 'function'
      ? options.enrollment({ tokens, devices, now: clock.now })
      : options.enrollment;
  const authenticate: Authenticate = createAuthenticate({
    firstFactor: {
      resolveName: (typed) => ({ ok: true, name: typed }),
      check: local.check,
      groupsOf: local.groupsOf,
    },
    policy: createSecondFactorPolicy(settings),
    tokenHolders: {
      holderOf: (name) => {
        const names = new Set([...tokens.list(), ...devices.list()].map((t) => t.userName));
        const byKey = new Map<string, string[]>();
        for (const n of names) byKey.set(nameKey(n), [...(byKey.get(nameKey(n)) ?? []), n]);
        return storedSpelling(name, names, byKey);
      },
    },
    codeLengthsOf: (name) => [
      ...new Set(holders(name).map((t) => (t.type === 'backup' ? BACKUP_CODE_DIGITS : t.digits))),
    ],
    checkCode: createCheckCode({
      tokens,
      lockouts,
      policy: {
        totpWindow: 1,
        hotpLookAhead: 3,
        lockoutFailures: options.lockoutFailures ?? 10,
        lockoutSeconds: options.lockoutSeconds ?? 300,
      },
      onLockout: (event) => lockEvents.push(event),
    }),
    sessions,
    attributesFor,
    now: clock.now,
    onInternalError: (_e, context, subject) => {
      errors.push(context);
      errorSubjects.push(subject);
    },
    ...(options.graceLogins === undefined ? {} : { graceLogins: options.graceLogins }),
    ...(enrollment === undefined ? {} : { enrollment }),
    ...(push === undefined ? {} : { push }),
  });
  const addTotp = (userName: string, extra: Partial<NewToken> = {}) =>
    tokens.add({
      serial: `T-${userName}-${tokens.list().length}`,
      userName,
      type: 'totp',
      secret: SECRET,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      ...extra,
    });
  const totpNow = (offsetSteps = 0) =>
    generateTotp(SECRET, nowMs / 1000 + offsetSteps * 30, { digits: 6, period: 30, algorithm: 'SHA1' });
  const hotp = (counter: number) => generateHotp(SECRET, counter, 6, 'SHA1');
  return {
    users,
    tokens,
    lockouts,
    calls,
    errors,
    errorSubjects,
    lockEvents,
    clock,
    sessions,
    authenticate,
    addTotp,
    totpNow,
    hotp,
    devices,
    transactions,
    waits,
    decisions,
    pushesStarted,
    addPushDevice,
    push,
  };
}

export const login = (
  userName: string | undefined,
  credential: Credential,
  state?: Uint8Array,
  clientName = 'nas',
): LoginRequest => ({
  userName,
  userNameProblem: userName === undefined ? Reason.UserNameDuplicated : undefined,
  credential,
  state,
  clientName,
});
