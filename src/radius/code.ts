// Owns the RADIUS packet Code values (RFC 2865 §3, 2866, 5176, 5997, 7930) and their display names.

/** RADIUS packet codes. The decoder does not judge them: each listener decides which codes it serves. */
export const Code = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
  AccessChallenge: 11,
  StatusServer: 12,
  StatusClient: 13,
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoARequest: 43,
  CoAAck: 44,
  CoANak: 45,
  ProtocolError: 52,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

const names: ReadonlyMap<number, string> = new Map([
  [Code.AccessRequest, 'Access-Request'],
  [Code.AccessAccept, 'Access-Accept'],
  [Code.AccessReject, 'Access-Reject'],
  [Code.AccountingRequest, 'Accounting-Request'],
  [Code.AccountingResponse, 'Accounting-Response'],
  [Code.AccessChallenge, 'Access-Challenge'],
  [Code.StatusServer, 'Status-Server'],
  [Code.StatusClient, 'Status-Client'],
  [Code.DisconnectRequest, 'Disconnect-Request'],
  [Code.DisconnectAck, 'Disconnect-ACK'],
  [Code.DisconnectNak, 'Disconnect-NAK'],
  [Code.CoARequest, 'CoA-Request'],
  [Code.CoAAck, 'CoA-ACK'],
  [Code.CoANak, 'CoA-NAK'],
  [Code.ProtocolError, 'Protocol-Error'],
]);

/**
 * The registered name of a packet code, for logs and traces.
 * @param code - the Code octet of a packet (any number)
 * @returns e.g. `'Access-Request'`, or `'Unknown-Code-53'` for a code we do not know
 */
export function codeName(code: number): string {
  return names.get(code) ?? `Unknown-Code-${code}`;
}

/**
 * Whether the Request Authenticator of this request code is an MD5 over the packet rather than random
 * (RFC 2866 §3 Accounting-Request, RFC 5176 §3.5 CoA-Request and Disconnect-Request).
 */
export function hasComputedRequestAuthenticator(code: number): boolean {
  return code === Code.AccountingRequest || code === Code.DisconnectRequest || code === Code.CoARequest;
}
