// Owns the load generator's options: defaults, bounds, and their validation (loopback targets only).
import { buildCredentialTable, type CredentialTable } from './credential-table.js';
import { LoadgenError, LoadgenErrorCode } from './loadgen-error.js';
import { checkLoopbackTarget } from './loopback-target.js';

/** What the caller passes to `runRadiusLoad`; everything except the target and the secret has a default. */
export interface LoadOptionsInput {
  /** IPv4 or IPv6 literal in 127.0.0.0/8 or ::1 (default 127.0.0.1). */
  readonly host?: string;
  readonly port: number;
  readonly secret: string | Uint8Array;
  /** Number of distinct users cycled through (default 1). */
  readonly users?: number;
  /** `%d` is replaced by the user index (default `user%d`). */
  readonly userFormat?: string;
  /** `%d` is replaced by the user index (default `pw%d`). */
  readonly passwordFormat?: string;
  /** Requests in flight at once: the closed loop's window (default 64). */
  readonly window?: number;
  /** UDP sockets (source ports) the window is spread over (default 8). */
  readonly sockets?: number;
  /** Measured seconds after the warm-up (default 10, at most 600). */
  readonly durationSeconds?: number;
  /** Seconds of load before measuring starts (default 1). */
  readonly warmupSeconds?: number;
  /** Stop starting requests after this many, warm-up included (default 10,000,000). */
  readonly maxRequests?: number;
  /** Add a Message-Authenticator (RFC 3579 §3.2) to every request (default true). */
  readonly messageAuthenticator?: boolean;
  /** Count a reply without a Message-Authenticator as bad (default false). */
  readonly requireReplyMessageAuthenticator?: boolean;
  /** Milliseconds before a request is retransmitted or given up (default 1000). */
  readonly timeoutMs?: number;
  /** Retransmissions of the same packet before it counts as a timeout (default 0). */
  readonly retries?: number;
  /** Called when the measured interval starts (after the warm-up). Keep it quick: it runs in the loop. */
  readonly onMeasureStart?: () => void;
  /** Called when the measured interval ends. */
  readonly onMeasureEnd?: () => void;
  /** Stops the run early; the result then covers what was measured so far. */
  readonly signal?: AbortSignal;
}

/** Validated options with every default applied. */
export interface LoadOptions {
  readonly host: string;
  readonly family: 'udp4' | 'udp6';
  readonly port: number;
  readonly secret: Uint8Array;
  readonly users: number;
  readonly userFormat: string;
  readonly passwordFormat: string;
  readonly window: number;
  readonly sockets: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly maxRequests: number;
  readonly messageAuthenticator: boolean;
  readonly requireReplyMessageAuthenticator: boolean;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly onMeasureStart: (() => void) | undefined;
  readonly onMeasureEnd: (() => void) | undefined;
  readonly signal: AbortSignal | undefined;
}

/** The bounds every run stays inside, so a typo cannot turn a load test into a flood. */
export const LOAD_LIMITS = {
  maxDurationSeconds: 600,
  maxWarmupSeconds: 60,
  maxRequests: 1_000_000_000,
  maxUsers: 1_000_000,
  maxSockets: 256,
  /** One Identifier octet per request in flight on a socket (RFC 2865 §3). */
  maxWindowPerSocket: 256,
  maxTimeoutMs: 60_000,
  maxRetries: 10,
} as const;

export type LoadOptionsResult = { ok: true; options: LoadOptions } | { ok: false; message: string };

/** What every run starts from: its options and its users' names and passwords, both checked. */
export interface PreparedLoad {
  readonly options: LoadOptions;
  readonly credentials: CredentialTable;
}

function integerIn(name: string, value: number, min: number, max: number): string | undefined {
  return Number.isInteger(value) && value >= min && value <= max
    ? undefined
    : `${name} must be an integer from ${min} to ${max}, got ${value}`;
}

