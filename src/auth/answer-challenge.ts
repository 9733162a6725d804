// Owns the answer to a login's challenge (A4.4, PROTOCOL P2): State + code, an ask for a push, or an enrolling
// user's first code; the code's verdict accepts, re-challenges or refuses.
import type { ChallengeSession, TakeClaimResult } from '../domain/challenge-session.js';
import { type Decision, reject } from '../domain/decision.js';
import { Reason } from '../domain/reason.js';
import { digitsText } from '../otp/code-format.js';
import type { ChallengeDecisions } from './challenge-decisions.js';
import type { CodeResult } from './check-code.js';
import type { EnrollmentChallenge } from './enrollment-challenge.js';
import type { LoginContext } from './login-context.js';
import type { LoginPush } from './login-push.js';
import type { LoginRequest } from './login-request.js';

export type AnswerChallenge = (
  request: LoginRequest,
  typed: string,
  password: Uint8Array,
) => Decision | Promise<Decision>;

const utf8 = new TextDecoder();

/** P2: an empty answer or `push` (any case, trimmed) asks for a push instead of typing a code. */
function asksForPush(code: string): boolean {
  return code === '' || code.toLowerCase() === 'push';
}

export function createAnswerChallenge(
  ctx: LoginContext,
  challenges: ChallengeDecisions,
  push: Pick<LoginPush, 'startPush' | 'answeredByCode'>,
  enrollment: Pick<EnrollmentChallenge, 'enrollmentAnswer'>,
): AnswerChallenge {
  const { deps, sessions, settings, clock, internal, code, acceptIdentity } = ctx;
  const { rechallengeFor, endThen } = challenges;
  const { startPush, answeredByCode } = push;
  const { enrollmentAnswer } = enrollment;

  /** The answer to a challenge: State + code (A4.4, P2). */
  const answer = (
    request: LoginRequest,
    typed: string,
    password: Uint8Array,
  ): Decision | Promise<Decision> => {
    const now = clock();
    // A typed code is digits: no decoder call then (and nothing to trim).
    const text = digitsText(password, 0, password.length) ?? utf8.decode(password).trim();
    // A typed code where each store step is a round trip (PostgreSQL): the session is found and claimed at once.
    const taken =
      sessions.takeAndClaim !== undefined && !asksForPush(text)
        ? sessions.takeAndClaim(request.state!, request.clientName, typed, now)
        : sessions.take(request.state!, request.clientName, typed, now);
    return taken instanceof Promise
      ? taken.then((result) => answerTaken(request, typed, text, now, result))
      : answerTaken(request, typed, text, now, taken);
  };

  const answerTaken = (
    request: LoginRequest,
    typed: string,
    text: string,
    now: number,
    taken: TakeClaimResult,
  ): Decision | Promise<Decision> => {
    if (!taken.ok) return reject(taken.reason, typed, taken.session?.transactionId);
    const session = taken.session;
    if (taken.claimed === true) return checkClaimed(request, session, text, now, true);
    const name = session.identity.name;
    const txn = session.transactionId;
    // A4.3: while one answer's code is being committed, a second answer with the same State is refused.
    if (session.checking) return reject(Reason.StateUsed, name, txn);
    // Issue 18: no authenticator enrolled yet: the answer is the first code of a TOTP token chosen on the link's
    // page, or comes too early.
    if (session.enrollUrl !== '' && deps.push?.offered(name) !== true) {
      return enrollmentAnswer(request, session, asksForPush(text) ? undefined : text, now);
    }
    if (asksForPush(text)) return startPush(request, session, now);
    const claimed = sessions.claim(session, now);
    return claimed instanceof Promise
      ? claimed.then((won) => checkClaimed(request, session, text, now, won))
      : checkClaimed(request, session, text, now, claimed);
  };

  /** A4.3: the claimed session's typed code is checked; a lost claim is refused as used. */
  const checkClaimed = (
    request: LoginRequest,
    session: ChallengeSession,
    text: string,
    now: number,
    claimed: boolean,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    if (!claimed) return reject(Reason.StateUsed, name, txn);
    try {
      const result = code(name, text, now, { transactionId: txn, clientName: request.clientName });
      return result instanceof Promise
        ? result.then(
            (settled) => settleAnswer(session, now, settled),
            (error: unknown) => endThen(session, now, internal(error, 'code check', request, name, txn)),
          )
        : settleAnswer(session, now, result);
    } catch (error) {
      return endThen(session, now, internal(error, 'code check', request, name, txn));
    }
  };

  /** The code's verdict for a challenge answer: accept, re-challenge while attempts are left (A4.4), or reject. */
  const settleAnswer = (
    session: ChallengeSession,
    now: number,
    result: CodeResult,
  ): Decision | Promise<Decision> => {
    const txn = session.transactionId;
    if (result.ok) {
      if (session.pushing && deps.push !== undefined)
        return answeredByCode(deps.push, session, result.type, now);
      return endThen(session, now, acceptIdentity(session.identity, result.type, txn));
    }
    const retry = result.reason === Reason.CodeWrong || result.reason === Reason.CodeReplayed;
    if (retry && session.codeAttempts < settings.maxCodeAttempts)
      return rechallengeFor(session, now, result.reason);
    return endThen(session, now, reject(result.reason, session.identity.name, txn));
  };

  return answer;
}
