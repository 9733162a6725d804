// Owns the per-datagram pipeline: source → framing → Message-Authenticator → duplicates → content → decision → reply.
// Over 300 lines on purpose: the hot path reads top to bottom in one place (SECURITY A1 order), with no closures.
import type { Logger } from 'pino';
import type { Authenticate } from '../auth/authenticate.js';
import type { Client } from '../domain/client.js';
import type { Decision } from '../domain/decision.js';
import { Reason } from '../domain/reason.js';
import { newTransactionId } from '../domain/transaction-id.js';
import { AttributeType } from '../radius/attribute-type.js';
import { verifyAccountingRequestAuthenticator } from '../radius/authenticator.js';
import { Code } from '../radius/code.js';
import type { Dictionary } from '../radius/dictionary.js';
import { type EncodableAttribute, encodeReply } from '../radius/encode.js';
import { verifyRequestMessageAuthenticator } from '../radius/message-authenticator.js';
import { decodePacket, type Packet } from '../radius/packet.js';
import type { ClientTable } from './client-table.js';
import { RadiusCounters } from './counters.js';
import { replyAttributesFor, replyCodeFor } from './decision-to-reply.js';
import { DropReason } from './drop-reason.js';
import { DuplicateCache, DuplicateStatus, duplicateSlot } from './duplicate-cache.js';
import { HeldRequests } from './held-requests.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { readLoginRequest } from './read-login-request.js';

/** A socket the processor can answer through; `kind` says which codes it serves (SECURITY A1.3). */
export interface Endpoint {
  readonly index: number;
  readonly kind: 'auth' | 'acct';
  send(bytes: Uint8Array, port: number, address: string): void;
}

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
  readonly onFinalDecision?: (
    decision: Decision,
    clientName: string,
    callingStationId: Uint8Array | undefined,
    txn: string,
  ) => void;
}

/** One request between its arrival and its reply. */
interface InFlight {
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
function transactionOf(request: InFlight, decision: Decision): string {
  return ('transactionId' in decision ? decision.transactionId : undefined) ?? request.txn;
}

const IN_PROGRESS_LIFETIME_MS = 120_000;
const MAX_CACHE_ENTRIES = 200_000;

export class RequestProcessor {
  readonly counters: RadiusCounters;
  private clients: ClientTable;
  private readonly authenticate: Authenticate;
  private readonly dictionary: Dictionary;
  private readonly logger: Logger;
  private readonly options: ProcessorOptions;
  private readonly decodeOptions: { readonly maxAttributes: number };
  private readonly now: () => number;
  private readonly duplicates: DuplicateCache;
  private readonly warnings: RateLimitedLog;
  private readonly logDecisions: boolean;
  private readonly delayedRejects = new Map<NodeJS.Timeout, { request: InFlight; reply: Uint8Array }>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly held: HeldRequests<InFlight>;
  private readonly maxHoldMs: number;
  private readonly onDecided: ((ms: number) => void) | undefined;
  private readonly onFinalDecision: ProcessorDeps['onFinalDecision'];
  private accepting = true;
  private inFlightCount = 0;
  private drained: (() => void) | undefined;

  constructor(deps: ProcessorDeps) {
    this.clients = deps.clients;
    this.authenticate = deps.authenticate;
    this.dictionary = deps.dictionary;
    this.logger = deps.logger;
    this.options = deps.options;
    this.decodeOptions = { maxAttributes: deps.options.maxAttributes };
    this.counters = deps.counters ?? new RadiusCounters();
    this.now = deps.now ?? Date.now;
    this.duplicates = new DuplicateCache(
      deps.options.duplicateCacheSeconds * 1000,
      IN_PROGRESS_LIFETIME_MS,
      MAX_CACHE_ENTRIES,
    );
    this.warnings = new RateLimitedLog(deps.options.unknownClientLogIntervalSeconds * 1000);
    this.logDecisions = this.logger.isLevelEnabled('info');
    this.held = new HeldRequests(deps.holds?.max ?? 100_000);
    this.maxHoldMs = deps.holds?.maxHoldMs ?? 605_000;
    this.onDecided = deps.onDecided;
    this.onFinalDecision = deps.onFinalDecision;
    this.sweeper = setInterval(() => this.sweep(this.now()), 1000);
    this.sweeper.unref();
  }

  get inFlight(): number {
    return this.inFlightCount;
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
    for (const request of this.held.take(transactionId)) {
      this.inFlightCount++;
      this.finish(request, decision);
    }
  }

