// Owns answering Accounting-Request (RFC 2866): verified, deduplicated, logged, then an Accounting-Response.
import type { Logger } from 'pino';
import type { Client } from '../domain/client.js';
import { AttributeType } from '../radius/attribute-type.js';
import { verifyAccountingRequestAuthenticator } from '../radius/authenticator.js';
import type { Packet } from '../radius/packet.js';
import type { RadiusCounters } from './counters.js';
import type { DropLog } from './drop-log.js';
import { DropReason } from './drop-reason.js';
import { type DuplicateCache, DuplicateStatus, duplicateSlot } from './duplicate-cache.js';
import type { Endpoint } from './in-flight.js';
import { integerOf, textOf } from './packet-attributes.js';
import { encodeAccountingResponse } from './request-replies.js';

/** Accounting is only acknowledged and logged: nothing is stored, so each request is answered at once. */
export class AccountingResponder {
  private readonly logRequests: boolean;

  constructor(
    private readonly counters: RadiusCounters,
    private readonly duplicates: DuplicateCache,
    private readonly drops: DropLog,
    private readonly logger: Logger,
  ) {
    this.logRequests = logger.isLevelEnabled('info');
  }

  /** Answers one Accounting-Request that arrived on an accounting port from a known client. */
  answer(
    packet: Packet,
    client: Client,
    address: string,
    port: number,
    endpoint: Endpoint,
    now: number,
  ): void {
    // RFC 2866 §3: the Request Authenticator is an MD5 over the packet and the secret; a mismatch is discarded.
    if (!verifyAccountingRequestAuthenticator(packet.bytes, client.secret)) {
      this.drops.logged(
        DropReason.AccountingAuthenticatorInvalid,
        client,
        address,
        now,
        'shared secret mismatch?',
      );
      return;
    }
    const slot = duplicateSlot(endpoint.index, port, packet.identifier);
    const seen = this.duplicates.check(address, slot, packet.authenticator, now);
    if (seen === DuplicateStatus.Answered) {
      this.counters.duplicatesResent++;
      endpoint.send(this.duplicates.cachedReply!, port, address);
      return;
    }
    if (seen === DuplicateStatus.InProgress) {
      this.drops.count(DropReason.DuplicateInProgress);
      return;
    }
    if (this.logRequests) {
      this.logger.info({
        event: 'radius.accounting',
        client: client.name,
        src: `${address}:${port}`,
        id: packet.identifier,
        user: textOf(packet, AttributeType.UserName),
        statusType: integerOf(packet, 40),
        sessionId: textOf(packet, 44),
      });
    }
    const reply = encodeAccountingResponse(packet, client.secret);
    this.duplicates.begin(address, slot, packet.authenticator, now);
    this.duplicates.complete(address, slot, reply, now);
    this.counters.accountingResponses++;
    endpoint.send(reply, port, address);
  }
}