function numberIn(
  name: string,
  value: number,
  min: number,
  max: number,
  minExclusive: boolean,
): string | undefined {
  const aboveMin = minExclusive ? value > min : value >= min;
  return Number.isFinite(value) && aboveMin && value <= max
    ? undefined
    : `${name} must be ${minExclusive ? 'above' : 'at least'} ${min} and at most ${max}, got ${value}`;
}

/**
 * Applies defaults and checks every bound. The target must be a loopback literal: there is no way around it.
 * @returns the options, or a message naming the first bad option
 */
export function resolveLoadOptions(input: LoadOptionsInput): LoadOptionsResult {
  const host = input.host ?? '127.0.0.1';
  const target = checkLoopbackTarget(host);
  if (!target.ok) {
    return {
      ok: false,
      message:
        target.reason === 'not-loopback'
          ? `refusing target ${host}: only 127.0.0.0/8 and ::1 may be load-tested`
          : `target must be an IP literal in 127.0.0.0/8 or ::1, got ${host}`,
    };
  }
  const secret = typeof input.secret === 'string' ? new TextEncoder().encode(input.secret) : input.secret;
  const options: LoadOptions = {
    host: target.address,
    family: target.family,
    port: input.port,
    secret,
    users: input.users ?? 1,
    userFormat: input.userFormat ?? 'user%d',
    passwordFormat: input.passwordFormat ?? 'pw%d',
    window: input.window ?? 64,
    sockets: input.sockets ?? 8,
    durationSeconds: input.durationSeconds ?? 10,
    warmupSeconds: input.warmupSeconds ?? 1,
    maxRequests: input.maxRequests ?? 10_000_000,
    messageAuthenticator: input.messageAuthenticator ?? true,
    requireReplyMessageAuthenticator: input.requireReplyMessageAuthenticator ?? false,
    timeoutMs: input.timeoutMs ?? 1000,
    retries: input.retries ?? 0,
    onMeasureStart: input.onMeasureStart,
    onMeasureEnd: input.onMeasureEnd,
    signal: input.signal,
  };
  const L = LOAD_LIMITS;
  const problem =
    integerIn('port', options.port, 1, 65535) ??
    (secret.length === 0 ? 'secret must not be empty' : undefined) ??
    integerIn('users', options.users, 1, L.maxUsers) ??
    integerIn('sockets', options.sockets, 1, L.maxSockets) ??
    integerIn('window', options.window, 1, options.sockets * L.maxWindowPerSocket) ??
    numberIn('duration', options.durationSeconds, 0, L.maxDurationSeconds, true) ??
    numberIn('warm-up', options.warmupSeconds, 0, L.maxWarmupSeconds, false) ??
    integerIn('max requests', options.maxRequests, 1, L.maxRequests) ??
    integerIn('timeout', options.timeoutMs, 1, L.maxTimeoutMs) ??
    integerIn('retries', options.retries, 0, L.maxRetries);
  return problem === undefined ? { ok: true, options } : { ok: false, message: problem };
}

/**
 * Resolves the options (see `resolveLoadOptions`) and expands the users' names and passwords.
 * @throws LoadgenError `LOADGEN_INVALID_OPTIONS` naming the first bad option or user
 */
export function prepareLoad(input: LoadOptionsInput): PreparedLoad {
  const resolved = resolveLoadOptions(input);
  if (!resolved.ok) throw new LoadgenError(LoadgenErrorCode.InvalidOptions, resolved.message);
  const options = resolved.options;
  const credentials = buildCredentialTable(options.users, options.userFormat, options.passwordFormat);
  if (!credentials.ok) {
    throw new LoadgenError(
      LoadgenErrorCode.InvalidOptions,
      `user ${credentials.index}: ${credentials.reason === 'password-length' ? 'password over 128 octets' : 'user name empty or over 253 octets'}`,
    );
  }
  return { options, credentials: credentials.table };
}
