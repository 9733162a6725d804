// Owns the UDP sockets of the RADIUS server: binding IPv4/IPv6 auth and accounting ports, feeding the processor,
// through the batched socket (native/udp-batch.c) when it is built and wanted, else through Node's dgram.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { BatchUdpSocket, batchUnavailableReason, udpBatchAddon } from './batch-udp-socket.js';
import { RateLimitedLog } from './rate-limited-log.js';
import type { Endpoint, RequestProcessor } from './request-processor.js';

export interface UdpListenOptions {
  /** Addresses to bind, IPv4 and/or IPv6 (`0.0.0.0`, `::`, `127.0.0.1`). */
  readonly bind: readonly string[];
  /** 0 lets the OS choose (tests); the first socket's port is then reused for the other addresses. */
  readonly authPort: number;
  /** null: no accounting port. */
  readonly accountingPort: number | null;
  /** Read and answer in batches (recvmmsg/sendmmsg) when the addon is built; false: Node's dgram. */
  readonly udpBatching?: boolean;
}

/** How the sockets read and answer: `batched` (native/udp-batch.c) or `dgram` (Node's, one call per datagram). */
export type UdpEngine = 'batched' | 'dgram';

export interface BoundSocket {
  readonly kind: 'auth' | 'acct';
  readonly address: string;
  readonly port: number;
}

const RECEIVE_BUFFER = 4 * 1024 * 1024;
const UNSENT_LOG_INTERVAL_MS = 60_000;

/**
 * We only ever reply to the literal source address of a request. dgram's default lookup runs dns.lookup for
 * every send (a nextTick and closures per reply); answering synchronously with the literal skips that.
 */
function literalLookup(
  address: string,
  _family: unknown,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, address, address.includes(':') ? 6 : 4);
}

/** Binds every configured socket and routes datagrams to one RequestProcessor. */
export class UdpListener {
  private readonly sockets: dgram.Socket[] = [];
  private readonly batchSockets: BatchUdpSocket[] = [];
  private readonly unsentLog = new RateLimitedLog(UNSENT_LOG_INTERVAL_MS);
  private engineInUse: UdpEngine = 'dgram';
  private engineNote: string | undefined;

  constructor(
    private readonly processor: RequestProcessor,
    private readonly logger: Logger,
  ) {}

  /** The engine the sockets use, known after listen(). */
  get engine(): UdpEngine {
    return this.engineInUse;
  }

  /** Why batching was wanted but dgram serves (the addon is not built or does not load), if it was. */
  get engineFallback(): string | undefined {
    return this.engineNote;
  }

  /** [batches received, batches of replies sent] over the batched sockets (tests, the benchmark's notes). */
  get batches(): [number, number] {
    const total: [number, number] = [0, 0];
    for (const socket of this.batchSockets) {
      const [received, sent] = socket.batches;
      total[0] += received;
      total[1] += sent;
    }
    return total;
  }

  /**
   * Binds all sockets. Rejects with a message naming the address and port when one cannot be bound (port in use,
   * address not on this host), after closing the ones already bound.
   */
  async listen(options: UdpListenOptions): Promise<BoundSocket[]> {
    const bound: BoundSocket[] = [];
    const addon = options.udpBatching === false ? null : udpBatchAddon();
    this.engineInUse = addon === null ? 'dgram' : 'batched';
    this.engineNote = options.udpBatching !== false && addon === null ? batchUnavailableReason() : undefined;
    try {
      const kinds: ['auth' | 'acct', number | null][] = [
        ['auth', options.authPort],
        ['acct', options.accountingPort],
      ];
      for (const [kind, wanted] of kinds) {
        if (wanted === null) continue;
        let port = wanted;
        for (const address of options.bind) {
          if (addon !== null) {
            const socket = this.bindBatched(addon, kind, address, port);
            port = socket.port;
            bound.push({ kind, address, port });
            continue;
          }
          const socket = await this.bindOne(kind, address, port);
          const info = socket.address();
          port = info.port;
          bound.push({ kind, address: info.address, port: info.port });
        }
      }
    } catch (error) {
      await this.close();
      throw error;
    }
    return bound;
  }

  private bindBatched(
    addon: NonNullable<ReturnType<typeof udpBatchAddon>>,
    kind: 'auth' | 'acct',
    address: string,
    port: number,
  ): BatchUdpSocket {
    const endpoint: Endpoint = {
      index: this.sockets.length + this.batchSockets.length,
      kind,
      send: (bytes, toPort, toAddress) => socket.send(bytes, toPort, toAddress),
    };
    let socket: BatchUdpSocket;
    try {
      socket = new BatchUdpSocket(
        addon,
        isIPv6(address) ? 6 : 4,
        address,
        port,
        RECEIVE_BUFFER,
        (datagram, from, fromPort) => this.processor.handle(datagram, from, fromPort, endpoint),
        (replies) => this.unsent(replies, kind, address),
      );
    } catch (error) {
      throw bindError(kind, address, port, (error as NodeJS.ErrnoException).code);
    }
    this.batchSockets.push(socket);
    return socket;
  }

  /** A reply the kernel refused (its send buffer full): lost as on the wire; the NAS retransmits. */
  private unsent(replies: number, kind: 'auth' | 'acct', address: string): void {
    this.processor.counters.repliesUnsent += replies;
    const suppressed = this.unsentLog.allow(`${kind} ${address}`, Date.now());
    if (suppressed >= 0) {
      this.logger.error(
        { event: 'radius.socket_error', kind, address, unsent: replies, suppressed },
        'replies could not be sent (socket send buffer full?)',
      );
    }
  }

  private bindOne(kind: 'auth' | 'acct', address: string, port: number): Promise<dgram.Socket> {
    const socket = dgram.createSocket({
      type: isIPv6(address) ? 'udp6' : 'udp4',
      ipv6Only: isIPv6(address),
      lookup: literalLookup,
    });
    const endpoint: Endpoint = {
      index: this.sockets.length,
      kind,
      send: (bytes, toPort, toAddress) => socket.send(bytes, toPort, toAddress),
    };
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        socket.close();
        reject(bindError(kind, address, port, error.code));
      };
      socket.once('error', onError);
      socket.bind(port, address, () => {
        socket.off('error', onError);
        try {
          socket.setRecvBufferSize(RECEIVE_BUFFER);
        } catch {
          // The kernel caps buffer sizes (net.core.rmem_max); the default still works.
        }
        socket.on('error', (error) =>
          this.logger.error({ event: 'radius.socket_error', err: error, kind, address }),
        );
        socket.on('message', (message, remote) =>
          this.processor.handle(message, remote.address, remote.port, endpoint),
        );
        this.sockets.push(socket);
        resolve(socket);
      });
    });
  }

  /** Closes every socket; datagrams arriving afterwards are refused by the kernel. */
  async close(): Promise<void> {
    for (const socket of this.batchSockets.splice(0)) socket.close();
    const closing = this.sockets
      .splice(0)
      .map((socket) => new Promise<void>((resolve) => socket.close(() => resolve())));
    await Promise.all(closing);
  }
}

function bindError(kind: 'auth' | 'acct', address: string, port: number, code: string | undefined): Error {
  const hint = code === 'EADDRINUSE' ? ' (port already in use: is another RADIUS server running?)' : '';
  return new Error(`cannot listen for RADIUS ${kind} on ${address} port ${port}: ${code}${hint}`);
}
