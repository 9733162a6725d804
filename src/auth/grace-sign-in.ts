// Owns grace sign-ins (issue 18): a user holding no second factor let in on the first factor, with a reminder,
// while their grace period lasts under `secondFactor.requireForAll`.
import type { Awaitable } from '../domain/awaitable.js';
import { accept, type Decision } from '../domain/decision.js';
import type { Identity } from '../domain/first-factor.js';
import type { GraceLoginStore, OwnGrace } from '../domain/grace-logins.js';
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
export type GraceSignIn = (identity: Identity) => Awaitable<Decision | undefined>;

export function createGraceSignIn(deps: GraceSignInDeps): GraceSignIn {
  const { policy, graceLogins } = deps;

  // Each step continues at once with a value and after the store's promise with one (no closure otherwise).

  const accepted = (identity: Identity, until: number, left: number | undefined): Decision => {
    const reminder = { name: 'Reply-Message', value: policy.graceReminder(until, left) };
    return accept(identity.name, [...deps.attributesFor(identity.groups), reminder], undefined, 'grace');
  };

  const afterCounted = (
    identity: Identity,
    until: number,
    allowance: number,
    counted: number,
  ): Decision | undefined =>
    // Two nodes may both have read the last free sign-in: the count the write returns decides.
    counted > allowance ? undefined : accepted(identity, until, allowance - counted);

  const afterUsed = (
    identity: Identity,
    until: number,
    allowance: number,
    used: number,
  ): Awaitable<Decision | undefined> => {
    if (used >= allowance) return undefined;
    const counted = graceLogins!.recordUse(identity.name, new Date(deps.now()));
    return counted instanceof Promise
      ? counted.then((n) => afterCounted(identity, until, allowance, n))
      : afterCounted(identity, until, allowance, counted);
  };

  /** A grace Accept with its reminder, or undefined when the allowance is spent. */
  const graceAccept = (
    identity: Identity,
    until: number,
    allowance: number,
  ): Awaitable<Decision | undefined> => {
    if (allowance <= 0) return accepted(identity, until, undefined);
    const used = graceLogins!.used(identity.name);
    return used instanceof Promise
      ? used.then((n) => afterUsed(identity, until, allowance, n))
      : afterUsed(identity, until, allowance, used);
  };

  const withGrace = (identity: Identity, own: OwnGrace | undefined): Awaitable<Decision | undefined> => {
    const until = own !== undefined ? graceDate(own.until) : policy.graceUntilFor(identity.groups);
    const allowance =
      graceLogins === undefined ? 0 : own !== undefined ? own.logins : policy.graceLoginsFor(identity.groups);
    // A grace period, while it lasts (both set: whichever ends first ends it).
    if ((until === 0 && allowance === 0) || (until !== 0 && until <= deps.now())) return undefined;
    return graceAccept(identity, until, allowance);
  };

  return (identity) => {
    // Grace exists only where a second factor is required of everyone (SECURITY A11.3).
    if (!policy.settings.requireForAll) return undefined;
    // A user's own grace period, where an administrator set one, replaces the global and group ones.
    if (graceLogins === undefined) return withGrace(identity, undefined);
    const own = graceLogins.ownGrace(identity.name);
    return own instanceof Promise ? own.then((o) => withGrace(identity, o)) : withGrace(identity, own);
  };
}