  private sweep(now: number): void {
    this.duplicates.sweep(now);
    // A decision always comes before this (the push window is shorter); if none did, do not hold forever.
    for (const request of this.held.expire(now, this.maxHoldMs)) {
      this.inFlightCount++;
      this.finish(request, { kind: 'drop', reason: Reason.PushTimeout });
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
      this.dropUnknown(address, now);
      return;
    }
    if (!this.accepting) {
      this.drop(DropReason.ShuttingDown);
      return;
    }

    const decoded = decodePacket(datagram, this.decodeOptions);
    if (!decoded.ok) {
      this.counters.countMalformed(decoded.reason);
      this.dropLogged(DropReason.Malformed, client, address, now, decoded.reason);
      return;
    }
    const packet = decoded.packet;
    const code = packet.code;

    // SECURITY A1.3: only the codes this port serves.
    if (endpoint.kind === 'auth') {
      if (code !== Code.AccessRequest && code !== Code.StatusServer) {
        this.drop(DropReason.UnexpectedCode);
        return;
      }
    } else if (code !== Code.AccountingRequest && code !== Code.StatusServer) {
      this.drop(DropReason.UnexpectedCode);
      return;
    }
    if (code === Code.AccountingRequest) {
      this.handleAccounting(packet, client, address, port, endpoint, now);
      return;
    }

    // SECURITY A1.7 / RFC 3579 §3.2: a present Message-Authenticator is verified before anything else is trusted.
    if (packet.messageAuthenticatorOffset >= 0) {
      if (!verifyRequestMessageAuthenticator(packet, client.secret)) {
        this.dropLogged(
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
        this.dropLogged(refusal, client, address, now, undefined);
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
      this.drop(DropReason.DuplicateInProgress);
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
      this.inFlightCount >= this.options.maxInFlight &&
      (this.inFlightCount >= this.options.maxInFlight * 1.1 || !hasAttribute(packet, AttributeType.State))
    ) {
      this.drop(DropReason.Overload);
      return;
    }

    // RFC 3579 §3.1: EAP-Message never travels with User-Password or CHAP-Password.
    if (
      hasAttribute(packet, AttributeType.EapMessage) &&
      (hasAttribute(packet, AttributeType.UserPassword) || hasAttribute(packet, AttributeType.ChapPassword))
    ) {
      this.dropLogged(DropReason.EapWithPassword, client, address, now, undefined);
      return;
    }

    this.duplicates.begin(address, slot, packet.authenticator, now);
    this.inFlightCount++;
    const txn = newTransactionId();
    const request: InFlight = {
      client,
      packet,
      endpoint,
      address,
      port,
      slot,
      started: now,
      txn,
      held: false,
    };
    let decision: Decision | Promise<Decision>;
    try {
      // Issue 12: the NAS stops waiting nasTimeout after the datagram arrived; work not started by then is shed.
      const deadline = now + client.nasTimeout * 1000;
      decision = this.authenticate(readLoginRequest(packet, client.secret, client.name, deadline, txn));
    } catch (error) {
      this.logger.error(
        { event: 'radius.error', err: error, client: client.name, txn },
        'authentication failed',
      );
      this.finish(request, { kind: 'drop', reason: 'INTERNAL_ERROR' });
      return;
    }
    if (decision instanceof Promise) {
      decision.then(
        (d) => this.finish(request, d),
        (error: unknown) => {
          this.logger.error(
            { event: 'radius.error', err: error, client: client.name, txn },
            'authentication failed',
          );
          this.finish(request, { kind: 'drop', reason: 'INTERNAL_ERROR' });
        },
      );
    } else {
      this.finish(request, decision);
    }
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

  /** Answers a request as decided. Never throws: a reply that cannot be built becomes a bare Reject (issue 12). */
  private finish(request: InFlight, decision: Decision): void {
    try {
      this.reply(request, decision);
    } catch (error) {
      this.replyFailed(request, decision, error);
    }
  }

  /**
   * A reply that did not encode (too long for RFC 2865 §3's 4096 octets, a value over 253 octets) or any other
   * failure while building it: logged and counted, then a bare Access-Reject (Message-Authenticator first,
   * Proxy-State echoed) so the NAS is not left waiting; if even that fails, a counted drop.
   */
  private replyFailed(request: InFlight, decision: Decision, error: unknown): void {
    this.counters.replyFailures++;
    this.logger.error(
      {
        event: 'radius.reply_failed',
        client: request.client.name,
        txn: transactionOf(request, decision),
        user: 'user' in decision ? decision.user : undefined,
        decision: decision.kind,
        err: error,
      },
      'reply could not be built; answering Access-Reject',
    );
    try {
      const attributes: EncodableAttribute[] = [];
      appendProxyStates(request.packet, attributes);
      const reply = encodeReply({
        code: Code.AccessReject,
        identifier: request.packet.identifier,
        requestAuthenticator: request.packet.authenticator,
        secret: request.client.secret,
        attributes,
      });
      this.send(request, reply, Code.AccessReject);
    } catch (again) {
      this.logger.error(
        { event: 'radius.reply_failed', client: request.client.name, txn: request.txn, err: again },
        'dropped',
      );
      this.duplicates.abandon(request.address, request.slot);
      this.counters.drops[DropReason.ReplyUnencodable]++;
      this.inFlightCount--;
      this.checkDrained();
    }
  }

  private reply(request: InFlight, decision: Decision): void {
    const code = replyCodeFor[decision.kind];
    if (decision.kind === 'pending') {
      // PROTOCOL P3: no reply until decided. The duplicate cache keeps the request "in progress", so the NAS's
      // retransmissions are dropped (A3.1, A3.3); a held request is memory, not work, so it leaves maxInFlight.
      this.inFlightCount--;
      this.logDecision(request, decision, 'pending');
      if (!this.held.hold(decision.transactionId, heldForm(request))) {
        this.inFlightCount++;
        this.finish(request, {
          kind: 'reject',
          reason: Reason.PushPending,
          user: decision.user,
          transactionId: decision.transactionId,
        });
        return;
      }
      this.checkDrained();
      return;
    }
    if (code === undefined) {
      if (decision.kind === 'drop') {
        this.duplicates.abandon(request.address, request.slot);
        this.counters.drops[
          decision.reason === Reason.RequestStale ? DropReason.Stale : DropReason.Decided
        ]++;
        this.inFlightCount--;
        this.logDecision(request, decision, 'drop');
        this.checkDrained();
      }
      return;
    }
    const built = replyAttributesFor(decision, this.dictionary);
    let attributes: EncodableAttribute[];
    if (built.ok) attributes = built.attributes;
    else {
      this.logger.error({
        event: 'radius.config_error',
        client: request.client.name,
        txn: transactionOf(request, decision),
        error: built.error,
      });
      attributes = [];
    }
    if (code === Code.AccessReject) appendEapFailure(request.packet, attributes);
    appendProxyStates(request.packet, attributes);
    const reply = encodeReply({
      code,
      identifier: request.packet.identifier,
      requestAuthenticator: request.packet.authenticator,
      secret: request.client.secret,
      attributes,
    });
    this.logDecision(request, decision, decision.kind);
    if (this.onFinalDecision !== undefined && decision.kind !== 'challenge' && !request.held) {
      this.onFinalDecision(
        decision,
        request.client.name,
        octetsOf(request.packet, AttributeType.CallingStationId),
        transactionOf(request, decision),
      );
    }
    if (code !== Code.AccessReject) {
      this.send(request, reply, code);
      return;
    }
    // SECURITY A3.7: every reject waits the reject delay plus jitter, so failures cannot be timed apart.
    const delay = this.options.rejectDelayMs + Math.floor(Math.random() * (this.options.rejectJitterMs + 1));
    if (delay === 0 || !this.accepting) {
      this.send(request, reply, code);
      return;
    }
    const timer = setTimeout(() => {
      this.delayedRejects.delete(timer);
      this.send(request, reply, code);
    }, delay);
    this.delayedRejects.set(timer, { request, reply });
  }

  private send(request: InFlight, reply: Uint8Array, code: number): void {
    request.endpoint.send(reply, request.port, request.address);
    this.duplicates.complete(request.address, request.slot, reply, this.now());
    if (code === Code.AccessAccept) this.counters.accessAccepts++;
    else if (code === Code.AccessReject) this.counters.accessRejects++;
    else if (code === Code.AccessChallenge) this.counters.accessChallenges++;
    this.inFlightCount--;
    this.checkDrained();
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
    const attributes: EncodableAttribute[] = [];
    appendProxyStates(packet, attributes);
    const reply = encodeReply({
      code,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      secret: client.secret,
      attributes,
    });
    this.counters.statusServerReplies++;
    endpoint.send(reply, port, address);
  }

  private handleAccounting(
    packet: Packet,
    client: Client,
    address: string,
    port: number,
    endpoint: Endpoint,
    now: number,
  ): void {
    // RFC 2866 §3: the Request Authenticator is an MD5 over the packet and the secret; a mismatch is discarded.
    if (!verifyAccountingRequestAuthenticator(packet.bytes, client.secret)) {
      this.dropLogged(
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
      this.drop(DropReason.DuplicateInProgress);
      return;
    }
    if (this.logDecisions) {
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
    const attributes: EncodableAttribute[] = [];
    appendProxyStates(packet, attributes);
    const reply = encodeReply({
      code: Code.AccountingResponse,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      secret: client.secret,
      attributes,
      messageAuthenticatorBase: 'zero',
    });
    this.duplicates.begin(address, slot, packet.authenticator, now);
    this.duplicates.complete(address, slot, reply, now);
    this.counters.accountingResponses++;
    endpoint.send(reply, port, address);
  }

  private logDecision(request: InFlight, decision: Decision, outcome: string): void {
    const reason = 'reason' in decision ? decision.reason : undefined;
    this.counters.countDecision(reason ?? outcome);
    const ms = this.now() - request.started;
    this.onDecided?.(ms);
    if (!this.logDecisions) return;
    this.logger.info({
      event: 'radius.decision',
      client: request.client.name,
      src: `${request.address}:${request.port}`,
      id: request.packet.identifier,
      user: 'user' in decision ? decision.user : undefined,
      outcome,
      reason,
      txn: transactionOf(request, decision),
      ms,
    });
  }

  private drop(reason: DropReason): void {
    this.counters.drops[reason]++;
  }

  private dropUnknown(address: string, now: number): void {
    this.counters.drops[DropReason.UnknownClient]++;
    const suppressed = this.warnings.allow(`unknown|${address}`, now);
    if (suppressed >= 0) {
      this.logger.warn(
        { event: 'radius.drop', reason: DropReason.UnknownClient, src: address, suppressed },
        'request from an address that is not a configured client',
      );
    }
  }

  private dropLogged(
    reason: DropReason,
    client: Client,
    address: string,
    now: number,
    detail: string | undefined,
  ) {
    this.counters.drops[reason]++;
    const suppressed = this.warnings.allow(`${reason}|${client.name}`, now);
    if (suppressed >= 0) {
      this.logger.warn({
        event: 'radius.drop',
        reason,
        client: client.name,
        src: address,
        detail,
        suppressed,
      });
    }
  }

  /** Stops taking new requests (SIGTERM); requests already in flight still get their replies. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Sends delayed rejects now and resolves when nothing is in flight, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
    this.accepting = false;
    // Held requests would wait for a push answer that no longer comes: the NAS retries or fails over.
    for (const request of this.held.expire(this.now(), -1)) {
      this.inFlightCount++;
      this.finish(request, { kind: 'drop', reason: Reason.PushTimeout });
    }
    for (const [timer, { request, reply }] of this.delayedRejects) {
      clearTimeout(timer);
      this.delayedRejects.delete(timer);
      this.send(request, reply, Code.AccessReject);
    }
    if (this.inFlightCount <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Releases timers; call after `drain`. */
  close(): void {
    clearInterval(this.sweeper);
    for (const timer of this.delayedRejects.keys()) clearTimeout(timer);
    this.delayedRejects.clear();
  }

  private checkDrained(): void {
    if (this.inFlightCount <= 0 && this.drained !== undefined) {
      const done = this.drained;
      this.drained = undefined;
      done();
    }
  }
}

function hasAttribute(packet: Packet, type: number): boolean {
  for (const attribute of packet.attributes) if (attribute.type === type) return true;
  return false;
}

/** RFC 2865 §5.33: every Proxy-State is copied to the reply unchanged and in order. */
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
function heldForm(request: InFlight): InFlight {
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

function octetsOf(packet: Packet, type: number): Uint8Array | undefined {
  for (const attribute of packet.attributes) if (attribute.type === type) return attribute.value;
  return undefined;
}

function textOf(packet: Packet, type: number): string | undefined {
  for (const attribute of packet.attributes) {
    if (attribute.type === type)
      return Buffer.from(attribute.value)
        .toString('utf8')
        .replace(/[\u0000-\u001f]/g, '?');
  }
  return undefined;
}

function integerOf(packet: Packet, type: number): number | undefined {
  for (const attribute of packet.attributes) {
    if (attribute.type === type && attribute.value.length === 4) {
      return new DataView(attribute.value.buffer, attribute.value.byteOffset, 4).getUint32(0);
    }
  }
  return undefined;
}
