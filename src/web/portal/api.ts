// Owns talking to the portal's JSON API (/my/api/, docs/self-service.md): the shapes it answers with, the CSRF
// header on every state change, and one closed set of outcomes, so a screen never sees a thrown fetch error.
// No DOM here: the tests run it in Node against a fake fetch.

export type SecondFactorMethod = 'push' | 'code';
export type SignInHow = 'push' | 'totp' | 'hotp' | 'backup' | 'password' | 'grace' | '';

export type Session =
  | { readonly state: 'signed-out' }
  | {
      readonly state: 'second-factor';
      readonly user: string;
      readonly methods: readonly SecondFactorMethod[];
      readonly csrf: string;
    }
  | {
      readonly state: 'signed-in';
      readonly user: string;
      readonly csrf: string;
      readonly how: SignInHow;
      readonly enrollOnly: boolean;
      readonly expiresAt: string;
      readonly idleMinutes: number;
    };

export type SignedIn = Extract<Session, { state: 'signed-in' }>;
export type SecondFactor = Extract<Session, { state: 'second-factor' }>;

export type DeviceType = 'push' | 'totp' | 'hotp' | 'backup';

export interface Device {
  readonly id: string;
  readonly type: DeviceType;
  readonly label: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  /** Backup codes only: how many are left. */
  readonly unusedCodes?: number;
}

export interface SignInEntry {
  readonly id: number;
  readonly at: string;
  readonly client: string;
  readonly userIp: string;
  readonly result: 'accepted' | 'rejected';
  readonly how: SignInHow;
  readonly reason: string;
  readonly notMe: boolean;
}

export interface PushStarted {
  readonly txn: string;
  readonly number: string | null;
}

export interface PhoneLink {
  readonly activationUrl: string;
  readonly expiresAt: string;
  readonly qrSvg: string;
}

export interface PendingApp {
  readonly pendingId: string;
  readonly uri: string;
  readonly secret: string;
  readonly qrSvg: string;
  readonly expiresAt: string;
}

/**
 * What went wrong: the server's `error` code and its sentence, or `network` (no answer) and `bad_response`
 * (an answer that is not the API's JSON). `status` 0 for those two.
 */
export interface Problem {
  readonly code: string;
  readonly message: string;
  readonly status: number;
}

export type Answer<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: Problem };

export interface PortalApiOptions {
  /** The session's CSRF token, sent as `x-csrf-token` on every POST, PATCH and DELETE but sign-in. */
  readonly csrf: () => string | undefined;
  /** A 401 `signed_out`: the session ended (idle, absolute, too many wrong codes, or signed out elsewhere). */
  readonly onSignedOut: (problem: Problem) => void;
  /** Any answer from the server with a session: the idle clock restarted. */
  readonly onActivity?: () => void;
  readonly fetch?: typeof fetch;
  /** Default `/my/api`. */
  readonly base?: string;
}

/** The long poll answers within 25 s; anything slower than this is a lost connection. */
const LONG_POLL_MS = 40_000;
const REQUEST_MS = 20_000;

const NO_ANSWER = "Can't reach the server. Check your connection and try again.";

/** The API's calls, each resolving to an Answer (never rejecting). */
export function portalApi(options: PortalApiOptions) {
  const base = options.base ?? '/my/api';
  const run = options.fetch ?? ((input, init) => fetch(input, init));

  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    waitMs = REQUEST_MS,
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const csrf = options.csrf();
    if (method !== 'GET' && path !== '/sign-in' && csrf !== undefined) headers['x-csrf-token'] = csrf;
    let response: Response;
    try {
      response = await run(`${base}${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        signal: AbortSignal.timeout(waitMs),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      return { ok: false, problem: { code: 'network', message: NO_ANSWER, status: 0 } };
    }
    let parsed: unknown;
    if (response.status !== 204) {
      try {
        parsed = await response.json();
      } catch {
        parsed = undefined;
      }
    }
    if (response.ok) {
      options.onActivity?.();
      return { ok: true, value: parsed as T };
    }
    const error = parsed as { error?: unknown; message?: unknown } | undefined;
    const problem: Problem =
      typeof error?.error === 'string'
        ? {
            code: error.error,
            message: typeof error.message === 'string' ? error.message : '',
            status: response.status,
          }
        : {
            code: 'bad_response',
            message: `The server answered ${response.status}.`,
            status: response.status,
          };
    if (response.status === 401 && problem.code === 'signed_out') options.onSignedOut(problem);
    return { ok: false, problem };
  }

  return {
    session: () => call<Session>('GET', '/session'),
    signIn: (username: string, password: string) => call<Session>('POST', '/sign-in', { username, password }),
    code: (code: string) => call<Session>('POST', '/second-factor/code', { code }),
    startPush: () => call<PushStarted>('POST', '/second-factor/push', {}),
    waitPush: () =>
      call<Session | { state: 'pending' }>('GET', '/second-factor/push', undefined, LONG_POLL_MS),
    signOut: () => call<undefined>('POST', '/sign-out', {}),
    devices: () => call<{ devices: Device[]; canRemoveLast: boolean }>('GET', '/devices'),
    addPhone: (label?: string) => call<PhoneLink>('POST', '/devices/push', label ? { label } : {}),
    addApp: (label?: string) => call<PendingApp>('POST', '/devices/totp', label ? { label } : {}),
    confirmApp: (pendingId: string, code: string) =>
      call<{ device: Device }>('POST', '/devices/totp/confirm', { pendingId, code }),
    rename: (id: string, label: string) =>
      call<{ device: Device }>('PATCH', `/devices/${encodeURIComponent(id)}`, { label }),
    remove: (id: string) => call<undefined>('DELETE', `/devices/${encodeURIComponent(id)}`),
    backupCodes: () => call<{ codes: string[]; serial: string }>('POST', '/backup-codes', {}),
    signIns: () => call<{ signIns: SignInEntry[] }>('GET', '/sign-ins'),
    notMe: (id: number) => call<{ mutedUntil: string }>('POST', `/sign-ins/${id}/not-me`, {}),
  };
}

export type PortalApi = ReturnType<typeof portalApi>;
