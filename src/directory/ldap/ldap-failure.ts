// Owns the mapping from ldapts / socket errors to the closed set of LDAP first-factor failure reasons.
import { InvalidCredentialsError, ResultCodeError } from 'ldapts';

export const LdapFailure = {
  UserUnknown: 'USER_UNKNOWN',
  BadPassword: 'BAD_PASSWORD',
  UserDisabled: 'USER_DISABLED',
  DirectoryUnavailable: 'DIRECTORY_UNAVAILABLE',
  DirectoryTimeout: 'DIRECTORY_TIMEOUT',
  /** The entry does not name its user unambiguously (no, or several, values of the name attribute). */
  IdentityAmbiguous: 'IDENTITY_AMBIGUOUS',
} as const;
export type LdapFailure = (typeof LdapFailure)[keyof typeof LdapFailure];

export interface LdapFailureInfo {
  readonly reason: LdapFailure;
  readonly detail: string;
}

/** Thrown by our own deadline so it is told apart from every ldapts error. */
export class LdapDeadlineError extends Error {
  override readonly name = 'LdapDeadlineError';
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * Active Directory puts the real cause of result 49 in the diagnostic message as `data NNN`
 * (MS-ADTS §3.1.1.3.3: 525 no such user, 52e bad password, 530/531 logon hours/workstation, 532 password
 * expired, 533 disabled, 701 account expired, 773 must change password, 775 locked out).
 */
function activeDirectoryCause(message: string): LdapFailure | undefined {
  const code = /\bdata ([0-9a-f]{3})\b/i.exec(message)?.[1]?.toLowerCase();
  if (code === undefined) return undefined;
  if (code === '525') return LdapFailure.UserUnknown;
  if (code === '52e') return LdapFailure.BadPassword;
  if (['530', '531', '532', '533', '701', '773', '775'].includes(code)) return LdapFailure.UserDisabled;
  return undefined;
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Classifies an error raised during `step` (for the log). `userBind` is true only for the bind made with
 * the user's own password: an invalid-credentials result there is the user's fault, anywhere else it is a
 * broken service account, so the directory counts as unavailable.
 */
export function classifyLdapError(error: unknown, step: string, userBind = false): LdapFailureInfo {
  const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
  if (
    error instanceof LdapDeadlineError ||
    /timed? ?out/i.test(message) ||
    errorCode(error) === 'ETIMEDOUT'
  ) {
    return { reason: LdapFailure.DirectoryTimeout, detail: `${step}: no answer in time (${message})` };
  }
  if (error instanceof InvalidCredentialsError) {
    if (!userBind) {
      return {
        reason: LdapFailure.DirectoryUnavailable,
        detail: `${step}: service account rejected (invalid credentials)`,
      };
    }
    const cause = activeDirectoryCause(message) ?? LdapFailure.BadPassword;
    return {
      reason: cause,
      detail: `${step}: invalid credentials${cause === 'BAD_PASSWORD' ? '' : ` (${message})`}`,
    };
  }
  if (error instanceof ResultCodeError) {
    return { reason: LdapFailure.DirectoryUnavailable, detail: `${step}: result ${error.code} (${message})` };
  }
  const code = errorCode(error);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) {
    return {
      reason: LdapFailure.DirectoryUnavailable,
      detail: `${step}: server down or unreachable (${code})`,
    };
  }
  if (code?.startsWith('ERR_TLS') || code?.includes('CERT') || /certificate|tls|ssl/i.test(message)) {
    return { reason: LdapFailure.DirectoryUnavailable, detail: `${step}: TLS failed (${code ?? message})` };
  }
  return { reason: LdapFailure.DirectoryUnavailable, detail: `${step}: ${message}` };
}
