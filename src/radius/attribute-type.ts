// Owns the numeric type constants of the standard RADIUS attributes that code refers to by number.

/**
 * Standard attribute types (RFC 2865 §5, 2866 §5, 2869 §5, 3162, 3579, 5176, 6929).
 * Names and data types live in the dictionaries; these are only for code that reads packets by type.
 */
export const AttributeType = {
  UserName: 1,
  UserPassword: 2,
  ChapPassword: 3,
  NasIpAddress: 4,
  NasPort: 5,
  ServiceType: 6,
  FramedProtocol: 7,
  FramedIpAddress: 8,
  FilterId: 11,
  LoginIpHost: 14,
  LoginService: 15,
  ReplyMessage: 18,
  State: 24,
  Class: 25,
  VendorSpecific: 26,
  SessionTimeout: 27,
  IdleTimeout: 28,
  TerminationAction: 29,
  CalledStationId: 30,
  CallingStationId: 31,
  NasIdentifier: 32,
  ProxyState: 33,
  AcctStatusType: 40,
  AcctDelayTime: 41,
  AcctSessionId: 44,
  EventTimestamp: 55,
  ChapChallenge: 60,
  NasPortType: 61,
  ConnectInfo: 77,
  EapMessage: 79,
  MessageAuthenticator: 80,
  AcctInterimInterval: 85,
  NasPortId: 87,
  NasIpv6Address: 95,
  ErrorCause: 101,
  ExtendedType1: 241,
  ExtendedType2: 242,
  ExtendedType3: 243,
  ExtendedType4: 244,
  LongExtendedType1: 245,
  LongExtendedType2: 246,
} as const;
export type AttributeType = (typeof AttributeType)[keyof typeof AttributeType];

/** RFC 3579 §3.2: a Message-Authenticator attribute is always 18 octets (type, length, 16-octet HMAC). */
export const MESSAGE_AUTHENTICATOR_LENGTH = 18;

/** RFC 2865 §5: an attribute's Length octet counts type and length, so a value holds at most 253 octets. */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 253;
