// Owns the challenge session and its store port: one login between its first factor and its code or push (A4).
import type { Awaitable } from './awaitable.js';
import type { Identity } from './first-factor.js';
import type { Reason } from './reason.js';

/**
 * One login waiting for its second factor. The store owns the mutable fields: callers change them only through
 * the port's methods (SQLite's memory table mutates this object; PostgreSQL's rows are the truth and this object
 * is the calling node's copy, updated by each method that succeeds).
 */
export interface ChallengeSession {
  readonly transactionId: string;
  readonly clientName: string;
  /** The User-Name as the NAS sent it; the answer must carry the same (A4.1). */
  readonly typedName: string;
  readonly identity: Identity;
  /** The State the NAS must echo now; replaced on every re-challenge. */
  state: Uint8Array;
  /** Epoch ms after which the State is refused (A4.2). */
  readonly deadline: number;
  /** Codes typed so far (A4.4). */
  codeAttempts: number;
  /** A code of this session is being checked; a second answer meanwhile is refused (A4.3). */
  checking: boolean;
  /** A push for this login was started (docs/push.md): an empty answer again attaches to it, no second push. */
  pushing: boolean;
  /** PROTOCOL P7: the 2-digit number shown in the challenge text, or empty without number matching. */
  readonly number: string;
  /** Issue 18: the enrollment link of an enrollment-at-login challenge, or empty for any other challenge. */
  readonly enrollUrl: string;
  /** The Calling-Station-Id of the first request, shown on the phone (SECURITY A7.9); empty when none. */
  readonly userIp: string;
}

/** What opening a session needs; the store draws the State and sets the deadline. */
export interface NewChallenge {
  readonly transactionId: string;
  readonly clientName: string;
  readonly typedName: string;
  readonly identity: Identity;
  readonly number: string;
  readonly enrollUrl: string;
  readonly userIp: string;
}

export type TakeResult =
  | { readonly ok: true; readonly session: ChallengeSession }
  | { readonly ok: false; readonly reason: Reason; readonly session?: ChallengeSession };

/** `take`'s answer, and `claimed: true` when the session was also claimed for the typed code (`takeAndClaim`). */
export type TakeClaimResult =
  | { readonly ok: true; readonly session: ChallengeSession; readonly claimed?: true }
  | { readonly ok: false; readonly reason: Reason; readonly session?: ChallengeSession };

/**
 * The table of live States. One node (SQLite) keeps it in memory, where single-threaded calls are the atomic
 * compare-and-sets SECURITY A4.3 asks for; several nodes (PostgreSQL) share rows, where each transition is one
 * conditional statement, so a NAS that fails over can answer on another node than the one that asked.
 */
export interface ChallengeStore {
  /** Opens a session after a passed first factor, with a fresh State (A4.2: 128 random bits). */
  open(challenge: NewChallenge, now: number): Awaitable<ChallengeSession>;
  /**
   * Finds the session of an echoed State. RFC 5080 §2.1.1, A4.1, A4.5: unknown, expired, used, or foreign
   * (another client or user name) States are refused; a foreign one also ends its session, since the State leaked.
   */
  take(state: Uint8Array, clientName: string, typedName: string, now: number): Awaitable<TakeResult>;
  /**
   * A4.3, A4.4: claims the session to check one typed code and counts the attempt; false when another answer's
   * code is being checked or the session ended meanwhile (the caller refuses as STATE_USED).
   */
  claim(session: ChallengeSession, now: number): Awaitable<boolean>;
  /**
   * Optional, for stores where each step is a round trip: for an answer that types a code, `take` and `claim` in
   * one step. A session found live, bound to this client and User-Name, not being checked and not an enrollment
   * at login's comes back claimed (`claimed: true`, its attempt counted). Any other answers as `take` does, with
   * nothing claimed, and the caller goes on as after `take` (refuses a session being checked, answers an
   * enrollment, or calls `claim`). Stores without it: `take`, then `claim`.
   */
  takeAndClaim?(
    state: Uint8Array,
    clientName: string,
    typedName: string,
    now: number,
  ): Awaitable<TakeClaimResult>;
  /** Ends a claim that neither ended nor re-challenged the session (a code that lost to the push's decision). */
  release(session: ChallengeSession): Awaitable<void>;
  /** A3.4: marks the session as pushing; false when another request (on any node) already started its push. */
  startPushing(session: ChallengeSession): Awaitable<boolean>;
  /** A4.3: the one terminal transition; the State can never be used again. Ending twice is harmless. */
  end(session: ChallengeSession, now: number): Awaitable<void>;
  /** A wrong code with attempts left: the old State dies, the same transaction continues under a new one. */
  rechallenge(session: ChallengeSession, now: number): Awaitable<void>;
}
