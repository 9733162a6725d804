// The public listener with the user portal wired as src/main.ts wires it (its own wiring, push wiring, the REST
// API's push engine), on memory stores, a settable clock and captured logs, for `inject` tests of the portal.

import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { ApplicationPushes } from '../../src/auth/application-pushes.js';
import { type CodeResult, createCheckCode } from '../../src/auth/check-code.js';
import { createGroupAttributes } from '../../src/auth/group-attributes.js';
import { createLocalFirstFactor } from '../../src/auth/local-first-factor.js';
import { signInOf } from '../../src/auth/sign-in-entry.js';
import { createSignInHistory } from '../../src/auth/sign-in-history.js';
import type { ConfigOverrides } from '../../src/config/config-schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { AMBIGUOUS_NAME, nameKey, storedSpelling } from '../../src/domain/name-key.js';
import type { PendingTotpStore } from '../../src/domain/pending-totp-store.js';
import type { PortalSessionStore } from '../../src/domain/portal-session-store.js';
import { answerSigningInput, base64url, rawPublicKey, signEs256 } from '../../src/domain/push-protocol.js';
import type { NewSignIn } from '../../src/domain/sign-in.js';
import { BACKUP_CODE_DIGITS, type NewToken } from '../../src/domain/token.js';
import type { UserStatus } from '../../src/domain/user.js';
import type { PortalRoutes } from '../../src/http/portal/portal-routes.js';
import { makeSelfSigned } from '../../src/http/public-certificate.js';
import { buildPublicApp } from '../../src/http/public-listener.js';
import { createPortalWiring } from '../../src/portal-wiring.js';
import { createPushWiring } from '../../src/push-wiring.js';
import { MemoryAccountLockoutStore } from '../../src/store/memory/memory-account-lockout-store.js';
import { MemoryEnrollmentLinkStore } from '../../src/store/memory/memory-enrollment-link-store.js';
import { MemoryPendingTotpStore } from '../../src/store/memory/memory-pending-totp-store.js';
import { MemoryPortalSessionStore } from '../../src/store/memory/memory-portal-session-store.js';
import { MemoryPushDeviceStore } from '../../src/store/memory/memory-push-device-store.js';
import { MemoryServerSecretStore } from '../../src/store/memory/memory-server-secret-store.js';
import { MemoryTokenStore } from '../../src/store/memory/memory-token-store.js';
import { MemoryTransactionStore } from '../../src/store/memory/memory-transaction-store.js';
import { MemoryUserStore } from '../../src/store/memory/memory-user-store.js';
import { SyncOwnWayStore } from '../../src/store/sync-own-way-store.js';
import { fakeVerifier } from './auth-fixture.js';
import { ListSignIns } from './memory-sign-ins.js';

export interface PortalUser {
  readonly name: string;
  readonly password: string;
  readonly groups?: readonly string[];
  readonly status?: UserStatus;
}

/** A browser: its cookie jar (one cookie), the CSRF token it was told, and its address. */
export interface Browser {
  readonly ip: string;
  cookie: string | undefined;
  csrf: string | undefined;
  /** Every Set-Cookie header this browser received, in order. */
  readonly setCookies: string[];
}

