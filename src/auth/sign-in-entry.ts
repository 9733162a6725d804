// Owns which login decisions become sign-in history rows, and the row each makes (issue 18): one rule for every path.
import type { Decision } from '../domain/decision.js';
import type { Reason } from '../domain/reason.js';
import type { NewSignIn } from '../domain/sign-in.js';
import { MAX_USER_NAME_OCTETS } from '../domain/user-rules.js';
import { stationText } from './station-text.js';

/**
 * Which rejections are kept in the user's history. SECURITY A13.1: only a rejection of a user known to exist is
 * kept. Anything that names a user nobody checked (an unknown name, a malformed request, a State that is not the
 * login's own, a name two users could be) is not: whoever can send packets could otherwise fill the table with
 * invented names, or write into the history of a user they only named. A `Record` over every reason, so a new
 * reason cannot be added without deciding here.
 */
export const RECORDED_REJECTIONS: Readonly<Record<Reason, boolean>> = {
  USER_UNKNOWN: false,
  BAD_PASSWORD: true,
  USER_DISABLED: true,
  NO_PASSWORD: true,
  USER_NAME_MISSING: false,
  USER_NAME_DUPLICATED: false,
  USER_NAME_INVALID: false,
  NO_CREDENTIALS: false,
  USER_PASSWORD_MALFORMED: false,
  CREDENTIALS_AMBIGUOUS: false,
  // Refused before any name is looked up.
  CHAP_UNSUPPORTED: false,
  EAP_UNSUPPORTED: false,
  // The State decides whose login it is, not the User-Name beside it; a retransmission after the end is no login.
  STATE_UNKNOWN: false,
  STATE_EXPIRED: false,
  STATE_FOREIGN: false,
  STATE_USED: false,
  REALM_UNKNOWN: false,
  // Whether the user exists cannot be told while the directory is down, or when the store failed.
  DIRECTORY_UNAVAILABLE: false,
  DIRECTORY_TIMEOUT: false,
  INTERNAL_ERROR: false,
  // Whose history it would be is the very question.
  IDENTITY_AMBIGUOUS: false,
  CODE_WRONG: true,
  CODE_REPLAYED: true,
  // The REST API answers an unknown name this way too (no such user, or no authenticator).
  PUSH_UNAVAILABLE: false,
  PUSH_DENIED: true,
  PUSH_NOT_ME: true,
  PUSH_TIMEOUT: true,
  PUSH_PENDING: true,
  PUSH_MUTED: true,
  PUSH_RATE_LIMITED: true,
  PUSH_UNDELIVERED: true,
  // Not a login's end: the typed code's own request is the one recorded.
  PUSH_ANSWERED_BY_CODE: false,
  ACCOUNT_LOCKED: true,
  TOKEN_LOCKED: true,
  SECOND_FACTOR_MISSING: true,
  ENROLLMENT_LIMITED: true,
  // A code login without any token names nobody known (otp-only mode checks no password first).
  NO_TOKEN: false,
  REQUEST_STALE: false,
};

/** Bounds of the stored text: whatever the caller passed, a row always fits the table (migration 8). */
const MAX_CLIENT = 253;
const MAX_USER_IP = 64;
const MAX_TXN = 64;

const bounded = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

// Date#toISOString costs ~0.5 µs, as much as the rest of recording a sign-in: the text of the second is made once
// a second and the milliseconds are appended (the same text; a test compares them).
let secondStart = Number.NaN;
let secondText = '';
let lastMs = Number.NaN;
let lastText = '';

/** `new Date(ms).toISOString()`, cheaper for times close together (a busy server's decisions). */
export function isoTime(ms: number): string {
  if (ms === lastMs) return lastText;
  if (!Number.isSafeInteger(ms) || ms < 0) return new Date(ms).toISOString();
  const milli = ms % 1000;
  const second = ms - milli;
  if (second !== secondStart) {
    secondStart = second;
    secondText = new Date(second).toISOString().slice(0, 20);
  }
  lastMs = ms;
  lastText = `${secondText}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  return lastText;
}

/**
 * The sign-in history row of a final login decision, or undefined when it is not one to keep: a challenge, a
 * pending push or a drop (no outcome yet, or none), or a rejection `RECORDED_REJECTIONS` leaves out.
 * @param decision what the login use case decided
 * @param client the NAS's client name, or the API key's name
 * @param station where the user is: Calling-Station-Id octets as received (decoded only for a row kept), text
 *   from an API caller, or undefined when unknown
 * @param txn the login's transaction id
 * @param now epoch ms of the decision
 * @returns the row to record, or undefined
 */
export function signInOf(
  decision: Decision,
  client: string,
  station: Uint8Array | string | undefined,
  txn: string,
  now: number,
): NewSignIn | undefined {
  let user: string | undefined;
  if (decision.kind === 'accept') user = decision.user;
  else if (decision.kind === 'reject' && RECORDED_REJECTIONS[decision.reason]) user = decision.user;
  // Names are bounded in octets where they enter; a longer one is not a name any user has.
  if (user === undefined || user.length === 0 || user.length > MAX_USER_NAME_OCTETS) return undefined;
  const userIp = station === undefined ? '' : typeof station === 'string' ? station : stationText(station);
  const accepted = decision.kind === 'accept';
  return {
    userName: user,
    at: isoTime(now),
    client: bounded(client, MAX_CLIENT),
    userIp: bounded(userIp, MAX_USER_IP),
    result: accepted ? 'accepted' : 'rejected',
    // Every Accept of this code names its method; one that does not is shown without one rather than guessed.
    how: accepted ? (decision.via ?? '') : '',
    reason: accepted ? '' : (decision as { reason: Reason }).reason,
    txn: bounded(txn, MAX_TXN),
  };
}
