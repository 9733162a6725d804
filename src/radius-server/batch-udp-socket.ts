// Owns the batched UDP socket (native/udp-batch.c): loading the addon, and handing each datagram of a batch it
// read to the processor as Node's dgram would (its own bytes, the source address as text, the port).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { formatIpv4 } from '../radius/address-text.js';

/** The addon's functions (native/udp-batch.c). A handle is an opaque object; every call checks it is open. */
interface UdpBatchAddon {
  open(
    family: 4 | 6,
    address: string,
    port: number,
    bufferSize: number,
    data: ArrayBuffer,
    meta: ArrayBuffer,
    onBatch: (count: number) => void,
  ): object;
  /** 0, or a negative errno. Inside a batch the reply is queued and leaves with the batch's sendmmsg. */
  send(handle: object, bytes: Uint8Array, port: number, address: string): number;
  /** Sends what is queued; returns the replies the kernel refused since the last call. */
  flush(handle: object): number;
  localPort(handle: object): number;
  /** [batches received, batches of replies sent]. */
  stats(handle: object): [number, number];
  close(handle: object): void;
  readonly constants: { readonly slot: number; readonly receiveBatch: number; readonly metaWords: number };
}

/**
 * The addon scripts/build-native.mjs built, in the repository's native/build/: two levels up from this file in
 * src/radius-server/, one level up from the bundle in build/ (the only two places this code runs from). One path,
 * never a search: nothing outside the repository is ever loaded.
 */
const ADDON_PATH = fileURLToPath(
  new URL(
    /\/src\/radius-server\/[^/]+$/.test(import.meta.url)
      ? '../../native/build/udp-batch.node'
      : '../native/build/udp-batch.node',
    import.meta.url,
  ),
);

let addon: UdpBatchAddon | null | undefined;
let unavailable = '';

/** The addon, or null (then `batchUnavailableReason()` says why and Node's dgram serves). */
export function udpBatchAddon(): UdpBatchAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  if (process.platform !== 'linux') {
    unavailable = `batched UDP needs Linux (recvmmsg), not ${process.platform}`;
    return addon;
  }
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as UdpBatchAddon;
  } catch (error) {
    unavailable =
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
        ? `the batched UDP addon was not built (${ADDON_PATH}; npm run build, which needs a C compiler and Node's headers)`
        : `the batched UDP addon did not load (${ADDON_PATH}: ${(error as Error).message})`;
  }
  return addon;
}

/** Why `udpBatchAddon()` returned null. */
export function batchUnavailableReason(): string {
  return unavailable;
}

export type DatagramHandler = (datagram: Uint8Array, address: string, port: number) => void;

/** One bound socket that reads and answers in batches. */
export class BatchUdpSocket {
  private readonly handle: object;
  private readonly data: Buffer;
  private readonly meta: Int32Array;
  private readonly metaBytes: Buffer;
  private readonly slot: number;
  private readonly words: number;
  /** IPv4 source text by its 32-bit value: a NAS sends from one address, so its string is built once. */
  private readonly names = new Map<number, string>();

  /** Binds at once; throws an Error whose `code` is the errno name (EADDRINUSE, EADDRNOTAVAIL…) if it cannot. */
  constructor(
    private readonly addon: UdpBatchAddon,
    family: 4 | 6,
    address: string,
    port: number,
    bufferSize: number,
    private readonly onDatagram: DatagramHandler,
    private readonly onUnsent: (replies: number) => void,
  ) {
    const { slot, receiveBatch, metaWords } = addon.constants;
    this.slot = slot;
    this.words = metaWords;
    const data = new ArrayBuffer(slot * receiveBatch);
    const meta = new ArrayBuffer(receiveBatch * metaWords * 4);
    this.data = Buffer.from(data);
    this.meta = new Int32Array(meta);
    this.metaBytes = Buffer.from(meta);
    this.handle = addon.open(family, address, port, bufferSize, data, meta, (count) => this.batch(count));
  }

  get port(): number {
    return this.addon.localPort(this.handle);
  }

  /** [batches received, batches of replies sent] since the socket opened. */
  get batches(): [number, number] {
    return this.addon.stats(this.handle);
  }

  send(bytes: Uint8Array, port: number, address: string): void {
    if (this.addon.send(this.handle, bytes, port, address) < 0) this.onUnsent(1);
  }

  close(): void {
    this.addon.close(this.handle);
  }

  private batch(count: number): void {
    const meta = this.meta;
    for (let i = 0; i < count; i++) {
      const at = i * this.words;
      const length = meta[at]!;
      const start = i * this.slot;
      // The next batch overwrites the shared buffer, and a request may wait (password worker, LDAP, a push).
      const datagram = Buffer.allocUnsafe(length);
      this.data.copy(datagram, 0, start, start + length);
      this.onDatagram(datagram, this.sourceText(at), meta[at + 1]!);
    }
    const unsent = this.addon.flush(this.handle);
    if (unsent > 0) this.onUnsent(unsent);
  }

  /** The source as dgram gives it: IPv4 formatted here (once per address), IPv6 as the addon wrote it. */
  private sourceText(at: number): string {
    const octets = (at + 4) * 4;
    if (this.meta[at + 2] === 6)
      return this.metaBytes.toString('latin1', octets, octets + this.meta[at + 3]!);
    const key = this.meta[at + 4]!;
    let text = this.names.get(key);
    if (text === undefined) {
      text = formatIpv4(this.metaBytes, octets);
      if (this.names.size >= 4096) this.names.clear();
      this.names.set(key, text);
    }
    return text;
  }
}
