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
    const issued = deps.enrollment!.issue(identity.name, txn, source, request.clientName, now);
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
    const name = session.identity.name;
    const txn = session.transactionId;
    let checked: CodeResult | undefined | Promise<CodeResult | undefined>;
    try {
      if (typed !== undefined)
        checked = deps.enrollment?.firstTotpCode(name, txn, typed, now, request.clientName);
    } catch (error) {
      return endThen(session, now, internal(error, 'enrollment at login', request, name, txn));
    }
    if (!(checked instanceof Promise)) return enrollmentVerdict(session, checked, now);
    // A4.3: while the token is being stored, a second answer with the same State is refused.
    session.checking = true;
    return checked.then(
      (settled) => {
        session.checking = false;
        return enrollmentVerdict(session, settled, now);
      },
      (error: unknown) => {
        session.checking = false;
        return endThen(session, now, internal(error, 'enrollment at login', request, name, txn));
      },
    );
  };

  const enrollmentVerdict = (
    session: ChallengeSession,
    checked: CodeResult | undefined,
    now: number,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    // Enrollment at login counts here, not through `claim`: the page's pending TOTP key is this node's (docs/storage.md).
    session.codeAttempts++;
    if (checked?.ok === true) return endThen(session, now, acceptIdentity(session.identity, 'totp', txn));
    const reason = checked === undefined ? Reason.SecondFactorMissing : checked.reason;
    if (session.codeAttempts >= settings.maxCodeAttempts)
      return endThen(session, now, reject(reason, name, txn));
    return rechallengeFor(session, now, reason);
  };

  return { enrollAtLogin, enrollmentAnswer };
}
