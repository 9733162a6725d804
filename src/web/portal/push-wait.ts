// Owns the second factor by push from the browser's side: start it, then long-poll until the phone answers, the
// server gives up, or the user leaves (docs/self-service.md). Every end is a value the screen shows; no DOM here.
import type { Answer, PortalApi, Problem, Session, SignedIn } from './api.js';

export type PushStep =
  | { readonly kind: 'signed-in'; readonly session: SignedIn }
  | { readonly kind: 'pending' }
  | { readonly kind: 'refused'; readonly problem: Problem };

/** One long-poll answer: approved (the signed-in session), still pending (ask again), or how it ended. */
export function pushStep(answer: Answer<Session | { state: 'pending' }>): PushStep {
  if (!answer.ok) return { kind: 'refused', problem: answer.problem };
  const value = answer.value;
  if (value.state === 'signed-in') return { kind: 'signed-in', session: value };
  if (value.state === 'pending') return { kind: 'pending' };
  // A session that is not signed in after a 200 is not what the API promises: treat it as an end.
  return {
    kind: 'refused',
    problem: { code: 'bad_response', message: 'The server did not confirm the sign-in.', status: 200 },
  };
}

const PUSH_TEXTS: Readonly<Record<string, string>> = {
  push_denied: 'The request was denied on your phone.',
  push_timeout: 'Your phone did not answer in time.',
  push_unreachable: 'Your phone could not be reached.',
  push_limited: 'Too many requests were sent to your phone. Wait a few minutes.',
};

/** The sentence for a push that ended without a sign-in. */
export function pushProblemText(problem: Problem): string {
  return PUSH_TEXTS[problem.code] ?? (problem.message || 'The request did not go through.');
}

/**
 * Long-polls until an end: the server holds each poll up to 25 s and answers `pending` on its timeout.
 * Resolves with `pending` only when `signal` aborts (the user left the screen), whatever the last poll said.
 */
export async function waitForPush(api: Pick<PortalApi, 'waitPush'>, signal: AbortSignal): Promise<PushStep> {
  while (!signal.aborted) {
    const step = pushStep(await api.waitPush());
    // An answer that arrives after the user left is not acted on: the screen it was for is gone.
    if (signal.aborted) break;
    if (step.kind !== 'pending') return step;
  }
  return { kind: 'pending' };
}
