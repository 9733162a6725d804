// Owns the UDP sockets of the RADIUS server: binding IPv4/IPv6 auth and accounting ports, feeding the processor.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import type { Endpoint, RequestProcessor } from './request-processor.js';

export interface UdpListenOptions {
  /** Addresses to bind, IPv4 and/or IPv6 (`0.0.0.0`, `::`, `127.0.0.1`). */
  readonly bind: readonly string[];
  /** 0 lets the OS choose (tests); the first socket's port is then reused for the other addresses. */
  readonly authPort: number;
  /** null: no accounting port. */
  readonly accountingPort: number | null;
}

export interface BoundSocket {
  readonly kind: 'auth' | 'acct';
  readonly address: string;
  readonly port: number;
}

const RECEIVE_BUFFER = 4 * 1024 * 1024;

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

  constructor(
    private readonly processor: RequestProcessor,
    private readonly logger: Logger,
  ) {}

  /**
   * Binds all sockets. Rejects with a message naming the address and port when one cannot be bound (port in use,
   * address not on this host), after closing the ones already bound.
   */
  async listen(options: UdpListenOptions): Promise<BoundSocket[]> {
    const bound: BoundSocket[] = [];
    try {
      const kinds: ['auth' | 'acct', number | null][] = [
        ['auth', options.authPort],
        ['acct', options.accountingPort],
      ];
      for (const [kind, wanted] of kinds) {
        if (wanted === null) continue;
        let port = wanted;
        for (const address of options.bind) {
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
        const hint =
          error.code === 'EADDRINUSE' ? ' (port already in use: is another RADIUS server running?)' : '';
        reject(
          new Error(`cannot listen for RADIUS ${kind} on ${address} port ${port}: ${error.code}${hint}`),
        );
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
    const closing = this.sockets
      .splice(0)
      .map((socket) => new Promise<void>((resolve) => socket.close(() => resolve())));
    await Promise.all(closing);
  }
}
