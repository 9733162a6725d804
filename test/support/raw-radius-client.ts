// A raw UDP RADIUS client for tests: sends hand-built datagrams from a chosen loopback address, collects replies.
import dgram from 'node:dgram';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { Code } from '../../src/radius/code.js';
import { type EncodableAttribute, encodeRequest, randomAuthenticator } from '../../src/radius/encode.js';
import { decodePacket, type Packet } from '../../src/radius/packet.js';
import { hideUserPassword } from '../../src/radius/user-password.js';

const text = (s: string) => new TextEncoder().encode(s);

export class RawRadiusClient {
  private readonly socket = dgram.createSocket('udp4');
  private readonly waiting = new Map<number, (reply: Uint8Array) => void>();
  private nextId = 0;

  private constructor(
    readonly port: number,
    readonly secret: Uint8Array,
  ) {
    this.socket.on('message', (message) => {
      const id = message[1] ?? -1;
      const done = this.waiting.get(id);
      if (done) {
        this.waiting.delete(id);
        done(new Uint8Array(message));
      }
    });
  }

  /** Binds to `from` (any 127/8 address works on Linux) so tests can play several NAS devices. */
  static async open(port: number, secret: string, from = '127.0.0.1'): Promise<RawRadiusClient> {
    const client = new RawRadiusClient(port, text(secret));
    await new Promise<void>((resolve) => client.socket.bind(0, from, resolve));
    return client;
  }

  identifier(): number {
    this.nextId = (this.nextId + 1) & 255;
    return this.nextId;
  }

  /** Sends `datagram` and waits for a reply with the identifier in octet 1, or undefined after `waitMs`. */
  exchange(datagram: Uint8Array, waitMs = 250): Promise<Uint8Array | undefined> {
    const id = datagram.length > 1 ? datagram[1]! : -1;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve(undefined);
      }, waitMs);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.socket.send(datagram, this.port, '127.0.0.1');
    });
  }

  /** Sends without waiting (retransmissions of a request another `exchange` waits for). */
  send(datagram: Uint8Array): void {
    this.socket.send(datagram, this.port, '127.0.0.1');
  }

  /** A well-formed Access-Request; `extra` attributes follow User-Name and User-Password. */
  accessRequest(
    options: {
      user?: string;
      password?: string;
      extra?: readonly EncodableAttribute[];
      messageAuthenticator?: boolean;
      secret?: Uint8Array;
      identifier?: number;
      authenticator?: Uint8Array;
    } = {},
  ): Uint8Array {
    const authenticator = options.authenticator ?? randomAuthenticator();
    const secret = options.secret ?? this.secret;
    const attributes: EncodableAttribute[] = [];
    if (options.user !== undefined)
      attributes.push({ type: AttributeType.UserName, value: text(options.user) });
    if (options.password !== undefined) {
      attributes.push({
        type: AttributeType.UserPassword,
        value: hideUserPassword(text(options.password), secret, authenticator),
      });
    }
    attributes.push(...(options.extra ?? []));
    return encodeRequest({
      code: Code.AccessRequest,
      identifier: options.identifier ?? this.identifier(),
      secret,
      attributes,
      authenticator,
      messageAuthenticator: options.messageAuthenticator ?? true,
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** Decodes a reply for assertions; throws when it does not decode (a test failure). */
export function decodeReply(bytes: Uint8Array): Packet {
  const decoded = decodePacket(bytes);
  if (!decoded.ok) throw new Error(`reply does not decode: ${decoded.reason}`);
  return decoded.packet;
}
