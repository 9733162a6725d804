// Owns the requests between admission and reply: their count, answering each as decided, and the wait at shutdown.
import type { Logger } from 'pino';
import type { Authenticate } from '../auth/authenticate.js';
import type { Client } from '../domain/client.js';
import type { Decision } from '../domain/decision.js';
import { Reason } from '../domain/reason.js';
import { newTransactionId } from '../domain/transaction-id.js';
import { AttributeType } from '../radius/attribute-type.js';
import { Code } from '../radius/code.js';
import type { Dictionary } from '../radius/dictionary.js';
import type { Packet } from '../radius/packet.js';
import type { RadiusCounters } from './counters.js';
import type { DecisionLog } from './decision-log.js';
import { replyCodeFor } from './decision-to-reply.js';
import { DropReason } from './drop-reason.js';
import type { DuplicateCache } from './duplicate-cache.js';
import type { HeldRequests } from './held-requests.js';
import { type Endpoint, heldForm, type InFlight, transactionOf } from './in-flight.js';
import { octetsOf } from './packet-attributes.js';
import { readLoginRequest } from './read-login-request.js';
import { encodeBareReply, encodeDecisionReply } from './request-replies.js';

/** `ProcessorDeps.onFinalDecision`: told the final decision of each request not held for a push (issue 18). */
export type FinalDecisionListener = (
  decision: Decision,
  clientName: string,
  callingStationId: Uint8Array | undefined,
  txn: string,
) => void;

export interface InFlightRequestsDeps {
  readonly authenticate: Authenticate;
  readonly counters: RadiusCounters;
  readonly duplicates: DuplicateCache;
  readonly held: HeldRequests<InFlight>;
  readonly dictionary: Dictionary;
  readonly logger: Logger;
  readonly now: () => number;
  readonly rejectDelayMs: number;
  readonly rejectJitterMs: number;
  readonly decisions: DecisionLog;
  readonly onFinalDecision: FinalDecisionListener | undefined;
}

/**
 * Each admitted request from the use case's decision to its reply (a reject after its delay, a pending one held, a
 * drop counted), and how many are in flight, so `maxInFlight` can be enforced and a drain knows when it is done.
 */
export class InFlightRequests {
  private readonly authenticate: Authenticate;
  private readonly counters: RadiusCounters;
  private readonly duplicates: DuplicateCache;
  private readonly held: HeldRequests<InFlight>;
  private readonly dictionary: Dictionary;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly rejectDelayMs: number;
  private readonly rejectJitterMs: number;
  private readonly decisions: DecisionLog;
  private readonly onFinalDecision: FinalDecisionListener | undefined;
  private readonly delayedRejects = new Map<NodeJS.Timeout, { request: InFlight; reply: Uint8Array }>();
  private stopped = false;
  private inFlightCount = 0;
  private drained: (() => void) | undefined;

  constructor(deps: InFlightRequestsDeps) {
    this.authenticate = deps.authenticate;
    this.counters = deps.counters;
    this.duplicates = deps.duplicates;
    this.held = deps.held;
    this.dictionary = deps.dictionary;
    this.logger = deps.logger;
    this.now = deps.now;
    this.rejectDelayMs = deps.rejectDelayMs;
    this.rejectJitterMs = deps.rejectJitterMs;
    this.decisions = deps.decisions;
    this.onFinalDecision = deps.onFinalDecision;
  }

  get count(): number {
    return this.inFlightCount;
  }

  /** False once the server stops taking new requests (SIGTERM); from then on rejects are sent at once. */
  get accepting(): boolean {
    return !this.stopped;
  }

  stopAccepting(): void {
    this.stopped = true;
  }

  /** An admitted request: in flight from now until the use case's decision is answered, dropped or held. */
  start(
    client: Client,
    packet: Packet,
    endpoint: Endpoint,
    address: string,
    port: number,
    slot: number,
    now: number,
  ): void {
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

  /** A held request back in flight, answered as decided. */
  resume(request: InFlight, decision: Decision): void {
    this.inFlightCount++;
    this.finish(request, decision);
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
      const reply = encodeBareReply(request.packet, Code.AccessReject, request.client.secret);
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
      this.decisions.record(request, decision, 'pending');
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
        this.decisions.record(request, decision, 'drop');
        this.checkDrained();
      }
      return;
    }
    const reply = encodeDecisionReply(request, decision, code, this.dictionary, this.logger);
    this.decisions.record(request, decision, decision.kind);
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
    const delay = this.rejectDelayMs + Math.floor(Math.random() * (this.rejectJitterMs + 1));
    if (delay === 0 || this.stopped) {
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

  /** Sends delayed rejects now and resolves when nothing is in flight, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void> {
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

  /** Releases the delayed rejects' timers; call after `drain`. */
  close(): void {
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
