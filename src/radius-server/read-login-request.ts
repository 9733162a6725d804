// Owns turning a verified Access-Request into the transport-neutral LoginRequest the use case decides on.
import type { Credential, LoginRequest } from '../auth/login-request.js';
import { Reason } from '../domain/reason.js';
import { MAX_USER_NAME_OCTETS } from '../domain/user-rules.js';
import { AttributeType } from '../radius/attribute-type.js';
import type { Packet, RawAttribute } from '../radius/packet.js';
import { unhideUserPassword } from '../radius/user-password.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The octets as text when all are printable ASCII (0x20–0x7e: no control can hide there), else undefined for the
 * decoder to judge. Most names are ASCII, and for a few octets String.fromCharCode is cheaper than a decoder call.
 */
function printableAscii(octets: Uint8Array): string | undefined {
  for (let i = 0; i < octets.length; i++) {
    const c = octets[i]!;
    if (c < 0x20 || c > 0x7e) return undefined;
  }
  return String.fromCharCode.apply(null, octets as unknown as number[]);
}

/**
 * Reads User-Name and the credential attributes. Every anomaly becomes a reason the use case rejects with:
 * SECURITY A1.10 (User-Password length), A1.11 (missing, empty or duplicated User-Name), B3 #40–42.
 */
export function readLoginRequest(
  packet: Packet,
  secret: Uint8Array,
  clientName: string,
  deadline?: number,
  transactionId?: string,
): LoginRequest {
  let userName: RawAttribute | undefined;
  let userNames = 0;
  let password: RawAttribute | undefined;
  let passwords = 0;
  let chap: RawAttribute | undefined;
  let chaps = 0;
  let eap = false;
  let state: Uint8Array | undefined;
  let callingStationId: Uint8Array | undefined;
  for (const attribute of packet.attributes) {
    switch (attribute.type) {
      case AttributeType.UserName:
        userName = attribute;
        userNames++;
        break;
      case AttributeType.UserPassword:
        password = attribute;
        passwords++;
        break;
      case AttributeType.ChapPassword:
        chap = attribute;
        chaps++;
        break;
      case AttributeType.EapMessage:
        eap = true;
        break;
      case AttributeType.State:
        state = attribute.value;
        break;
      case AttributeType.CallingStationId:
        callingStationId = attribute.value;
        break;
    }
  }

  let name: string | undefined;
  let problem: Reason | undefined;
  if (userNames === 0 || userName === undefined || userName.value.length === 0)
    problem = Reason.UserNameMissing;
  else if (userNames > 1) problem = Reason.UserNameDuplicated;
  else if (userName.value.length > MAX_USER_NAME_OCTETS) problem = Reason.UserNameInvalid;
  else {
    name = printableAscii(userName.value);
    if (name === undefined) {
      try {
        name = utf8.decode(userName.value);
        if (CONTROL.test(name)) {
          name = undefined;
          problem = Reason.UserNameInvalid;
        }
      } catch {
        problem = Reason.UserNameInvalid;
      }
    }
  }

  let credential: Credential;
  if (passwords + chaps > 1) credential = { kind: 'malformed', reason: Reason.CredentialsAmbiguous };
  else if (password !== undefined) {
    // RFC 2865 §5.2: 16 to 128 octets, a multiple of 16.
    const clear = unhideUserPassword(password.value, secret, packet.authenticator);
    credential =
      clear === undefined
        ? { kind: 'malformed', reason: Reason.UserPasswordMalformed }
        : { kind: 'password', password: clear };
  } else if (chap !== undefined) {
    // RFC 2865 §5.3: CHAP-Password is one octet of CHAP Ident and 16 of response.
    credential =
      chap.value.length === 17
        ? { kind: 'chap' }
        : { kind: 'malformed', reason: Reason.UserPasswordMalformed };
  } else if (eap) credential = { kind: 'eap' };
  else credential = { kind: 'none' };

  return {
    userName: name,
    userNameProblem: problem,
    credential,
    state,
    clientName,
    callingStationId,
    deadline,
    transactionId,
  };
}
