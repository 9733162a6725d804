// Owns the closed set of reason codes that decisions, logs, metrics and docs/errors.md share.

/**
 * Why a login was rejected or a packet dropped. One code per distinct cause an operator may need to
 * tell apart; the NAS never sees these (every reject looks the same on the wire, docs/security.md A3.7).
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
  /** RFC 5080 §2.1.1, SECURITY A4.5: a State this server never issued (or already forgot). */
  StateUnknown: 'STATE_UNKNOWN',
  /** A4.2: a State past its deadline. */
  StateExpired: 'STATE_EXPIRED',
  /** A4.1: a State issued to another client, or for another user name. The State is dead afterwards. */
  StateForeign: 'STATE_FOREIGN',
  /** A4.4: a State whose transaction already ended (accepted, rejected, or out of code attempts). */
  StateUsed: 'STATE_USED',
  /** The realm of `user@realm` / `REALM\user` is not configured. */
  RealmUnknown: 'REALM_UNKNOWN',
  /** The LDAP server could not be reached or refused the service bind. */
  DirectoryUnavailable: 'DIRECTORY_UNAVAILABLE',
  /** The LDAP server did not answer within `timeoutMs`. */
  DirectoryTimeout: 'DIRECTORY_TIMEOUT',
  /**
   * Issue 12: the first factor passed, but who the user is cannot be told for sure: the directory entry has no,
   * or several, values of its name attribute, or the user's tokens are held under two spellings of the name.
   * Refused rather than risk checking the wrong tokens (or none).
   */
  IdentityAmbiguous: 'IDENTITY_AMBIGUOUS',
  /** The code matched no token of the user. */
  CodeWrong: 'CODE_WRONG',
  /** A6.4: the code (or an earlier one of the same token) was already used. */
  CodeReplayed: 'CODE_REPLAYED',
  /** P2: an empty answer or `push` to a challenge; push is not available for this user. */
  PushUnavailable: 'PUSH_UNAVAILABLE',
  /** docs/push.md §5: the user denied the sign-in on the authenticator (or chose a wrong number). */
  PushDenied: 'PUSH_DENIED',
  /** SECURITY A7.8: the user answered "this wasn't me"; pushes to the user are muted for `push.muteMinutes`. */
  PushNotMe: 'PUSH_NOT_ME',
  /** No device answered before the push deadline (PROTOCOL P3). */
  PushTimeout: 'PUSH_TIMEOUT',
  /** SECURITY A7.7: another push of the user is still waiting for an answer (one at a time). */
  PushPending: 'PUSH_PENDING',
  /** SECURITY A7.8: pushes to the user are muted after a "this wasn't me" answer. */
  PushMuted: 'PUSH_MUTED',
  /** SECURITY A7.7: more pushes for the user, or from the NAS's source, than the limits allow; cooling down. */
  PushRateLimited: 'PUSH_RATE_LIMITED',
  /**
   * PROTOCOL §4.1: every push service the user's authenticators use refused or could not take the request, and
   * none of them polls: nobody can answer (the REST API answers 500 or 503, as FortiAuthenticator does).
   */
  PushUndelivered: 'PUSH_UNDELIVERED',
  /** PROTOCOL P4: a typed code ended the transaction while a push request was held; that request gets no reply. */
  PushAnsweredByCode: 'PUSH_ANSWERED_BY_CODE',
  /** A6.5, A6.7: the account is locked after too many failures; same reply as a wrong code. */
  AccountLocked: 'ACCOUNT_LOCKED',
  /** A6.5: every token of the user is locked after too many wrong codes. */
  TokenLocked: 'TOKEN_LOCKED',
  /** `secondFactor.requireForAll` is on and the user holds no token. */
  SecondFactorMissing: 'SECOND_FACTOR_MISSING',
  /**
   * Issue 18: enrollment at login was refused by its limits (codes per user or per source address per hour); the
   * login is refused like a missing second factor.
   */
  EnrollmentLimited: 'ENROLLMENT_LIMITED',
  /** otp-only or concat mode and the user holds no token that could check the code. */
  NoToken: 'NO_TOKEN',
  /**
   * Issue 12: the request's turn came after its client's `nasTimeout`: the NAS gave up, so it is dropped and
   * counted (STALE), not computed.
   */
  RequestStale: 'REQUEST_STALE',
  /** The store or another dependency failed; fail closed. */
  InternalError: 'INTERNAL_ERROR',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** Every reason code, for docs and table checks. */
export const allReasons: readonly Reason[] = Object.values(Reason);
