// Owns the closed-loop run: sockets, the window of requests in flight, timers, and the measured interval.
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { AccessRequestBuilder, ReplyVerdict } from './access-request-builder.js';
import { buildCredentialTable } from './credential-table.js';
import { LatencyHistogram } from './latency-histogram.js';
import { type LoadOptions, type LoadOptionsInput, resolveLoadOptions } from './load-options.js';
import type { LoadResult, StopReason } from './load-result.js';
import { LoadgenError, LoadgenErrorCode } from './loadgen-error.js';

/** Large socket buffers so a burst of a whole window is not dropped by the kernel (capped by rmem_max). */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
const TIMED_OUT = 5;

/**
 * Runs a closed-loop RADIUS load: `window` Access-Requests stay in flight over `sockets` source ports, each
 * answered request immediately makes room for the next, users are taken in turn. Every reply is verified
 * (Response Authenticator, and Message-Authenticator when present); a forged or corrupted reply never
 * completes a request. The run is bounded by `warmupSeconds + durationSeconds` and by `maxRequests`.
 * @param input - target (loopback only), secret, users and load shape; see `LoadOptionsInput`
 * @returns counts, rate, latency percentiles and the generator's own CPU use over the measured interval
 * @throws LoadgenError `LOADGEN_INVALID_OPTIONS` (bad bound, non-loopback target), `LOADGEN_SOCKET`
 */
export async function runRadiusLoad(input: LoadOptionsInput): Promise<LoadResult> {
  const resolved = resolveLoadOptions(input);
  if (!resolved.ok) throw new LoadgenError(LoadgenErrorCode.InvalidOptions, resolved.message);
  const options = resolved.options;
  const credentials = buildCredentialTable(options.users, options.userFormat, options.passwordFormat);
  if (!credentials.ok) {
    throw new LoadgenError(
      LoadgenErrorCode.InvalidOptions,
      `user ${credentials.index}: ${credentials.reason === 'password-length' ? 'password over 128 octets' : 'user name empty or over 253 octets'}`,
    );
  }
  const builder = new AccessRequestBuilder({
    secret: options.secret,
    credentials: credentials.table,
    slots: options.window,
    messageAuthenticator: options.messageAuthenticator,
    requireReplyMessageAuthenticator: options.requireReplyMessageAuthenticator,
  });
  const sockets = await openSockets(options);
  return new LoadRun(options, builder, sockets).run();
}

async function openSockets(options: LoadOptions): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const source = options.family === 'udp4' ? '127.0.0.1' : '::1';
  try {
    for (let k = 0; k < options.sockets; k++) {
      const socket = createSocket({ type: options.family });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind({ address: source, port: 0, exclusive: true }, () => {
          socket.connect(options.port, options.host, () => {
            socket.off('error', reject);
            resolve();
          });
        });
      });
      try {
        socket.setRecvBufferSize(SOCKET_BUFFER_BYTES);
        socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
      } catch {
        // The kernel's defaults still work, only a large window may then see drops.
      }
    }
  } catch (cause) {
    for (const socket of sockets) socket.close();
    throw new LoadgenError(LoadgenErrorCode.Socket, `cannot open a UDP socket to ${options.host}`, { cause });
  }
  return sockets;
}

/** One run's state. Per-slot state lives in typed arrays indexed by slot: no object or closure per request. */
class LoadRun {
  readonly #o: LoadOptions;
  readonly #builder: AccessRequestBuilder;
  readonly #sockets: Socket[];
  readonly #busy: Uint8Array;
  readonly #startedAt: Float64Array;
  readonly #sentAt: Float64Array;
  readonly #retriesLeft: Uint8Array;
  readonly #packets: Uint8Array[];
  readonly #histogram = new LatencyHistogram();
  /** accept, reject, challenge, other, bad (ReplyVerdict order), then timeout. */
  readonly #counts = new Float64Array(6);
  #stray = 0;
  #inFlight = 0;
  #nextUser = 0;
  #started = 0;
  #packetsSent = 0;
  #retransmissions = 0;
  #socketErrors = 0;
  #sending = false;
  #measuring = false;
  #finished = false;
  #stoppedBy: StopReason = 'duration';
  #measureStart = 0;
  #measureEnd = 0;
  #cpuStart: NodeJS.CpuUsage = { user: 0, system: 0 };
  #cpuPercent = 0;
  #timers: NodeJS.Timeout[] = [];
  #resolve: (result: LoadResult) => void = () => {};
  readonly #onAbort = () => this.#stopSending('aborted');

