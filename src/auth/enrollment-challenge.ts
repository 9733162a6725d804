// Owns the challenge of enrollment at login (issue 18): opening it with the link for a user who holds no second
// factor, and answering it with the first code of the TOTP token chosen on the link's page.
import type { ChallengeSession } from '../domain/challenge-session.js';
import { type Decision, reject } from '../domain/decision.js';
import type { Identity } from '../domain/first-factor.js';
import { Reason } from '../domain/reason.js';
import { newTransactionId } from '../domain/transaction-id.js';
import type { ChallengeDecisions } from './challenge-decisions.js';
import type { CodeResult } from './check-code.js';
import type { LoginContext } from './login-context.js';
import type { LoginRequest } from './login-request.js';
import { stationText } from './station-text.js';

export type EnrollmentChallenge = ReturnType<typeof createEnrollmentChallenge>;

export function createEnrollmentChallenge(ctx: LoginContext, challenges: ChallengeDecisions) {
  const { deps, sessions, settings, clock, internal, acceptIdentity } = ctx;
  const { challengeOpened, rechallengeFor, endThen } = challenges;

  /**
   * Issue 18: a challenge naming a link whose page enrolls the web authenticator or shows a TOTP key for this user;
   * the answer to it (empty, or `push`) then sends the first push, or (a code) proves and stores the TOTP token.
   * No leading `+`: no push is possible yet.
   */
  const enrollAtLogin = (
    identity: Identity,
    request: LoginRequest,
    typed: string,
  ): Decision | Promise<Decision> => {
    const now = clock();
    // Issue 13: 128 bits, so a transaction id never repeats across nodes and restarts.
    const txn = request.transactionId ?? newTransactionId();
    const source = request.callingStationId === undefined ? '' : stationText(request.callingStationId);
    const failed = (error: unknown) => internal(error, 'enrollment at login', request, identity.name, txn);
    let issued: ReturnType<NonNullable<typeof deps.enrollment>['issue']>;
    try {
      issued = deps.enrollment!.issue(identity.name, txn, source, request.clientName, now);
    } catch (error) {
      return failed(error);
    }
    return issued instanceof Promise
      ? issued.then((settled) => challengeWith(identity, request, typed, txn, source, settled, now), failed)
      : challengeWith(identity, request, typed, txn, source, issued, now);
  };

  /** The challenge naming the link just issued, or the limits' refusal. */
  const challengeWith = (
    identity: Identity,
    request: LoginRequest,
    typed: string,
    txn: string,
    source: string,
    issued: { readonly url: string } | { readonly refused: Reason },
    now: number,
  ): Decision | Promise<Decision> => {
    if ('refused' in issued) return reject(issued.refused, identity.name, txn);
    const opened = sessions.open(
      {
        transactionId: txn,
        clientName: request.clientName,
        typedName: typed,
        identity,
        number: '',
        enrollUrl: issued.url,
        userIp: source,
      },
      now,
    );
    return opened instanceof Promise ? opened.then(challengeOpened) : challengeOpened(opened);
  };

  /**
   * Issue 18, A11.4: the answer of a login whose user is still enrolling. A code is checked against the TOTP token
   * chosen on the link's page (stored only if it verifies); anything else, or a wrong code, re-challenges while
   * attempts are left (A4.4), then refuses.
   */
  const enrollmentAnswer = (
    request: LoginRequest,
    session: ChallengeSession,
    typed: string | undefined,
    now: number,
  ): Decision | Promise<Decision> => {
    if (typed === undefined) return earlyAnswer(request, session, now);
    // A4.3, A4.4 across nodes: the page's TOTP key is in the shared links table, so this answer may reach any node;
    // the claim counts the attempt and refuses a second answer with the same State meanwhile, on every node.
    const claimed = sessions.claim(session, now);
    return claimed instanceof Promise
      ? claimed.then((won) => checkFirstCode(request, session, typed, now, won))
      : checkFirstCode(request, session, typed, now, claimed);
  };

  /**
   * An answer without a code: nothing to check, so no claim; counted on this copy of the session, which the
   * re-challenge writes back. The text then asks for the app's code if a TOTP key is pending.
   */
  const earlyAnswer = (
    request: LoginRequest,
    session: ChallengeSession,
    now: number,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    session.codeAttempts++;
    const failed = (error: unknown) =>
      endThen(session, now, internal(error, 'enrollment at login', request, name, txn));
    let pending: boolean | Promise<boolean> | undefined;
    try {
      pending = deps.enrollment?.pendingTotp(name, txn, now);
    } catch (error) {
      return failed(error);
    }
    return pending instanceof Promise
      ? pending.then((settled) => enrollmentVerdict(session, undefined, now, settled), failed)
      : enrollmentVerdict(session, undefined, now, pending === true);
  };

  /** The claimed answer's code against the pending TOTP key; a lost claim is refused as used. */
  const checkFirstCode = (
    request: LoginRequest,
    session: ChallengeSession,
    typed: string,
    now: number,
    claimed: boolean,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    if (!claimed) return reject(Reason.StateUsed, name, txn);
    const failed = (error: unknown) =>
      endThen(session, now, internal(error, 'enrollment at login', request, name, txn));
    let checked: CodeResult | undefined | Promise<CodeResult | undefined>;
    try {
      checked = deps.enrollment?.firstTotpCode(name, txn, typed, now, request.clientName);
    } catch (error) {
      return failed(error);
    }
    return checked instanceof Promise
      ? checked.then((settled) => enrollmentVerdict(session, settled, now), failed)
      : enrollmentVerdict(session, checked, now);
  };

  /**
   * The verdict on a counted answer; `checked` undefined: no code was checked (none typed, or no TOTP key pending
   * for this login). `totpPending`: the re-challenge asks for the app's code.
   */
  const enrollmentVerdict = (
    session: ChallengeSession,
    checked: CodeResult | undefined,
    now: number,
    totpPending = checked !== undefined,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    if (checked?.ok === true) return endThen(session, now, acceptIdentity(session.identity, 'totp', txn));
    const reason = checked === undefined ? Reason.SecondFactorMissing : checked.reason;
    // Another answer spent the link first (its token is stored, or a newer login replaced the link): this
    // login is over.
    if (reason === Reason.StateUsed || session.codeAttempts >= settings.maxCodeAttempts)
      return endThen(session, now, reject(reason, name, txn));
    return rechallengeFor(session, now, reason, totpPending);
  };

  return { enrollAtLogin, enrollmentAnswer };
}
