// Owns the closed loop every load run shares: the window of slots, retransmissions, timers, the measured interval.
import type { Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
import type { LoadOptions } from './load-options.js';
import type { StopReason } from './load-result.js';
import { openLoadSockets } from './load-sockets.js';
import { SlotStep, type SlotStrategy } from './slot-strategy.js';

/** What the engine counted; each run turns it into its own result. Counts cover the measured interval. */
export interface SlotTally<Exhausted extends string = never> {
  readonly stoppedBy: StopReason | Exhausted;
  /** Up to the duration, or until the last reply when sending stopped for a count or for `Exhausted`. */
  readonly measuredSeconds: number;
  /** Units ended per outcome of the strategy (index = outcome). */
  readonly outcomes: Float64Array;
  /** Units with no verified reply after the last retransmission. */
  readonly timeouts: number;
  /** Replies that did not parse or whose authenticators did not verify. */
  readonly bad: number;
  /** Replies that matched no request in flight (late duplicates after a retransmission, for example). */
  readonly stray: number;
  /** Verified replies, those that let a unit go on included. */
  readonly roundTrips: number;
  /** Units started over the whole run, warm-up included (as are the packet totals below). */
  readonly started: number;
  readonly packetsSent: number;
  readonly retransmissions: number;
  /** Errors reported on the sockets (a send the kernel refused, for example). */
  readonly socketErrors: number;
  /** Of the units that ended with a timed outcome, from their first send to the reply that ended them. */
  readonly latency: LatencySummary;
  /** This process's CPU time (user + system) over the measured interval, in % of one core. */
  readonly loadgenCpuPercent: number;
}

/**
 * Runs a closed loop: `window` slots over `sockets` source ports, each carrying one unit of `strategy` at a
 * time; a unit that ends makes room for the next at once. Slot i uses socket i mod S and Identifier
 * floor(i / S), so (source port, Identifier) names the slot of a reply. Requests unanswered after `timeoutMs`
 * are sent again unchanged up to `retries` times, then the unit counts as a timeout. The run is bounded by
 * `warmupSeconds + durationSeconds`, by `maxRequests` units, and by what `strategy.begin` allows.
 * @throws LoadgenError `LOADGEN_SOCKET`
 */
export async function runSlots<Exhausted extends string>(
  options: LoadOptions,
  strategy: SlotStrategy<Exhausted>,
): Promise<SlotTally<Exhausted>> {
  const sockets = await openLoadSockets(options);
  return new SlotEngine(options, strategy, sockets).run();
}

/** One run's state. Per-slot state lives in typed arrays indexed by slot: no object or closure per request. */
class SlotEngine<Exhausted extends string> {
  readonly #o: LoadOptions;
  readonly #strategy: SlotStrategy<Exhausted>;
  readonly #sockets: Socket[];
  readonly #busy: Uint8Array;
  readonly #startedAt: Float64Array;
  readonly #sentAt: Float64Array;
  readonly #retriesLeft: Uint8Array;
  readonly #packets: Uint8Array[];
  readonly #histogram = new LatencyHistogram();
  /** One cell per outcome of the strategy, then one for timeouts. */
  readonly #counts: Float64Array;
  readonly #timedOut: number;
  readonly #timedOutcomes: number;
  #bad = 0;
  #stray = 0;
  /** Verified replies that let a unit go on (the others are in the outcome counts). */
  #continued = 0;
  #inFlight = 0;
  #started = 0;
  #packetsSent = 0;
  #retransmissions = 0;
  #socketErrors = 0;
  #sending = false;
  #measuring = false;
  #finished = false;
  #stoppedBy: StopReason | Exhausted = 'duration';
  #measureStart = 0;
  #measureEnd = 0;
  #cpuStart: NodeJS.CpuUsage = { user: 0, system: 0 };
  #cpuPercent = 0;
  #timers: NodeJS.Timeout[] = [];
  #resolve: (tally: SlotTally<Exhausted>) => void = () => {};
  readonly #onAbort = () => this.#stopSending('aborted');

  constructor(options: LoadOptions, strategy: SlotStrategy<Exhausted>, sockets: Socket[]) {
    this.#o = options;
    this.#strategy = strategy;
    this.#sockets = sockets;
    const w = options.window;
    this.#busy = new Uint8Array(w);
    this.#startedAt = new Float64Array(w);
    this.#sentAt = new Float64Array(w);
    this.#retriesLeft = new Uint8Array(w);
    this.#packets = new Array<Uint8Array>(w);
    this.#timedOut = strategy.outcomeKinds;
    this.#timedOutcomes = strategy.timedOutcomes;
    this.#counts = new Float64Array(strategy.outcomeKinds + 1);
    for (let k = 0; k < sockets.length; k++) {
      const socket = sockets[k]!;
      socket.on('message', (reply: Buffer) => this.#onReply(k, reply));
      // Without a send callback, send failures arrive here.
      socket.on('error', () => this.#socketErrors++);
    }
  }

  run(): Promise<SlotTally<Exhausted>> {
    return new Promise<SlotTally<Exhausted>>((resolve) => {
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
      for (let slot = 0; slot < o.window && this.#sending; slot++) this.#start(slot);
    });
  }

  #start(slot: number): void {
    if (this.#started >= this.#o.maxRequests) {
      this.#stopSending('max-requests');
      return;
    }
    const packet = this.#strategy.begin(slot, Math.floor(slot / this.#o.sockets));
    if (typeof packet === 'string') {
      this.#stopSending(packet);
      return;
    }
    const now = performance.now();
    this.#startedAt[slot] = now;
    this.#busy[slot] = 1;
    this.#inFlight++;
    this.#started++;
    this.#send(slot, packet, now);
  }

  #send(slot: number, packet: Uint8Array, now: number): void {
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
    if (slot >= this.#o.window || (slot >= 0 && this.#busy[slot] === 0)) {
      if (this.#measuring) this.#stray++;
      return;
    }
    const step = slot < 0 ? SlotStep.Bad : this.#strategy.verify(slot, reply);
    if (step >= 0) {
      this.#end(slot, step, now);
    } else if (step === SlotStep.Next) {
      if (this.#measuring) this.#continued++;
      this.#send(slot, this.#strategy.follow(slot, Math.floor(slot / this.#o.sockets)), now);
    } else if (this.#measuring) {
      // A late copy of the previous request's reply (after a retransmission) is stray, not forged.
      if (slot >= 0 && this.#strategy.answersPrevious(slot, reply)) this.#stray++;
      else this.#bad++;
    }
  }

  #end(slot: number, outcome: number, now: number): void {
    this.#busy[slot] = 0;
    this.#inFlight--;
    if (this.#measuring) {
      this.#counts[outcome]!++;
      if (outcome < this.#timedOutcomes) this.#histogram.record((now - this.#startedAt[slot]!) * 1000);
    }
    if (this.#sending) this.#start(slot);
    else if (this.#inFlight === 0) this.#finish();
  }

  #scanTimeouts(): void {
    const now = performance.now();
    const timeoutMs = this.#o.timeoutMs;
    for (let slot = 0; slot < this.#o.window && !this.#finished; slot++) {
      if (this.#busy[slot] === 0 || now - this.#sentAt[slot]! < timeoutMs) continue;
      if (this.#retriesLeft[slot]! > 0) {
        // Same octets, same Identifier and authenticator: a server answers it from its duplicate cache.
        this.#retriesLeft[slot]!--;
        this.#sentAt[slot] = now;
        this.#retransmissions++;
        this.#transmit(slot, this.#packets[slot]!);
      } else {
        this.#end(slot, this.#timedOut, now);
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

  #stopSending(reason: StopReason | Exhausted): void {
    if (!this.#sending) return;
    this.#sending = false;
    this.#stoppedBy = reason;
    // Capped by count or by the strategy: the units still in flight belong to the measurement, so wait for
    // them (each ends by reply or timeout; the deadline timer still bounds the run).
    if (reason !== 'duration' && reason !== 'aborted' && this.#inFlight > 0) return;
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#endMeasure();
    this.#finished = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#o.signal?.removeEventListener('abort', this.#onAbort);
    for (const socket of this.#sockets) socket.close();
    this.#resolve(this.#tally());
  }

  #tally(): SlotTally<Exhausted> {
    const outcomes = this.#counts.subarray(0, this.#timedOut);
    let roundTrips = this.#continued;
    for (const n of outcomes) roundTrips += n;
    return {
      stoppedBy: this.#stoppedBy,
      measuredSeconds: Math.max(0, this.#measureEnd - this.#measureStart) / 1000,
      outcomes,
      timeouts: this.#counts[this.#timedOut]!,
      bad: this.#bad,
      stray: this.#stray,
      roundTrips,
      started: this.#started,
      packetsSent: this.#packetsSent,
      retransmissions: this.#retransmissions,
      socketErrors: this.#socketErrors,
      latency: this.#histogram.summary(),
      loadgenCpuPercent: this.#cpuPercent,
    };
  }
}
