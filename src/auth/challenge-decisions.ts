// Owns the decisions a login's live State yields: the Access-Challenge that carries it, a new State for the same
// login (A4.4), and a final decision given once the State has ended.
import type { ChallengeSession } from '../domain/challenge-session.js';
import type { Decision } from '../domain/decision.js';
import type { Reason } from '../domain/reason.js';
import type { LoginContext } from './login-context.js';

export type ChallengeDecisions = ReturnType<typeof createChallengeDecisions>;

export function createChallengeDecisions(ctx: LoginContext) {
  const { deps, sessions, settings } = ctx;
  const { policy } = deps;

  /**
   * `totpPending`: a TOTP key chosen on the enrollment link's page awaits its first code. The caller says so (the
   * enrollment answer read the shared links table already): the text itself reads no store, so no challenge waits
   * for a round trip to word it.
   */
  const challengeText = (session: ChallengeSession, totpPending: boolean): string => {
    if (session.enrollUrl !== '') {
      const text =
        session.codeAttempts === 0
          ? settings.enrollmentText
          : totpPending
            ? settings.enrollmentTotpText
            : settings.enrollmentPendingText;
      return text.replaceAll('{url}', session.enrollUrl);
    }
    const offered = deps.push?.offered(session.identity.name) ?? false;
    const text = policy.challengeText(offered);
    return session.number === '' ? text : `${text} (number ${session.number})`;
  };

  const challengeFor = (
    session: ChallengeSession,
    reason: Reason | undefined,
    totpPending = false,
  ): Decision => {
    const base = {
      kind: 'challenge' as const,
      user: session.identity.name,
      state: session.state,
      // PROTOCOL P1: the leading `+` offers push, only to a user with an authenticator; P7: the number to match.
      text: challengeText(session, totpPending),
      transactionId: session.transactionId,
      timeoutSeconds: settings.challengeSeconds,
    };
    return reason === undefined ? base : { ...base, reason };
  };

  const challengeOpened = (session: ChallengeSession): Decision => challengeFor(session, undefined);

  /**
   * A4.4: a new State for the same login, then the challenge that carries it; `totpPending` as for the text (an
   * enrollment at login whose page's TOTP key awaits its first code).
   */
  const rechallengeFor = (
    session: ChallengeSession,
    now: number,
    reason: Reason,
    totpPending = false,
  ): Decision | Promise<Decision> => {
    const moved = sessions.rechallenge(session, now);
    return moved instanceof Promise
      ? moved.then(() => challengeFor(session, reason, totpPending))
      : challengeFor(session, reason, totpPending);
  };

  /** Ends the session, then gives `decision` (on PostgreSQL, once the end is committed). */
  const endThen = (
    session: ChallengeSession,
    now: number,
    decision: Decision,
  ): Decision | Promise<Decision> => {
    const ended = sessions.end(session, now);
    return ended instanceof Promise ? ended.then(() => decision) : decision;
  };

  return { challengeOpened, rechallengeFor, endThen };
}
