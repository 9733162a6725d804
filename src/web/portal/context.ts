// Owns what every portal screen is handed: the API client and the ways to move on. Screens get this
// instead of importing main.ts, so the flow between them stays in one place.
import type { PortalApi, Problem, Session } from './api.js';

export interface Portal {
  readonly api: PortalApi;
  /** A new session from a sign-in step: shows the screen it allows. */
  enter(session: Session): void;
  /** Ends the session on the server, then says so, or (`again`) shows the sign-in form at once. */
  signOut(again?: boolean): Promise<void>;
}

/**
 * Puts `problem`'s sentence in `status`, unless the session ended: that has its own screen already (api.ts calls
 * onSignedOut first). Returns false in that case, so the caller does nothing more.
 */
export function report(status: HTMLElement, problem: Problem, fallback = 'That did not work.'): boolean {
  if (problem.code === 'signed_out') return false;
  status.textContent = problem.message || fallback;
  return true;
}
