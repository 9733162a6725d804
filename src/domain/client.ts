// Owns the RADIUS client (NAS) model: who may talk to us, with which secret and which safety flags.

/** A NAS allowed to send requests. `address` is one IP address or a CIDR block (IPv4 or IPv6). */
export interface Client {
  readonly id: number;
  readonly name: string;
  readonly address: string;
  /** The shared secret in clear; stores keep it sealed at rest (docs/security.md A9.1). */
  readonly secret: Uint8Array;
  /** docs/security.md A2.2: drop Access-Requests without Message-Authenticator. Default true. */
  readonly requireMessageAuthenticator: boolean;
  /** docs/security.md A2.3: with the flag above off, drop requests with Proxy-State but no MA. Default true. */
  readonly limitProxyState: boolean;
  /** Seconds the NAS waits for a reply before it gives up (docs/protocol.md §2). */
  readonly nasTimeout: number;
  readonly createdAt: string;
}

export interface NewClient {
  readonly name: string;
  readonly address: string;
  readonly secret: Uint8Array;
  readonly requireMessageAuthenticator?: boolean;
  readonly limitProxyState?: boolean;
  readonly nasTimeout?: number;
}
