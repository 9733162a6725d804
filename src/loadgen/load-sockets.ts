// Owns the generator's UDP sockets: bound to loopback source ports, connected to the target, large buffers.
import { createSocket, type Socket } from 'node:dgram';
import type { LoadOptions } from './load-options.js';
import { LoadgenError, LoadgenErrorCode } from './loadgen-error.js';

/** Large socket buffers so a burst of a whole window is not dropped by the kernel (capped by rmem_max). */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Opens `options.sockets` UDP sockets, each on its own loopback source port and connected to the target, so
 * the kernel drops datagrams from anyone else and a send needs no address.
 * @returns the sockets, in order; the caller closes them
 * @throws LoadgenError `LOADGEN_SOCKET` (every socket opened so far is closed first)
 */
export async function openLoadSockets(options: LoadOptions): Promise<Socket[]> {
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
