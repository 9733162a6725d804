// Owns push inside a login (docs/push.md, PROTOCOL P2–P4, P6): starting one for an answer, joining one already
// started (A3.4), `auto` mode's push at once, and a code typed while one waits.
import { whenReady } from '../domain/awaitable.js';
import type { ChallengeSession } from '../domain/challenge-session.js';
import { type Decision, reject } from '../domain/decision.js';
import { TransactionStatus } from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';
import type { TokenType } from '../domain/token.js';
import type { PushHooks } from './authenticate.js';
import type { ChallengeDecisions } from './challenge-decisions.js';
import type { LoginContext } from './login-context.js';
import type { LoginRequest } from './login-request.js';

/** docs/push.md §7: our Access-Reject must reach the NAS before it gives up. */
const NAS_MARGIN_MS = 5_000;
/** A push that cannot wait at least this long is not started (the NAS would give up first). */
const MIN_PUSH_MS = 5_000;

export type LoginPush = ReturnType<typeof createLoginPush>;

export function createLoginPush(ctx: LoginContext, challenges: Pick<ChallengeDecisions, 'endThen'>) {
  const { deps, sessions, clock, acceptIdentity } = ctx;
  const { endThen } = challenges;

  /**
   * P2, P3: an empty answer or `push` starts a push and holds the request (Decision `pending`). A3.4: asked again
   * with the same State while one waits, the request joins it; no second push is sent, whichever node asked.
   */
  const startPush = (
    request: LoginRequest,
    session: ChallengeSession,
    now: number,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    const hooks = deps.push;
    if (session.pushing) return attach(hooks, session);
    if (hooks === undefined || !hooks.offered(name)) {
      return endThen(session, now, reject(Reason.PushUnavailable, name, txn));
    }
    const nasDeadline =
      request.deadline === undefined ? Number.POSITIVE_INFINITY : request.deadline - NAS_MARGIN_MS;
    const deadline = Math.min(now + hooks.timeoutMs, nasDeadline, session.deadline);
    if (deadline - now < MIN_PUSH_MS) {
      return endThen(session, now, reject(Reason.PushUnavailable, name, txn));
    }
    // Marked before the push is sent, so a second empty answer (to this node or another) attaches instead.
    return whenReady(sessions.startPushing(session), (first) =>
      first ? sendPush(hooks, session, now, deadline) : attach(hooks, session),
    );
  };

  const sendPush = (
    hooks: PushHooks,
    session: ChallengeSession,
    now: number,
    deadline: number,
  ): Decision | Promise<Decision> => {
    const name = session.identity.name;
    const txn = session.transactionId;
    return whenReady(
      hooks.start({
        transactionId: txn,
        userName: name,
        clientName: session.clientName,
        userIp: session.userIp,
        number: session.number,
        now,
        deadline,
      }),
      (started) => {
        if (!started.ok) return endThen(session, now, reject(started.reason, name, txn));
        hooks.waits.add({
          transactionId: txn,
          identity: session.identity,
          clientName: session.clientName,
          userIp: session.userIp,
          deadline,
          relay: false,
          ended: () => endQuietly(session),
        });
        return { kind: 'pending', user: name, transactionId: txn };
      },
    );
  };

  /**
   * A3.4: this request waits for a push already started. When another node started it (a NAS that failed over),
   * this node holds a relay wait of its own, so the decision that node or a third one commits reaches this request
   * too (docs/storage.md "Logins across nodes"); the push's own deadline is bounded by the session's.
   */
  const attach = (hooks: PushHooks | undefined, session: ChallengeSession): Decision => {
    const txn = session.transactionId;
    if (hooks !== undefined && !hooks.waits.has(txn)) {
      hooks.waits.add({
        transactionId: txn,
        identity: session.identity,
        clientName: session.clientName,
        userIp: session.userIp,
        deadline: session.deadline,
        relay: true,
        ended: () => endQuietly(session),
      });
      hooks.relayed?.(txn);
    }
    return { kind: 'pending', user: session.identity.name, transactionId: txn };
  };

  /** A decided push ends its State; a failure to record that is logged, the decision stands. */
  const endQuietly = (session: ChallengeSession): void => {
    const failed = (error: unknown) =>
      deps.onInternalError?.(error, 'ending a challenge', {
        user: session.identity.name,
        txn: session.transactionId,
        client: session.clientName,
      });
    try {
      const ended = sessions.end(session, clock());
      if (ended instanceof Promise) ended.catch(failed);
    } catch (error) {
      failed(error);
    }
  };

  /**
   * PROTOCOL P6 `auto`: a challenge for a user with an authenticator becomes a push at once, holding this very
   * request; anything else (accept, reject, a challenge for a code-only user) stands as decided. So does a challenge
   * that carries a number to match (P7, A7.7): the user learns the number only from the challenge's text, and a
   * push sent at once would ask them for a number they never saw (a deny, and one more miss).
   */
  const autoPush = (request: LoginRequest, decided: Decision): Decision | Promise<Decision> => {
    if (decided.kind !== 'challenge' || deps.push === undefined || !deps.push.offered(decided.user))
      return decided;
    const now = clock();
    return whenReady(sessions.take(decided.state, request.clientName, request.userName!, now), (taken) =>
      taken.ok && taken.session.number === '' ? startPush(request, taken.session, now) : decided,
    );
  };

  /** P4: a typed code while a push waits ends the transaction as answered-by-code, if nothing decided it first. */
  const answeredByCode = (
    hooks: PushHooks,
    session: ChallengeSession,
    via: TokenType,
    now: number,
  ): Decision | Promise<Decision> => {
    const txn = session.transactionId;
    return whenReady(
      hooks.transactions.decide(txn, { status: TransactionStatus.AnsweredByCode }),
      (result) => {
        if (!result.won) {
          return whenReady(sessions.release(session), () =>
            reject(Reason.StateUsed, session.identity.name, txn),
          );
        }
        // Releases the held request(s) without a reply (here; other nodes through the store's notice).
        hooks.waits.settled(result.transaction);
        return endThen(session, now, acceptIdentity(session.identity, via, txn));
      },
    );
  };

  return { startPush, autoPush, answeredByCode };
}
