// Owns the rules of one user's own grace period (issue 18), one set for `assent user grace` and the REST API.
import { graceDateProblem } from '../auth/second-factor-policy.js';
import type { OwnGrace } from '../domain/grace-logins.js';
import { UserInputError } from './user-admin.js';

/** The most grace sign-ins one user may be given, as for `secondFactor.graceLogins`. */
export const MAX_GRACE_LOGINS = 10_000;

/**
 * An own grace period from what an administrator gave: a date (`YYYY-MM-DD`, UTC, a real calendar day), a count of
 * sign-ins, or both (whichever ends first). Neither, or both empty, is "no grace at all". @throws UserInputError
 */
export function ownGraceOf(input: { until?: string | undefined; logins?: number | undefined }): OwnGrace {
  const until = input.until ?? '';
  const problem = until === '' ? undefined : graceDateProblem(until);
  if (problem !== undefined) throw new UserInputError('until', problem);
  const logins = input.logins ?? 0;
  if (!Number.isInteger(logins) || logins < 0 || logins > MAX_GRACE_LOGINS) {
    throw new UserInputError('logins', `expected a whole number 0–${MAX_GRACE_LOGINS}`);
  }
  return { until, logins };
}

/** How an own grace period reads in a sentence: "until 2027-02-01, whichever ends first: 3 sign-ins". */
export function describeOwnGrace(name: string, grace: OwnGrace | undefined): string {
  if (grace === undefined) return `${name}: no own grace period (the global and group settings apply)`;
  const parts = [
    grace.until === '' ? undefined : `until ${grace.until}`,
    grace.logins === 0 ? undefined : `${grace.logins} sign-ins`,
  ].filter((p) => p !== undefined);
  return parts.length === 0
    ? `${name}: own grace period of none (a second factor is required now)`
    : `${name}: own grace period ${parts.join(', whichever ends first: ')}`;
}
