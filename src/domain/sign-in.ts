// Owns the sign-in history model and its port: each user's recent logins, for the portal's "last sign-ins" (issue 18).
import type { Awaitable } from './awaitable.js';

/** How an accepted login proved the second factor; `password`: the first factor alone (no second factor needed). */
export type SignInMethod = 'push' | 'totp' | 'hotp' | 'backup' | 'password' | 'grace';

export const SIGN_IN_METHODS: readonly SignInMethod[] = [
  'push',
  'totp',
  'hotp',
  'backup',
  'password',
  'grace',
];

/** A final outcome of one login (RADIUS, REST API or portal): never a challenge, a pending wait or a drop. */
export interface NewSignIn {
  readonly userName: string;
  /** ISO time of the decision. */
  readonly at: string;
  /** The NAS's client name, the API key's name, or `portal`. */
  readonly client: string;
  /** The user's address as the NAS reported it (Calling-Station-Id) or the browser's IP; '' when unknown. */
  readonly userIp: string;
  readonly result: 'accepted' | 'rejected';
  /** How an accepted login passed; '' for a rejection. */
  readonly how: SignInMethod | '';
  /** The reason code of a rejection (docs/errors.md); '' for an acceptance. */
  readonly reason: string;
  /** The login's transaction id (the `txn` of its log lines). */
  readonly txn: string;
}

export interface SignIn extends NewSignIn {
  readonly id: number;
  /** ISO time the user reported it as not theirs ("this wasn't me"), or null. */
  readonly notMeAt: string | null;
}

/** Sign-ins, newest first per user. Value or promise like the other stores; writes come in batches. */
export interface SignInStore {
  /** Appends in one transaction. */
  append(entries: readonly NewSignIn[]): Awaitable<void>;
  /**
   * The user's newest `limit` sign-ins, newest first: in the order they were recorded, which ids follow (a batch
   * is appended in the order of its decisions, so this is their time order too).
   */
  recent(userName: string, limit: number): Awaitable<SignIn[]>;
  /** The page after the user's sign-in `id` in the order of `recent`; empty when `id` is not one of theirs. */
  olderThan(userName: string, id: number, limit: number): Awaitable<SignIn[]>;
  get(id: number): Awaitable<SignIn | undefined>;
  /** Marks a sign-in as reported; false when no such id or already marked. */
  markNotMe(id: number, at: Date): Awaitable<boolean>;
  /**
   * Deletes sign-ins older than `before`, oldest first, up to the first that is not (a row written after a
   * clock step back waits for the next prune); returns how many.
   */
  pruneBefore(before: Date): Awaitable<number>;
}