export interface PortalSite {
  readonly app: FastifyInstance;
  /** The portal's routes as its wiring built them. */
  readonly routes: PortalRoutes;
  readonly users: MemoryUserStore;
  readonly tokens: MemoryTokenStore;
  readonly devices: MemoryPushDeviceStore;
  readonly lockouts: MemoryAccountLockoutStore;
  readonly signIns: ListSignIns;
  readonly logs: Record<string, unknown>[];
  readonly clock: { now(): number; advance(ms: number): void };
  /** A new browser at `ip`. */
  browser(ip: string): Browser;
  /** One request as the portal page makes it: JSON, its cookie, the CSRF header on changes, its own Origin. */
  call(
    browser: Browser,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  /** Password, then (for a user who has one) nothing more: the session object answered. */
  signIn(browser: Browser, user: string, password: string): Promise<LightMyRequestResponse>;
  /** Checks a code as a RADIUS login does (the same code check, replay guard and lockout). */
  nasCode(user: string, code: string): Promise<CodeResult>;
  /** Enrolls a device key with an activation URL over the device route; returns what answers pushes for it. */
  enrollDevice(activationUrl: string): Promise<TestDevice>;
  /** Answers the user's open push as the device route takes it (signed by `device`). */
  answerPush(
    device: TestDevice,
    user: string,
    decision: 'approve' | 'deny',
    options?: { reason?: '' | 'not_me'; number?: string },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestDevice {
  readonly id: string;
  readonly key: KeyObject;
}

export async function startPortalSite(
  options: {
    users?: readonly PortalUser[];
    tokens?: readonly NewToken[];
    config?: ConfigOverrides;
    /** Without a sign-in store the history routes are not served. */
    history?: boolean;
    /** The session table; another site given the same one is another node of one database. */
    portalSessions?: PortalSessionStore;
    /** The pending authenticator-app table; shared between sites like `portalSessions`. */
    pendingTotps?: PendingTotpStore;
  } = {},
): Promise<PortalSite> {
  const loaded = loadConfig({
    env: {},
    cwd: '/nonexistent-assent-test',
    overrides: {
      dataDir: '/nonexistent-assent-test',
      ...options.config,
      push: { publicUrl: 'https://portal.test:4433', vapidSubject: '', ...options.config?.push },
    },
  });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  const config = loaded.config;
  let nowMs = Date.now();
  const clock = {
    now: () => nowMs,
    advance(ms: number) {
      nowMs += ms;
    },
  };
  const date = () => new Date(nowMs);
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );

  const users = new MemoryUserStore({ now: date });
  for (const u of options.users ?? []) {
    users.add({
      name: u.name,
      passwordHash: `plain:${u.password}`,
      groups: u.groups ?? [],
      ...(u.status === undefined ? {} : { status: u.status }),
    });
  }
  const tokens = new MemoryTokenStore({ now: date });
  if (options.tokens !== undefined && options.tokens.length > 0) tokens.addMany(options.tokens);
  const devices = new MemoryPushDeviceStore({ now: date });
  const lockouts = new MemoryAccountLockoutStore();
  const local = createLocalFirstFactor({
    users,
    passwords: fakeVerifier().verifier,
    upgradeLegacyHashes: false,
  });
  const firstFactor = {
    resolveName: (typed: string) => ({ ok: true as const, name: typed }),
    check: local.check,
    groupsOf: local.groupsOf,
  };
  const holderOf = (name: string) => {
    const names = new Set([...tokens.list(), ...devices.list()].map((t) => t.userName));
    const byKey = new Map<string, string[]>();
    for (const n of names) byKey.set(nameKey(n), [...(byKey.get(nameKey(n)) ?? []), n]);
    return storedSpelling(name, names, byKey);
  };
  const checkCode = createCheckCode({ tokens, lockouts, policy: config.secondFactor });
  const attributesFor = createGroupAttributes({});
  const push = await createPushWiring({
    config,
    checkCode,
    tokens,
    devices,
    enrollmentLinks: new MemoryEnrollmentLinkStore(),
    secrets: new MemoryServerSecretStore(),
    transactions: new MemoryTransactionStore(),
    notices: undefined,
    logger,
    holders: { hasPush: (name) => devices.listForUser(name).length > 0, refresh: () => {} },
    attributesFor,
    count: { delivery: () => {}, answer: () => {} },
  });
  const hooks = push.hooks;
  const pushes =
    hooks === undefined
      ? undefined
      : new ApplicationPushes({
          holderOf: (typed) => {
            const holder = holderOf(typed);
            return holder === undefined || holder === AMBIGUOUS_NAME
              ? undefined
              : { name: holder, groups: [] };
          },
          push: hooks,
          devices,
          number: () => '42',
        });
  // As src/main.ts: a device's answer or the deadline decides a waiting push, which the portal's wait hears.
  const signIns = new ListSignIns();
  push.waits.onDecision((txn, decision, wait) => {
    void push.noteDecision(decision);
    pushes?.settled(txn, decision);
    // As src/main.ts: a push login's outcome enters the sign-in history here, once.
    if (options.history !== false) {
      const row = signInOf(decision, wait.clientName, wait.userIp, txn, clock.now());
      if (row !== undefined) signIns.append([row]);
    }
  });
  if (pushes !== undefined) push.onDelivered((t, r) => pushes.delivered(t, r));
  const portal = createPortalWiring({
    config,
    logger,
    stores: {
      tokens,
      pushDevices: devices,
      ownWays: new SyncOwnWayStore(tokens, devices),
      portalSessions: options.portalSessions ?? new MemoryPortalSessionStore(),
      pendingTotps: options.pendingTotps ?? new MemoryPendingTotpStore(),
    },
    firstFactor,
    login: {
      tokenHolders: { holderOf },
      codeLengthsOf: (name) => [
        ...new Set(
          tokens.listForUser(name).map((t) => (t.type === 'backup' ? BACKUP_CODE_DIGITS : t.digits)),
        ),
      ],
      checkCode,
      attributesFor,
    },
    lockouts,
    push,
    pushes,
    ...(options.history === false
      ? {}
      : {
          signIns: {
            history: createSignInHistory({
              store: signIns,
              flush: () => {},
              mute: push.mute,
              now: clock.now,
            }),
            record: (entry: NewSignIn) => signIns.append([entry]),
          },
        }),
    storesChanged: () => {},
    now: clock.now,
    pushWaitMs: 1_500,
  });
  if (portal === undefined) throw new Error('portal.enabled is off');
  const app = buildPublicApp({
    bind: '127.0.0.1',
    port: 0,
    tls: await makeSelfSigned(['127.0.0.1']),
    logger,
    ...(hooks === undefined ? {} : { routes: push.routes }),
    portal: portal.routes,
    rateLimit: { perSecond: 1000, burst: 2000 },
  });
  await app.ready();

  const HOST = 'portal.test:4433';
  const site: PortalSite = {
    app,
    routes: portal.routes,
    users,
    tokens,
    devices,
    lockouts,
    signIns,
    logs,
    clock,
    browser: (ip) => ({ ip, cookie: undefined, csrf: undefined, setCookies: [] }),
    async call(browser, method, path, body, headers = {}) {
      const response = await app.inject({
        method,
        url: `/my/api${path}`,
        remoteAddress: browser.ip,
        headers: {
          host: HOST,
          origin: `https://${HOST}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(browser.cookie === undefined ? {} : { cookie: browser.cookie }),
          ...(method === 'GET' || browser.csrf === undefined ? {} : { 'x-csrf-token': browser.csrf }),
          ...headers,
        },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      const set = response.headers['set-cookie'];
      for (const line of set === undefined ? [] : Array.isArray(set) ? set : [set]) {
        browser.setCookies.push(line);
        const value = /^__Host-assent-my=([^;]*)/.exec(line)?.[1];
        browser.cookie = value === undefined || value === '' ? undefined : `__Host-assent-my=${value}`;
      }
      if (response.headers['content-type']?.toString().startsWith('application/json')) {
        const parsed = response.json() as { csrf?: unknown };
        if (typeof parsed.csrf === 'string') browser.csrf = parsed.csrf;
      }
      return response;
    },
    nasCode: async (user, code) => checkCode(user, code, new Date(nowMs), { clientName: 'vpn-fw1' }),
    signIn: (browser, user, password) => site.call(browser, 'POST', '/sign-in', { username: user, password }),
    async enrollDevice(activationUrl) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const code = new URL(activationUrl).pathname.split('/').pop()!;
      const r = await app.inject({
        method: 'POST',
        url: `/device/v1/activation/${code}`,
        payload: { public_key: base64url.encode(rawPublicKey(publicKey)), delivery: { kind: 'poll' } },
      });
      if (r.statusCode !== 201) throw new Error(`enrollment refused: ${r.statusCode} ${r.body}`);
      return { id: (r.json() as { device_id: string }).device_id, key: privateKey };
    },
    async answerPush(device, user, decision, answer = {}) {
      const open = await hooks!.transactions.openForUser(user, Date.now());
      const transaction = open[0];
      if (transaction === undefined) throw new Error(`no open push for ${user}`);
      const unsigned = {
        session_id: transaction.sessionId,
        device_id: device.id,
        decision,
        reason: answer.reason ?? '',
        number: answer.number ?? '',
        time: new Date().toISOString(),
      };
      const signature = base64url.encode(signEs256(device.key, answerSigningInput(unsigned)!));
      return app.inject({ method: 'POST', url: '/device/v1/answer', payload: { ...unsigned, signature } });
    },
    async close() {
      await app.close();
      portal.close();
      push.close();
    },
  };
  return site;
}

/** 20 random bytes: a TOTP seed for a test token. */
export const newSeed = () => new Uint8Array(randomBytes(20));
