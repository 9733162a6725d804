// Owns the per-datagram pipeline: source → framing → Message-Authenticator → duplicates → content → decision → reply.
// handle() reads top to bottom in one place (SECURITY A1 order), with no closures; in-flight-requests.ts answers.
import type { Logger } from 'pino';
import type { Authenticate } from '../auth/authenticate.js';
import type { Client } from '../domain/client.js';
import type { Decision } from '../domain/decision.js';
import { Reason } from '../domain/reason.js';
import { AttributeType } from '../radius/attribute-type.js';
import { Code } from '../radius/code.js';
import type { Dictionary } from '../radius/dictionary.js';
import { verifyRequestMessageAuthenticator } from '../radius/message-authenticator.js';
import { decodePacket, type Packet } from '../radius/packet.js';
import { AccountingResponder } from './accounting-responder.js';
import type { ClientTable } from './client-table.js';
import { RadiusCounters } from './counters.js';
import { DecisionLog } from './decision-log.js';
import { DropLog } from './drop-log.js';
import { DropReason } from './drop-reason.js';
import { DuplicateCache, DuplicateStatus, duplicateSlot } from './duplicate-cache.js';
import { HeldRequests } from './held-requests.js';
import type { Endpoint, InFlight } from './in-flight.js';
import { type FinalDecisionListener, InFlightRequests } from './in-flight-requests.js';
import { hasAttribute } from './packet-attributes.js';
import { encodeBareReply } from './request-replies.js';

export type { Endpoint } from './in-flight.js';

export interface ProcessorOptions {
  readonly rejectDelayMs: number;
  readonly rejectJitterMs: number;
  readonly duplicateCacheSeconds: number;
  readonly maxInFlight: number;
  readonly maxAttributes: number;
  readonly unknownClientLogIntervalSeconds: number;
}

export interface ProcessorDeps {
  readonly clients: ClientTable;
  readonly authenticate: Authenticate;
  readonly dictionary: Dictionary;
  readonly logger: Logger;
  readonly options: ProcessorOptions;
  readonly counters?: RadiusCounters;
  readonly now?: () => number;
  /** Requests held for a push decision (docs/push.md): `push.maxPending`, and the longest a hold may last. */
  readonly holds?: { readonly max: number; readonly maxHoldMs: number };
  /** Told the milliseconds from arrival to each decision (the latency histogram). */
  readonly onDecided?: (ms: number) => void;
  /**
   * Told each final decision (Accept or Reject) this processor answers a request with, for the sign-in history
   * (issue 18): the NAS's client name, the request's Calling-Station-Id octets, the login's transaction. Not told
   * decisions that release requests held for a push: those come once per login from the push waits. Must not throw.
   */
  readonly onFinalDecision?: FinalDecisionListener;
}

const IN_PROGRESS_LIFETIME_MS = 120_000;
const MAX_CACHE_ENTRIES = 200_000;

export class RequestProcessor {
  readonly counters: RadiusCounters;
  private clients: ClientTable;
  private readonly options: ProcessorOptions;
  private readonly decodeOptions: { readonly maxAttributes: number };
  private readonly now: () => number;
  private readonly duplicates: DuplicateCache;
  private readonly drops: DropLog;
  private readonly accounting: AccountingResponder;
  private readonly requests: InFlightRequests;
  private readonly sweeper: NodeJS.Timeout;
  private readonly held: HeldRequests<InFlight>;
  private readonly maxHoldMs: number;

