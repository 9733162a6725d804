// Owns the FirstFactor port: checks a name and password against one or more user sources (local, LDAP).
import type { Awaitable } from './awaitable.js';
import type { Reason } from './reason.js';
import type { RequestContext } from './request-context.js';

/** Who passed the first factor, as the rest of the login sees them. */
export interface Identity {
  /** The canonical name: tokens, lockouts and policy are keyed by it (realm stripped, see docs/ldap.md). */
  readonly name: string;
  /** Group names (local groups, or LDAP group CNs) for policy and reply attributes. */
  readonly groups: readonly string[];
  /** Which source vouched for the user: `local` or a directory name. */
  readonly source: string;
}

export type FirstFactorResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly reason: Reason; readonly name?: string };

export type ResolvedName =
  | { readonly ok: true; readonly name: string }
  | { readonly ok: false; readonly reason: Reason };

/**
 * One first-factor source, or a router over several. Returns a plain value when every step is synchronous
 * (salted SHA-2 in the database) and a promise when work runs off the event loop (argon2id, LDAP), so the hot
 * path pays for a promise only when it must. Never throws for expected failures.
 */
export interface FirstFactor {
  /**
   * The canonical name for what the NAS typed (`alice@corp`, `CORP\alice` → `alice`) without checking any
   * password; a reason when the name cannot be routed (unknown realm).
   */
  resolveName(typed: string): ResolvedName;
  /**
   * Checks `password` for the typed name. `context` names the request for log lines (txn, client); its
   * `deadline` (epoch ms) is when the caller stops waiting: work that has not started by then is shed and the
   * result is REQUEST_STALE (issue 12).
   */
  check(
    typed: string,
    password: Uint8Array,
    context?: RequestContext,
  ): FirstFactorResult | Promise<FirstFactorResult>;
  /**
   * Local groups of a canonical name, without a password (otp-only mode, policy before the first factor). A
   * promise when the user must be read first (PostgreSQL, a user changed since the login index read it).
   */
  groupsOf(name: string): Awaitable<readonly string[]>;
  /** Releases connections (LDAP pools). */
  close?(): Promise<void>;
}
