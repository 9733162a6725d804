// Owns grace sign-ins (issue 18): a user holding no second factor let in on the first factor, with a reminder,
// while their grace period lasts under `secondFactor.requireForAll`.
import { accept, type Decision } from '../domain/decision.js';
import type { Identity } from '../domain/first-factor.js';
import type { GraceLoginStore } from '../domain/grace-logins.js';
import type { GroupAttributes } from './group-attributes.js';
import { graceDate, type SecondFactorPolicy } from './second-factor-policy.js';

export interface GraceSignInDeps {
  readonly policy: SecondFactorPolicy;
  /** Grace sign-ins used and users' own grace periods; absent: only the configured dates apply. */
  readonly graceLogins?: Pick<GraceLoginStore, 'used' | 'recordUse' | 'ownGrace'> | undefined;
  readonly attributesFor: GroupAttributes;
  readonly now: () => number;
}

/** An Access-Accept with the reminder while the user's grace lasts; undefined when none applies or it is spent. */
export type GraceSignIn = (identity: Identity) => Decision | undefined;

export function createGraceSignIn(deps: GraceSignInDeps): GraceSignIn {
  const { policy, graceLogins } = deps;

  /** A grace Accept with its reminder, or undefined when the allowance is spent. */
  const graceAccept = (identity: Identity, until: number, allowance: number): Decision | undefined => {
    let left: number | undefined;
    if (allowance > 0) {
      if (graceLogins!.used(identity.name) >= allowance) return undefined;
      const counted = graceLogins!.recordUse(identity.name, new Date(deps.now()));
      // Two nodes may both have read the last free sign-in: the count the write returns decides.
      if (counted > allowance) return undefined;
      left = allowance - counted;
    }
    const reminder = { name: 'Reply-Message', value: policy.graceReminder(until, left) };
    return accept(identity.name, [...deps.attributesFor(identity.groups), reminder], undefined, 'grace');
  };

  return (identity) => {
    // Grace exists only where a second factor is required of everyone (SECURITY A11.3).
    if (!policy.settings.requireForAll) return undefined;
    // A user's own grace period, where an administrator set one, replaces the global and group ones.
    const own = graceLogins?.ownGrace(identity.name);
    const until = own !== undefined ? graceDate(own.until) : policy.graceUntilFor(identity.groups);
    const allowance =
      graceLogins === undefined ? 0 : own !== undefined ? own.logins : policy.graceLoginsFor(identity.groups);
    // A grace period, while it lasts (both set: whichever ends first ends it).
    if ((until === 0 && allowance === 0) || (until !== 0 && until <= deps.now())) return undefined;
    return graceAccept(identity, until, allowance);
  };
}
