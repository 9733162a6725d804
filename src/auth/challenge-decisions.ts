// Owns the decisions a login's live State yields: the Access-Challenge that carries it, a new State for the same
// login (A4.4), and a final decision given once the State has ended.
import type { ChallengeSession } from '../domain/challenge-session.js';
import type { Decision } from '../domain/decision.js';
import type { Reason } from '../domain/reason.js';
import type { LoginContext } from './login-context.js';

export type ChallengeDecisions = ReturnType<typeof createChallengeDecisions>;

export function createChallengeDecisions(ctx: LoginContext) {
  const { deps, sessions, settings, clock } = ctx;
  const { policy } = deps;

  const challengeText = (session: ChallengeSession): string => {
    if (session.enrollUrl !== '') {
      const totp =
        deps.enrollment?.pendingTotp(session.identity.name, session.transactionId, clock()) === true;
      const text =
        session.codeAttempts === 0
          ? settings.enrollmentText
          : totp
            ? settings.enrollmentTotpText
            : settings.enrollmentPendingText;
      return text.replaceAll('{url}', session.enrollUrl);
    }
    const offered = deps.push?.offered(session.identity.name) ?? false;
    const text = policy.challengeText(offered);
    return session.number === '' ? text : `${text} (number ${session.number})`;
  };

  const challengeFor = (session: ChallengeSession, reason: Reason | undefined): Decision => {
    const base = {
      kind: 'challenge' as const,
      user: session.identity.name,
      state: session.state,
      // PROTOCOL P1: the leading `+` offers push, only to a user with an authenticator; P7: the number to match.
      text: challengeText(session),
      transactionId: session.transactionId,
      timeoutSeconds: settings.challengeSeconds,
    };
    return reason === undefined ? base : { ...base, reason };
  };

  const challengeOpened = (session: ChallengeSession): Decision => challengeFor(session, undefined);

  /** A4.4: a new State for the same login, then the challenge that carries it. */
  const rechallengeFor = (
    session: ChallengeSession,
    now: number,
    reason: Reason,
  ): Decision | Promise<Decision> => {
    const moved = sessions.rechallenge(session, now);
    return moved instanceof Promise
      ? moved.then(() => challengeFor(session, reason))
      : challengeFor(session, reason);
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
