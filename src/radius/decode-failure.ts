// Owns the closed set of reasons a datagram is not a well-framed RADIUS packet (docs/security.md A1.2, A1.4–A1.6).

/**
 * Why `decodePacket` refused a datagram. Every one means: drop silently, count, rate-limit a log line.
 * Values are stable strings for counters and logs.
 */
export const DecodeFailure = {
  /** RFC 2865 §3: fewer than 20 octets arrived. */
  TooShort: 'TOO_SHORT',
  /** RFC 2865 §3: the datagram or its Length field is above the maximum (4096). */
  TooLong: 'TOO_LONG',
  /** RFC 2865 §3: the Length field is below 20. */
  LengthFieldTooSmall: 'LENGTH_FIELD_TOO_SMALL',
  /** RFC 2865 §3: the Length field claims more octets than arrived. */
  LengthFieldExceedsDatagram: 'LENGTH_FIELD_EXCEEDS_DATAGRAM',
  /** RFC 2865 §5: attribute type 0 is not valid. */
  AttributeTypeZero: 'ATTRIBUTE_TYPE_ZERO',
  /** RFC 2865 §5: an attribute Length below 2 (this also guards against a walk that never advances). */
  AttributeLengthInvalid: 'ATTRIBUTE_LENGTH_INVALID',
  /** RFC 2865 §5: an attribute, or its two-octet header, runs past the packet's Length. */
  AttributeOverrun: 'ATTRIBUTE_OVERRUN',
  /** FreeRADIUS `max_attributes`: more attributes than the configured maximum (200). */
  TooManyAttributes: 'TOO_MANY_ATTRIBUTES',
  /** RFC 3579 §3.2: a Message-Authenticator whose Length is not 18. */
  MessageAuthenticatorLength: 'MESSAGE_AUTHENTICATOR_LENGTH',
  /** RFC 3579 §3.2: more than one Message-Authenticator. */
  MessageAuthenticatorDuplicated: 'MESSAGE_AUTHENTICATOR_DUPLICATED',
} as const;
export type DecodeFailure = (typeof DecodeFailure)[keyof typeof DecodeFailure];
