// Owns one TOTP flow run's state: slots in phases, the user cursor with its per-step guard, timers, counts.
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { ReplyVerdict } from './access-request-builder.js';
import type { FlowRequestBuilder } from './flow-request-builder.js';
import { type FlowLoadResult, type FlowStopReason, TotpFlow } from './flow-result.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { LoadOptions } from './load-options.js';
import { type TotpKeyTable, totpStepAt } from './totp-keys.js';

/** Validated options of one run. */
export interface FlowRunOptions extends LoadOptions {
  readonly flow: TotpFlow;
  readonly keys: TotpKeyTable;
  readonly firstUser: number;
  readonly clock: () => number;
}

const Phase = { Idle: 0, Password: 1, Code: 2 } as const;
/** Indexes into the counts array. */
const C = { Completed: 0, RejectedPassword: 1, RejectedCode: 2, Unexpected: 3, Timeout: 4, Bad: 5 } as const;

/** Per-slot state lives in typed arrays indexed by slot: no object or closure per request. */
export class FlowRun {
  readonly #o: FlowRunOptions;
  readonly #builder: FlowRequestBuilder;
  readonly #sockets: Socket[];
  readonly #phase: Uint8Array;
  readonly #user: Int32Array;
  readonly #startedAt: Float64Array;
  readonly #sentAt: Float64Array;
  readonly #retriesLeft: Uint8Array;
  readonly #packets: Uint8Array[];
  /** SECURITY.md A6.4 on the server side: the last step whose code each user sent; −1 before the first. */
  readonly #lastStep: Float64Array;
  readonly #histogram = new LatencyHistogram();
  readonly #counts = new Float64Array(6);
  #roundTrips = 0;
  #stray = 0;
  #inFlight = 0;
  #nextUser: number;
  #flows = 0;
  #packetsSent = 0;
  #retransmissions = 0;
  #socketErrors = 0;
  #sending = false;
  #measuring = false;
  #finished = false;
  #stoppedBy: FlowStopReason = 'duration';
  #measureStart = 0;
  #measureEnd = 0;
  #cpuStart: NodeJS.CpuUsage = { user: 0, system: 0 };
  #cpuPercent = 0;
  #timers: NodeJS.Timeout[] = [];
  #resolve: (result: FlowLoadResult) => void = () => {};
  readonly #onAbort = () => this.#stopSending('aborted');

