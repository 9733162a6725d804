// Owns the record of one request from arrival to reply (and the Endpoint it came on), and its smaller held form.
import type { Client } from '../domain/client.js';
import type { Decision } from '../domain/decision.js';
import { AttributeType } from '../radius/attribute-type.js';
import type { Packet } from '../radius/packet.js';

/** A socket the processor can answer through; `kind` says which codes it serves (SECURITY A1.3). */
export interface Endpoint {
  readonly index: number;
  readonly kind: 'auth' | 'acct';
  send(bytes: Uint8Array, port: number, address: string): void;
}

/** One request between its arrival and its reply. */
export interface InFlight {
  readonly client: Client;
  readonly packet: Packet;
  readonly endpoint: Endpoint;
  readonly address: string;
  readonly port: number;
  /** Names the request in the duplicate cache, with `address` (`duplicateSlot`). */
  readonly slot: number;
  readonly started: number;
  /** Names the request on its log lines until a decision names its login's (issue 12 item 11). */
  readonly txn: string;
  /** Waited for a push decision (heldForm): its outcome is the login's, recorded where the push ended. */
  readonly held: boolean;
}

/** The login's transaction when the decision names one (a challenge's, a push's), else the request's own. */
export function transactionOf(request: InFlight, decision: Decision): string {
  return ('transactionId' in decision ? decision.transactionId : undefined) ?? request.txn;
}

const NO_OCTETS = new Uint8Array(0);

/** Held requests' authenticators live in shared slabs: one ArrayBuffer per 4,096 of them, not one each. */
let slab = new Uint8Array(0);
let slabUsed = 0;
function keepAuthenticator(authenticator: Uint8Array): Uint8Array {
  if (slabUsed + 16 > slab.length) {
    slab = new Uint8Array(16 * 4096);
    slabUsed = 0;
  }
  const kept = slab.subarray(slabUsed, slabUsed + 16);
  kept.set(authenticator);
  slabUsed += 16;
  return kept;
}

/**
 * What a held request keeps until its push is decided: enough to reply (identifier, authenticator, Proxy-State in
 * order) and nothing else, so 100,000 waiting logins do not keep 100,000 datagrams and attribute lists alive.
 */
export function heldForm(request: InFlight): InFlight {
  const packet = request.packet;
  const proxyStates = packet.attributes
    .filter((a) => a.type === AttributeType.ProxyState)
    .map((a) => ({ ...a, value: Uint8Array.from(a.value) }));
  return {
    ...request,
    held: true,
    packet: {
      code: packet.code,
      identifier: packet.identifier,
      authenticator: keepAuthenticator(packet.authenticator),
      attributes: proxyStates,
      bytes: NO_OCTETS,
      messageAuthenticatorOffset: -1,
    },
  };
}
