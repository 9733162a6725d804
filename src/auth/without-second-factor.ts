// Owns the login of a user who passed the first factor and holds no second factor (issue 18): let in, let in on
// grace, sent to enrollment at login, or refused.
import { type Decision, reject } from '../domain/decision.js';
import type { Identity } from '../domain/first-factor.js';
import { Reason } from '../domain/reason.js';
import type { EnrollmentChallenge } from './enrollment-challenge.js';
import { createGraceSignIn } from './grace-sign-in.js';
import type { LoginContext } from './login-context.js';
import type { LoginRequest } from './login-request.js';

/** `request` and `typed` are absent where the NAS cannot answer a challenge (`concat` mode). */
export type WithoutSecondFactor = (
  identity: Identity,
  request?: LoginRequest,
  typed?: string,
) => Decision | Promise<Decision>;

export function createWithoutSecondFactor(
  ctx: LoginContext,
  enrollment: Pick<EnrollmentChallenge, 'enrollAtLogin'>,
): WithoutSecondFactor {
  const { deps, settings, clock, acceptIdentity } = ctx;
  const { policy } = deps;
  const { enrollAtLogin } = enrollment;

  const grace = createGraceSignIn({
    policy,
    graceLogins: deps.graceLogins,
    attributesFor: deps.attributesFor,
    now: clock,
  });

  /**
   * A user who passed the first factor and holds no second factor: let in unless `requireForAll`; under it, let in
   * with a reminder until their grace period ends (issue 18), then enrollment at login where allowed, else refused
   * as SECOND_FACTOR_MISSING.
   */
  const withoutSecondFactor = (
    identity: Identity,
    request?: LoginRequest,
    typed?: string,
  ): Decision | Promise<Decision> => {
    const graced = grace(identity);
    return graced instanceof Promise
      ? graced.then((decided) => afterGrace(identity, request, typed, decided))
      : afterGrace(identity, request, typed, graced);
  };

  const afterGrace = (
    identity: Identity,
    request: LoginRequest | undefined,
    typed: string | undefined,
    graced: Decision | undefined,
  ): Decision | Promise<Decision> => {
    if (graced !== undefined) return graced;
    // Issue 18: then enrollment at login, where the NAS can answer a challenge (not in `concat` mode).
    if (request !== undefined && typed !== undefined && deps.enrollment !== undefined) {
      if (policy.enrollAtLoginFor(request.clientName, identity.groups))
        return enrollAtLogin(identity, request, typed);
    }
    return settings.requireForAll
      ? reject(Reason.SecondFactorMissing, identity.name)
      : acceptIdentity(identity, 'password');
  };

  return withoutSecondFactor;
}
