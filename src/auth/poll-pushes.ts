// Owns polling (docs/push.md §6): a device fetches the open push requests of its user with a signed request.
import type { KeyObject } from 'node:crypto';
import type { PushDeviceStore } from '../domain/push-device.js';
import { deviceSigned, MAX_CLOCK_SKEW_MS, pollSigningInput } from '../domain/push-protocol.js';
import type { TransactionStore } from '../domain/push-transaction.js';
import { type DeviceReply, freshTime, stringFields, UNAUTHORIZED } from './device-reply.js';
import { envelopeOf } from './start-push.js';

/** SECURITY A8.5: a nonce is remembered for the whole window in which its time could still be accepted. */
const NONCE_MS = 2 * MAX_CLOCK_SKEW_MS;
/** Nonces kept at most; beyond it the oldest are forgotten early (their times are about to be refused anyway). */
const MAX_NONCES = 100_000;

export interface PollDeps {
  readonly devices: Pick<PushDeviceStore, 'get' | 'touch'>;
  readonly transactions: TransactionStore;
  readonly publicUrl: string;
  readonly serverKey: KeyObject;
  readonly refused: (check: string, sourceIp: string) => void;
  readonly now?: () => number;
}

export type PollPushes = (query: Readonly<Record<string, string>>, sourceIp: string) => Promise<DeviceReply>;

export function createPollPushes(deps: PollDeps): PollPushes {
  const clock = deps.now ?? Date.now;
  const nonces = new Map<string, number>();
  const forget = (now: number) => {
    for (const [nonce, at] of nonces) {
      if (at > now - NONCE_MS && nonces.size <= MAX_NONCES) break;
      nonces.delete(nonce);
    }
  };
  return async (query, sourceIp) => {
    const now = clock();
    const refuse = (check: string) => {
      deps.refused(check, sourceIp);
      return UNAUTHORIZED;
    };
    const q = stringFields(query, ['device_id', 'time', 'nonce', 'signature']);
    if (q === undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(q.nonce)) return refuse('shape');
    if (freshTime(q.time, now, MAX_CLOCK_SKEW_MS) === undefined) return refuse('time');
    const device = await deps.devices.get(q.device_id);
    if (device === undefined) return refuse('device');
    if (!deviceSigned(device.publicKey, pollSigningInput(q.device_id, q.time, q.nonce), q.signature)) {
      return refuse('signature');
    }
    forget(now);
    const nonceKey = `${q.device_id} ${q.nonce}`;
    if (nonces.has(nonceKey)) return refuse('nonce_reused');
    nonces.set(nonceKey, now);
    await deps.devices.touch(device.id, new Date(now));
    const open = await deps.transactions.openForUser(device.userName, now);
    return {
      status: 200,
      body: { requests: open.map((t) => envelopeOf(t, deps.publicUrl, deps.serverKey)) },
    };
  };
}