  constructor(deps: ProcessorDeps) {
    this.clients = deps.clients;
    this.options = deps.options;
    this.decodeOptions = { maxAttributes: deps.options.maxAttributes };
    this.counters = deps.counters ?? new RadiusCounters();
    this.now = deps.now ?? Date.now;
    this.duplicates = new DuplicateCache(
      deps.options.duplicateCacheSeconds * 1000,
      IN_PROGRESS_LIFETIME_MS,
      MAX_CACHE_ENTRIES,
    );
    this.drops = new DropLog(this.counters, deps.logger, deps.options.unknownClientLogIntervalSeconds * 1000);
    this.accounting = new AccountingResponder(this.counters, this.duplicates, this.drops, deps.logger);
    this.held = new HeldRequests(deps.holds?.max ?? 100_000);
    this.maxHoldMs = deps.holds?.maxHoldMs ?? 605_000;
    this.requests = new InFlightRequests({
      authenticate: deps.authenticate,
      counters: this.counters,
      duplicates: this.duplicates,
      held: this.held,
      dictionary: deps.dictionary,
      logger: deps.logger,
      now: this.now,
      rejectDelayMs: deps.options.rejectDelayMs,
      rejectJitterMs: deps.options.rejectJitterMs,
      decisions: new DecisionLog(this.counters, deps.logger, this.now, deps.onDecided),
      onFinalDecision: deps.onFinalDecision,
    });
    this.sweeper = setInterval(() => this.sweep(this.now()), 1000);
    this.sweeper.unref();
  }

  get inFlight(): number {
    return this.requests.count;
  }

  /** Requests held for a push answer now (the pending-pushes gauge counts transactions, this counts requests). */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * A decision for a transaction whose requests are held (a device answered, a code was typed, the deadline
   * passed): each held request gets it now. A decision for a transaction with nothing held is ignored (answered
   * already, or the requests were given up).
   */
  resume(transactionId: string, decision: Decision): void {
    for (const request of this.held.take(transactionId)) this.requests.resume(request, decision);
  }

  private sweep(now: number): void {
    this.duplicates.sweep(now);
    // A decision always comes before this (the push window is shorter); if none did, do not hold forever.
    for (const request of this.held.expire(now, this.maxHoldMs)) {
      this.requests.resume(request, { kind: 'drop', reason: Reason.PushTimeout });
    }
  }

  /** Replaces the client table (after `assent client add` and a reload). */
  setClients(clients: ClientTable): void {
    this.clients = clients;
  }

