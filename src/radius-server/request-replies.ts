// Owns encoding the reply to a request: its attributes (the decision's, EAP-Failure, Proxy-State) and its octets.
import type { Logger } from 'pino';
import type { Decision } from '../domain/decision.js';
import { AttributeType } from '../radius/attribute-type.js';
import { Code } from '../radius/code.js';
import type { Dictionary } from '../radius/dictionary.js';
import { type EncodableAttribute, encodeReply } from '../radius/encode.js';
import type { Packet } from '../radius/packet.js';
import { replyAttributesFor } from './decision-to-reply.js';
import { type InFlight, transactionOf } from './in-flight.js';

/**
 * The reply to a decided request: the decision's attributes (a configuration error is logged and leaves none),
 * an EAP-Failure in an Access-Reject, then the request's Proxy-States.
 */
export function encodeDecisionReply(
  request: InFlight,
  decision: Decision,
  code: Code,
  dictionary: Dictionary,
  logger: Logger,
): Uint8Array {
  const built = replyAttributesFor(decision, dictionary);
  let attributes: EncodableAttribute[];
  if (built.ok) attributes = built.attributes;
  else {
    logger.error({
      event: 'radius.config_error',
      client: request.client.name,
      txn: transactionOf(request, decision),
      error: built.error,
    });
    attributes = [];
  }
  if (code === Code.AccessReject) appendEapFailure(request.packet, attributes);
  appendProxyStates(request.packet, attributes);
  return encodeReply({
    code,
    identifier: request.packet.identifier,
    requestAuthenticator: request.packet.authenticator,
    secret: request.client.secret,
    attributes,
  });
}

/** A reply with no attributes but the request's Proxy-States (Status-Server's, a bare Access-Reject). */
export function encodeBareReply(packet: Packet, code: number, secret: Uint8Array): Uint8Array {
  const attributes: EncodableAttribute[] = [];
  appendProxyStates(packet, attributes);
  return encodeReply({
    code,
    identifier: packet.identifier,
    requestAuthenticator: packet.authenticator,
    secret,
    attributes,
  });
}

/** The Accounting-Response to a verified Accounting-Request: only its Proxy-States. */
export function encodeAccountingResponse(packet: Packet, secret: Uint8Array): Uint8Array {
  const attributes: EncodableAttribute[] = [];
  appendProxyStates(packet, attributes);
  return encodeReply({
    code: Code.AccountingResponse,
    identifier: packet.identifier,
    requestAuthenticator: packet.authenticator,
    secret,
    attributes,
    messageAuthenticatorBase: 'zero',
  });
}

/** RFC 2865 §5.33: every Proxy-State is copied to the reply unchanged and in order. */
function appendProxyStates(packet: Packet, out: EncodableAttribute[]): void {
  for (const attribute of packet.attributes) {
    if (attribute.type === AttributeType.ProxyState)
      out.push({ type: AttributeType.ProxyState, value: attribute.value });
  }
}

/** RFC 3579 §2.6.3: an Access-Reject answering EAP carries an EAP-Failure with the request's identifier. */
function appendEapFailure(packet: Packet, out: EncodableAttribute[]): void {
  for (const attribute of packet.attributes) {
    if (attribute.type === AttributeType.EapMessage && attribute.value.length >= 2) {
      out.push({ type: AttributeType.EapMessage, value: Uint8Array.of(4, attribute.value[1]!, 0, 4) });
      return;
    }
  }
}