  constructor(options: LoadOptions, builder: AccessRequestBuilder, sockets: Socket[]) {
    this.#o = options;
    this.#builder = builder;
    this.#sockets = sockets;
    const w = options.window;
    this.#busy = new Uint8Array(w);
    this.#startedAt = new Float64Array(w);
    this.#sentAt = new Float64Array(w);
    this.#retriesLeft = new Uint8Array(w);
    this.#packets = new Array<Uint8Array>(w);
    for (let k = 0; k < sockets.length; k++) {
      const socket = sockets[k]!;
      socket.on('message', (reply: Buffer) => this.#onReply(k, reply));
      // Without a send callback, send failures arrive here.
      socket.on('error', () => this.#socketErrors++);
    }
  }

  run(): Promise<LoadResult> {
    return new Promise<LoadResult>((resolve) => {
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
      for (let slot = 0; slot < o.window && this.#sending; slot++) this.#startRequest(slot);
    });
  }

  #startRequest(slot: number): void {
    if (this.#started >= this.#o.maxRequests) {
      this.#stopSending('max-requests');
      return;
    }
    const user = this.#nextUser;
    this.#nextUser = user + 1 === this.#o.users ? 0 : user + 1;
    // Slot i uses socket i mod S and Identifier floor(i / S): (source port, Identifier) names the slot.
    const packet = this.#builder.build(slot, Math.floor(slot / this.#o.sockets), user);
    this.#packets[slot] = packet;
    const now = performance.now();
    this.#startedAt[slot] = now;
    this.#sentAt[slot] = now;
    this.#retriesLeft[slot] = this.#o.retries;
    this.#busy[slot] = 1;
    this.#inFlight++;
    this.#started++;
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
    const verdict = slot < 0 ? ReplyVerdict.Bad : this.#builder.verify(slot, reply);
    if (verdict === ReplyVerdict.Bad) {
      // A late copy of the previous request's reply (after a retransmission) is stray, not forged.
      if (this.#measuring) {
        if (slot >= 0 && this.#builder.answersPrevious(slot, reply)) this.#stray++;
        else this.#counts[ReplyVerdict.Bad]!++;
      }
      return;
    }
    this.#complete(slot, verdict, now);
  }

  #complete(slot: number, outcome: number, now: number): void {
    this.#busy[slot] = 0;
    this.#inFlight--;
    if (this.#measuring) {
      this.#counts[outcome]!++;
      if (outcome !== TIMED_OUT) this.#histogram.record((now - this.#startedAt[slot]!) * 1000);
    }
    if (this.#sending) this.#startRequest(slot);
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
        this.#complete(slot, TIMED_OUT, now);
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

  #stopSending(reason: StopReason): void {
    if (!this.#sending) return;
    this.#sending = false;
    this.#stoppedBy = reason;
    // Capped by count: the last requests still in flight belong to the measurement, so wait for them
    // (each ends by reply or timeout; the deadline timer still bounds the run).
    if (reason === 'max-requests' && this.#inFlight > 0) return;
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

  #result(): LoadResult {
    const o = this.#o;
    const c = this.#counts;
    const measuredSeconds = Math.max(0, this.#measureEnd - this.#measureStart) / 1000;
    const answered =
      c[ReplyVerdict.Accept]! + c[ReplyVerdict.Reject]! + c[ReplyVerdict.Challenge]! + c[ReplyVerdict.Other]!;
    return {
      target: o.family === 'udp6' ? `[${o.host}]:${o.port}` : `${o.host}:${o.port}`,
      users: o.users,
      window: o.window,
      sockets: o.sockets,
      messageAuthenticator: o.messageAuthenticator,
      warmupSeconds: o.warmupSeconds,
      measuredSeconds,
      stoppedBy: this.#stoppedBy,
      requestsPerSecond: measuredSeconds > 0 ? answered / measuredSeconds : 0,
      counts: {
        accept: c[ReplyVerdict.Accept]!,
        reject: c[ReplyVerdict.Reject]!,
        challenge: c[ReplyVerdict.Challenge]!,
        other: c[ReplyVerdict.Other]!,
        timeout: c[TIMED_OUT]!,
        bad: c[ReplyVerdict.Bad]!,
        stray: this.#stray,
      },
      totals: {
        requests: this.#started,
        packetsSent: this.#packetsSent,
        retransmissions: this.#retransmissions,
        socketErrors: this.#socketErrors,
        repliesWithMessageAuthenticator: this.#builder.repliesWithMessageAuthenticator,
      },
      latency: this.#histogram.summary(),
      loadgenCpuPercent: this.#cpuPercent,
    };
  }
}
