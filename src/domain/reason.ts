// Owns the closed set of reason codes that decisions, logs, metrics and docs/errors.md share.

/**
 * Why a login was rejected or a packet dropped. One code per distinct cause an operator may need to
 * tell apart; the NAS never sees these (every reject looks the same on the wire, SECURITY.md A3.7).
 */
export const Reason = {
  /** No user with that name in any configured source. */
  UserUnknown: 'USER_UNKNOWN',
  /** The first-factor password did not verify. */
  BadPassword: 'BAD_PASSWORD',
  /** The user exists but is disabled by an administrator. */
  UserDisabled: 'USER_DISABLED',
  /** The user has no password set (token-only or directory user with no local hash). */
  NoPassword: 'NO_PASSWORD',
  /** Access-Request without a User-Name, or with an empty one. */
  UserNameMissing: 'USER_NAME_MISSING',
  /** Access-Request with two or more User-Name attributes. */
  UserNameDuplicated: 'USER_NAME_DUPLICATED',
  /** User-Name longer than a user name can be, or with control characters. */
  UserNameInvalid: 'USER_NAME_INVALID',
  /** Access-Request with neither User-Password nor CHAP-Password nor EAP-Message. */
  NoCredentials: 'NO_CREDENTIALS',
  /** User-Password attribute of a length RFC 2865 §5.2 forbids. */
  UserPasswordMalformed: 'USER_PASSWORD_MALFORMED',
  /** More than one User-Password attribute, or User-Password together with CHAP-Password. */
  CredentialsAmbiguous: 'CREDENTIALS_AMBIGUOUS',
  /** CHAP-Password: not supported (passwords are stored hashed, CHAP needs the clear text). */
  ChapUnsupported: 'CHAP_UNSUPPORTED',
  /** EAP-Message: EAP is not supported yet. */
  EapUnsupported: 'EAP_UNSUPPORTED',
  /** RFC 5080 §2.1.1, SECURITY A4.5: a State this server did not issue, expired, used, or issued to another client. */
  StateUnknown: 'STATE_UNKNOWN',
  /**
   * The user has a second factor enrolled, and this version cannot check it over this path yet: fail closed
   * rather than let the password alone in.
   */
  SecondFactorUnavailable: 'SECOND_FACTOR_UNAVAILABLE',
  /** The store or another dependency failed; fail closed. */
  InternalError: 'INTERNAL_ERROR',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** Every reason code, for docs and table checks. */
export const allReasons: readonly Reason[] = Object.values(Reason);