  /** Handles one datagram. Never throws on wire input: every refusal is a counted drop or a decision. */
  handle(datagram: Uint8Array, address: string, port: number, endpoint: Endpoint): void {
    this.counters.received++;
    const now = this.now();
    // SECURITY A1.1 / RFC 2865 §2: a request from an unknown address is silently discarded.
    const client = this.clients.find(address);
    if (client === undefined) {
      this.drops.unknownClient(address, now);
      return;
    }
    if (!this.requests.accepting) {
      this.drops.count(DropReason.ShuttingDown);
      return;
    }

    const decoded = decodePacket(datagram, this.decodeOptions);
    if (!decoded.ok) {
      this.counters.countMalformed(decoded.reason);
      this.drops.logged(DropReason.Malformed, client, address, now, decoded.reason);
      return;
    }
    const packet = decoded.packet;
    const code = packet.code;

    // SECURITY A1.3: only the codes this port serves.
    if (endpoint.kind === 'auth') {
      if (code !== Code.AccessRequest && code !== Code.StatusServer) {
        this.drops.count(DropReason.UnexpectedCode);
        return;
      }
    } else if (code !== Code.AccountingRequest && code !== Code.StatusServer) {
      this.drops.count(DropReason.UnexpectedCode);
      return;
    }
    if (code === Code.AccountingRequest) {
      this.accounting.answer(packet, client, address, port, endpoint, now);
      return;
    }

    // SECURITY A1.7 / RFC 3579 §3.2: a present Message-Authenticator is verified before anything else is trusted.
    if (packet.messageAuthenticatorOffset >= 0) {
      if (!verifyRequestMessageAuthenticator(packet, client.secret)) {
        this.drops.logged(
          DropReason.MessageAuthenticatorInvalid,
          client,
          address,
          now,
          'shared secret mismatch?',
        );
        return;
      }
    } else {
      const refusal = this.missingMessageAuthenticator(packet, client);
      if (refusal !== undefined) {
        this.drops.logged(refusal, client, address, now, undefined);
        return;
      }
    }

    if (code === Code.StatusServer) {
      this.answerStatusServer(packet, client, address, port, endpoint);
      return;
    }

    // RFC 5080 §2.2.2: duplicates are recognised only after the packet proved it knows the secret.
    const slot = duplicateSlot(endpoint.index, port, packet.identifier);
    const seen = this.duplicates.check(address, slot, packet.authenticator, now);
    if (seen === DuplicateStatus.InProgress) {
      this.drops.count(DropReason.DuplicateInProgress);
      return;
    }
    if (seen === DuplicateStatus.Answered) {
      this.counters.duplicatesResent++;
      endpoint.send(this.duplicates.cachedReply!, port, address);
      return;
    }
    // SECURITY A3.5: bounded work in flight; the NAS retransmits or fails over. A3.6, RFC 5080 §2.2.3: a tenth
    // more room for answers to a challenge (State), so logins already halfway through finish before new ones start.
    if (
      this.requests.count >= this.options.maxInFlight &&
      (this.requests.count >= this.options.maxInFlight * 1.1 || !hasAttribute(packet, AttributeType.State))
    ) {
      this.drops.count(DropReason.Overload);
      return;
    }

    // RFC 3579 §3.1: EAP-Message never travels with User-Password or CHAP-Password.
    if (
      hasAttribute(packet, AttributeType.EapMessage) &&
      (hasAttribute(packet, AttributeType.UserPassword) || hasAttribute(packet, AttributeType.ChapPassword))
    ) {
      this.drops.logged(DropReason.EapWithPassword, client, address, now, undefined);
      return;
    }

    this.duplicates.begin(address, slot, packet.authenticator, now);
    this.requests.start(client, packet, endpoint, address, port, slot, now);
  }

  /** SECURITY A2.2, A2.3, A1.8: which drop applies to a request without Message-Authenticator, if any. */
  private missingMessageAuthenticator(packet: Packet, client: Client): DropReason | undefined {
    if (packet.code === Code.StatusServer) return DropReason.StatusServerWithoutMessageAuthenticator;
    if (hasAttribute(packet, AttributeType.EapMessage)) return DropReason.EapWithoutMessageAuthenticator;
    if (client.requireMessageAuthenticator) return DropReason.MessageAuthenticatorMissing;
    if (client.limitProxyState && hasAttribute(packet, AttributeType.ProxyState)) {
      return DropReason.ProxyStateWithoutMessageAuthenticator;
    }
    return undefined;
  }

  private answerStatusServer(
    packet: Packet,
    client: Client,
    address: string,
    port: number,
    endpoint: Endpoint,
  ): void {
    // RFC 5997 §3: Access-Accept on an authentication port, Accounting-Response on an accounting port.
    const code = endpoint.kind === 'auth' ? Code.AccessAccept : Code.AccountingResponse;
    const reply = encodeBareReply(packet, code, client.secret);
    this.counters.statusServerReplies++;
    endpoint.send(reply, port, address);
  }

  /** Stops taking new requests (SIGTERM); requests already in flight still get their replies. */
  stopAccepting(): void {
    this.requests.stopAccepting();
  }

  /** Sends delayed rejects now and resolves when nothing is in flight, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    this.requests.stopAccepting();
    // Held requests would wait for a push answer that no longer comes: the NAS retries or fails over.
    for (const request of this.held.expire(this.now(), -1)) {
      this.requests.resume(request, { kind: 'drop', reason: Reason.PushTimeout });
    }
    return this.requests.drain(timeoutMs);
  }

  /** Releases timers; call after `drain`. */
  close(): void {
    clearInterval(this.sweeper);
    this.requests.close();
  }
}
