// Owns the closed set of reasons the RADIUS transport drops a datagram without any reply.

export const DropReason = {
  /** SECURITY A1.1: source address matches no client. */
  UnknownClient: 'UNKNOWN_CLIENT',
  /** SECURITY A1.2–A1.6: the decoder refused the framing (the decode reason is counted apart). */
  Malformed: 'MALFORMED',
  /** SECURITY A1.3: a code this port does not serve (replies, code 0, undefined codes, accounting on auth). */
  UnexpectedCode: 'UNEXPECTED_CODE',
  /** SECURITY A2.2: Access-Request without Message-Authenticator from a client that requires it. */
  MessageAuthenticatorMissing: 'MESSAGE_AUTHENTICATOR_MISSING',
  /** SECURITY A1.7: Message-Authenticator present but wrong (usually a shared-secret mismatch). */
  MessageAuthenticatorInvalid: 'MESSAGE_AUTHENTICATOR_INVALID',
  /** SECURITY A2.3: Proxy-State without Message-Authenticator (the BlastRADIUS signature). */
  ProxyStateWithoutMessageAuthenticator: 'PROXY_STATE_WITHOUT_MESSAGE_AUTHENTICATOR',
  /** RFC 5997 §3: Status-Server must carry Message-Authenticator. */
  StatusServerWithoutMessageAuthenticator: 'STATUS_SERVER_WITHOUT_MESSAGE_AUTHENTICATOR',
  /** RFC 3579 §3.1: EAP-Message must come with Message-Authenticator. */
  EapWithoutMessageAuthenticator: 'EAP_WITHOUT_MESSAGE_AUTHENTICATOR',
  /** RFC 3579 §3.1: EAP-Message together with User-Password or CHAP-Password. */
  EapWithPassword: 'EAP_WITH_PASSWORD',
  /** RFC 2866 §3: Accounting-Request whose Request Authenticator does not verify. */
  AccountingAuthenticatorInvalid: 'ACCOUNTING_AUTHENTICATOR_INVALID',
  /** RFC 5080 §2.2.2: retransmission of a request still being processed. */
  DuplicateInProgress: 'DUPLICATE_IN_PROGRESS',
  /** SECURITY A3.5: too many requests in flight. */
  Overload: 'OVERLOAD',
  /** The server is shutting down and takes no new requests. */
  ShuttingDown: 'SHUTTING_DOWN',
  /** The use case decided to drop (e.g. the store is down and the policy lets the NAS fail over). */
  Decided: 'DECIDED',
  /** Issue 12: no reply could be encoded for the request, not even a bare Access-Reject (logged as an error). */
  ReplyUnencodable: 'REPLY_UNENCODABLE',
  /** Issue 12: the request waited longer than its client's `nasTimeout` before its turn; the NAS gave up. */
  Stale: 'STALE',
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

export const allDropReasons: readonly DropReason[] = Object.values(DropReason);
