// Owns the closed-loop run of the TOTP flows: per-slot phase, one user per 30 s step, the measured interval.
import { createSocket, type Socket } from 'node:dgram';
import { MAX_PASSWORD_LENGTH } from '../radius/user-password.js';
import { buildCredentialTable } from './credential-table.js';
import { FlowRequestBuilder } from './flow-request-builder.js';
import { type FlowLoadResult, TotpFlow } from './flow-result.js';
import { FlowRun, type FlowRunOptions } from './flow-run.js';
import { type LoadOptions, type LoadOptionsInput, resolveLoadOptions } from './load-options.js';
import { LoadgenError, LoadgenErrorCode } from './loadgen-error.js';
import { TOTP_DIGITS, TotpKeyTable } from './totp-keys.js';

/** Large socket buffers so a burst of a whole window is not dropped by the kernel (capped by rmem_max). */
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

/** `runTotpFlowLoad`'s input: the single-step generator's options plus the flow and the key seed. */
export interface TotpFlowLoadInput extends LoadOptionsInput {
  readonly flow: TotpFlow;
  /** Seed of every user's TOTP key (see `deriveTotpKey`); the servers' tokens come from the same seed. */
  readonly keySeed: Uint8Array;
  /** Index of the first user (default 0), e.g. the `nextUser` of the previous run against the same server. */
  readonly firstUser?: number;
  /** Wall clock in Unix milliseconds for the TOTP step (default `Date.now`); tests pass a fake one. */
  readonly clock?: () => number;
}

/**
 * Runs a closed-loop load of second-factor logins: `window` flows in flight over `sockets` source ports.
 * `suffix`: one Access-Request whose User-Password is the password followed by the current 6-digit TOTP code
 * (expects Access-Accept). `challenge`: Access-Request with the password → Access-Challenge with State →
 * Access-Request with the same User-Name, the State echoed and the code as User-Password → Access-Accept.
 * Codes are computed when the request carrying them is sent. No user logs in twice in one 30 s step (a replay
 * guard would refuse the second); when every user has, sending stops with `users-exhausted`.
 * @returns completed flows/s, round trips/s, counts per outcome, flow latency and the generator's CPU
 * @throws LoadgenError `LOADGEN_INVALID_OPTIONS` (bad bound, non-loopback target, password too long for a
 *   code), `LOADGEN_SOCKET`
 */
export async function runTotpFlowLoad(input: TotpFlowLoadInput): Promise<FlowLoadResult> {
  const resolved = resolveLoadOptions(input);
  if (!resolved.ok) throw new LoadgenError(LoadgenErrorCode.InvalidOptions, resolved.message);
  const options = resolved.options;
  const invalid = (message: string) => new LoadgenError(LoadgenErrorCode.InvalidOptions, message);
  if (input.flow !== TotpFlow.Suffix && input.flow !== TotpFlow.Challenge)
    throw invalid(`flow must be suffix or challenge, got ${String(input.flow)}`);
  if (input.keySeed.length === 0) throw invalid('keySeed must not be empty');
  const firstUser = input.firstUser ?? 0;
  if (!Number.isInteger(firstUser) || firstUser < 0 || firstUser >= options.users)
    throw invalid(`firstUser must be an integer from 0 to ${options.users - 1}, got ${firstUser}`);
  const credentials = buildCredentialTable(options.users, options.userFormat, options.passwordFormat);
  if (!credentials.ok) throw invalid(`user ${credentials.index}: ${credentials.reason}`);
  for (let i = 0; i < options.users; i++) {
    // RFC 2865 §5.2: password and code together must fit in 128 octets.
    if (credentials.table.password(i).length + TOTP_DIGITS > MAX_PASSWORD_LENGTH)
      throw invalid(`user ${i}: password plus code over ${MAX_PASSWORD_LENGTH} octets`);
  }
  const builder = new FlowRequestBuilder({
    secret: options.secret,
    credentials: credentials.table,
    slots: options.window,
    messageAuthenticator: options.messageAuthenticator,
  });
  const runOptions: FlowRunOptions = {
    ...options,
    flow: input.flow,
    keys: new TotpKeyTable(input.keySeed, options.users),
    firstUser,
    clock: input.clock ?? Date.now,
  };
  const sockets = await openSockets(options);
  return new FlowRun(runOptions, builder, sockets).run();
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
