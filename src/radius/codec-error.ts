// Owns the programmer errors the RADIUS codec throws (never for wire input, which gets typed results).

/** Closed set of codes for misuse of the encoder API; tests assert the code, not the message. */
export const RadiusCodecErrorCode = {
  /** A header field (code, identifier) or an attribute type is outside 0–255 / 1–255. */
  InvalidField: 'RADIUS_INVALID_FIELD',
  /** An authenticator argument is not exactly 16 octets, or was passed where the codec computes it. */
  InvalidAuthenticator: 'RADIUS_INVALID_AUTHENTICATOR',
  /** An attribute value is longer than one attribute can carry; splitting is the caller's job. */
  ValueTooLong: 'RADIUS_VALUE_TOO_LONG',
  /** The encoded packet would exceed 4096 octets (RFC 2865 §3). */
  PacketTooLong: 'RADIUS_PACKET_TOO_LONG',
  /** The caller passed a Message-Authenticator; the encoder always adds it itself. */
  MessageAuthenticatorGiven: 'RADIUS_MESSAGE_AUTHENTICATOR_GIVEN',
  /** A User-Password longer than 128 octets (RFC 2865 §5.2). */
  PasswordTooLong: 'RADIUS_PASSWORD_TOO_LONG',
  /** A typed value does not fit its attribute's data type. */
  InvalidValue: 'RADIUS_INVALID_VALUE',
  /** A dictionary entry refers to an attribute the dictionary does not hold. */
  UnknownAttribute: 'RADIUS_UNKNOWN_ATTRIBUTE',
} as const;
export type RadiusCodecErrorCode = (typeof RadiusCodecErrorCode)[keyof typeof RadiusCodecErrorCode];

/** Thrown for programmer errors in codec calls; `code` says which rule was broken. */
export class RadiusCodecError extends Error {
  readonly code: RadiusCodecErrorCode;

  constructor(code: RadiusCodecErrorCode, message: string) {
    super(message);
    this.name = 'RadiusCodecError';
    this.code = code;
  }
}