  constructor(options: FlowRunOptions, builder: FlowRequestBuilder, sockets: Socket[]) {
    this.#o = options;
    this.#builder = builder;
    this.#sockets = sockets;
    const w = options.window;
    this.#phase = new Uint8Array(w);
    this.#user = new Int32Array(w);
    this.#startedAt = new Float64Array(w);
    this.#sentAt = new Float64Array(w);
    this.#retriesLeft = new Uint8Array(w);
    this.#packets = new Array<Uint8Array>(w);
    this.#lastStep = new Float64Array(options.users).fill(-1);
    this.#nextUser = options.firstUser;
    for (let k = 0; k < sockets.length; k++) {
      sockets[k]!.on('message', (reply: Buffer) => this.#onReply(k, reply));
      sockets[k]!.on('error', () => this.#socketErrors++);
    }
  }

  run(): Promise<FlowLoadResult> {
    return new Promise<FlowLoadResult>((resolve) => {
      this.#resolve = resolve;
      const o = this.#o;
      const warmupMs = o.warmupSeconds * 1000;
      this.#sending = true;
      if (warmupMs === 0) this.#beginMeasure();
      else this.#timers.push(setTimeout(() => this.#beginMeasure(), warmupMs));
      this.#timers.push(setTimeout(() => this.#onDeadline(), warmupMs + o.durationSeconds * 1000));
      const scanMs = Math.max(1, Math.min(50, Math.floor(o.timeoutMs / 4)));
      this.#timers.push(setInterval(() => this.#scanTimeouts(), scanMs));
      if (o.signal?.aborted) {
        this.#stopSending('aborted');
        return;
      }
      o.signal?.addEventListener('abort', this.#onAbort, { once: true });
      for (let slot = 0; slot < o.window && this.#sending; slot++) this.#startFlow(slot);
    });
  }

  #startFlow(slot: number): void {
    if (this.#flows >= this.#o.maxRequests) {
      this.#stopSending('max-requests');
      return;
    }
    const step = totpStepAt(this.#o.clock());
    const user = this.#nextUser;
    // The cursor goes round in order, so when the next user already logged in during this step, all have.
    if (this.#lastStep[user]! >= step) {
      this.#stopSending('users-exhausted');
      return;
    }
    this.#nextUser = user + 1 === this.#o.users ? 0 : user + 1;
    this.#lastStep[user] = step;
    this.#user[slot] = user;
    this.#flows++;
    this.#inFlight++;
    const now = performance.now();
    this.#startedAt[slot] = now;
    const identifier = Math.floor(slot / this.#o.sockets);
    if (this.#o.flow === TotpFlow.Suffix) {
      this.#send(
        slot,
        Phase.Code,
        this.#builder.buildPassword(slot, identifier, user, this.#code(user)),
        now,
      );
    } else {
      this.#send(slot, Phase.Password, this.#builder.buildPassword(slot, identifier, user, ''), now);
    }
  }

  /** The user's code for the step of this moment, remembered so the user is not taken again in that step. */
  #code(user: number): string {
    const step = totpStepAt(this.#o.clock());
    this.#lastStep[user] = step;
    return this.#o.keys.code(user, step);
  }

  #send(slot: number, phase: number, packet: Uint8Array, now: number): void {
    this.#phase[slot] = phase;
    this.#packets[slot] = packet;
    this.#sentAt[slot] = now;
    this.#retriesLeft[slot] = this.#o.retries;
    this.#transmit(slot, packet);
  }

  #transmit(slot: number, packet: Uint8Array): void {
    this.#packetsSent++;
    this.#sockets[slot % this.#o.sockets]!.send(packet);
  }

  #onReply(socketIndex: number, reply: Buffer): void {
    if (this.#finished) return;
    const now = performance.now();
    const slot = reply.length >= 20 ? reply[1]! * this.#o.sockets + socketIndex : -1;
    if (slot >= this.#o.window || (slot >= 0 && this.#phase[slot] === Phase.Idle)) {
      if (this.#measuring) this.#stray++;
      return;
    }
    const verdict = slot < 0 ? ReplyVerdict.Bad : this.#builder.verify(slot, reply);
    if (verdict === ReplyVerdict.Bad) {
      if (this.#measuring) {
        // A late copy of the previous request's reply (after a retransmission) is stray, not forged.
        if (slot >= 0 && this.#builder.answersPrevious(slot, reply)) this.#stray++;
        else this.#counts[C.Bad]!++;
      }
      return;
    }
    if (this.#measuring) this.#roundTrips++;
    const phase = this.#phase[slot]!;
    if (phase === Phase.Password && verdict === ReplyVerdict.Challenge) {
      // RFC 2865 §5.24: the same User-Name and the State go back with the code.
      const user = this.#user[slot]!;
      const packet = this.#builder.buildCode(
        slot,
        Math.floor(slot / this.#o.sockets),
        user,
        this.#code(user),
      );
      this.#send(slot, Phase.Code, packet, now);
      return;
    }
    let outcome: number = C.Unexpected;
    if (phase === Phase.Code && verdict === ReplyVerdict.Accept) outcome = C.Completed;
    else if (verdict === ReplyVerdict.Reject)
      outcome =
        phase === Phase.Password || this.#o.flow === TotpFlow.Suffix ? C.RejectedPassword : C.RejectedCode;
    // A server may answer a wrong or replayed code with a new Access-Challenge (another try): refused all the same.
    else if (verdict === ReplyVerdict.Challenge && this.#o.flow === TotpFlow.Challenge)
      outcome = C.RejectedCode;
    this.#end(slot, outcome, now);
  }

  #end(slot: number, outcome: number, now: number): void {
    this.#phase[slot] = Phase.Idle;
    this.#inFlight--;
    if (this.#measuring) {
      this.#counts[outcome]!++;
      if (outcome === C.Completed) this.#histogram.record((now - this.#startedAt[slot]!) * 1000);
    }
    if (this.#sending) this.#startFlow(slot);
    else if (this.#inFlight === 0) this.#finish();
  }

  #scanTimeouts(): void {
    const now = performance.now();
    for (let slot = 0; slot < this.#o.window && !this.#finished; slot++) {
      if (this.#phase[slot] === Phase.Idle || now - this.#sentAt[slot]! < this.#o.timeoutMs) continue;
      if (this.#retriesLeft[slot]! > 0) {
        // Same octets, same Identifier and authenticator: a server answers it from its duplicate cache.
        this.#retriesLeft[slot]!--;
        this.#sentAt[slot] = now;
        this.#retransmissions++;
        this.#transmit(slot, this.#packets[slot]!);
      } else {
        this.#end(slot, C.Timeout, now);
      }
    }
  }

  #beginMeasure(): void {
    if (!this.#sending || this.#measuring) return;
    this.#measuring = true;
    this.#measureStart = performance.now();
    this.#cpuStart = process.cpuUsage();
    this.#o.onMeasureStart?.();
  }

  #endMeasure(): void {
    if (!this.#measuring) return;
    this.#measuring = false;
    this.#measureEnd = performance.now();
    const cpu = process.cpuUsage(this.#cpuStart);
    const wallUs = (this.#measureEnd - this.#measureStart) * 1000;
    this.#cpuPercent = wallUs > 0 ? (100 * (cpu.user + cpu.system)) / wallUs : 0;
    this.#o.onMeasureEnd?.();
  }

  #onDeadline(): void {
    if (this.#sending) this.#stopSending('duration');
    else this.#finish();
  }

  #stopSending(reason: FlowStopReason): void {
    if (!this.#sending) return;
    this.#sending = false;
    this.#stoppedBy = reason;
    // Capped by count or by users: the flows still in flight belong to the measurement, so wait for them (each
    // ends by reply or timeout; the deadline timer still bounds the run). Otherwise the interval ends now.
    if ((reason === 'max-requests' || reason === 'users-exhausted') && this.#inFlight > 0) return;
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#endMeasure();
    this.#finished = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#o.signal?.removeEventListener('abort', this.#onAbort);
    for (const socket of this.#sockets) socket.close();
    this.#resolve(this.#result());
  }

  #result(): FlowLoadResult {
    const o = this.#o;
    const c = this.#counts;
    const seconds = Math.max(0, this.#measureEnd - this.#measureStart) / 1000;
    return {
      target: o.family === 'udp6' ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`,
      flow: o.flow,
      users: o.users,
      window: o.window,
      sockets: o.sockets,
      warmupSeconds: o.warmupSeconds,
      measuredSeconds: seconds,
      stoppedBy: this.#stoppedBy,
      flowsPerSecond: seconds > 0 ? c[C.Completed]! / seconds : 0,
      roundTripsPerSecond: seconds > 0 ? this.#roundTrips / seconds : 0,
      roundTrips: this.#roundTrips,
      counts: {
        completed: c[C.Completed]!,
        rejectedPassword: c[C.RejectedPassword]!,
        rejectedCode: c[C.RejectedCode]!,
        unexpected: c[C.Unexpected]!,
        timeout: c[C.Timeout]!,
        bad: c[C.Bad]!,
        stray: this.#stray,
      },
      totals: {
        flows: this.#flows,
        packetsSent: this.#packetsSent,
        retransmissions: this.#retransmissions,
        socketErrors: this.#socketErrors,
      },
      latency: this.#histogram.summary(),
      loadgenCpuPercent: this.#cpuPercent,
      nextUser: this.#nextUser,
    };
  }
}
