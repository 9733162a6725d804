// Owns starting a push: the checks before it (A7.7, A7.8), the transaction, the signed request and its delivery.

import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import type { Awaitable } from '../domain/awaitable.js';
import type { DeliveryResult, PushSender } from '../domain/push-delivery.js';
import type { PushDevice, PushDeviceStore } from '../domain/push-device.js';
import { base64url, sealRequest } from '../domain/push-protocol.js';
import { NotCreated, type PushTransaction, type TransactionStore } from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';
import type { PushLimits } from './push-limits.js';

export interface PushStartSettings {
  /** docs/push.md §4 `reply_to`: where devices answer (`push.publicUrl`). */
  readonly publicUrl: string;
}

/** What the log and metrics are told about a push (pino-style; never a secret or the payload). */
export interface PushEvents {
  sent(transaction: PushTransaction, device: PushDevice, result: DeliveryResult): void;
  started(transaction: PushTransaction, devices: number): void;
}

export interface StartPushDeps {
  readonly devices: Pick<PushDeviceStore, 'listForUser' | 'setDelivery'>;
  readonly transactions: TransactionStore;
  readonly limits: PushLimits;
  readonly settings: PushStartSettings;
  /** The server's ES256 key: every request it sends is signed (SECURITY A7.4). */
  readonly serverKey: KeyObject;
  /** Delivery through push services (Web Push, ntfy); absent when only polling devices are supported. */
  readonly sender: PushSender | undefined;
  readonly events: PushEvents;
}

/** Who to ask, and what the phone is shown (docs/push.md §4). */
export interface PushStart {
  readonly transactionId: string;
  readonly userName: string;
  readonly clientName: string;
  readonly userIp: string;
  readonly number: string;
  readonly now: number;
  /** Epoch ms: min(push window, NAS timeout − 5 s, the challenge's own deadline), chosen by the caller. */
  readonly deadline: number;
}

export type StartPushResult =
  | { readonly ok: true; readonly transaction: PushTransaction }
  | { readonly ok: false; readonly reason: Reason };

export type StartPush = (start: PushStart) => StartPushResult | Promise<StartPushResult>;

/** The user's devices, whether a push can be offered at all (the `+` of the challenge text, PROTOCOL P1). */
export async function hasPushDevice(
  devices: Pick<PushDeviceStore, 'listForUser'>,
  userName: string,
): Promise<boolean> {
  return (await devices.listForUser(userName)).length > 0;
}

export function createStartPush(deps: StartPushDeps): StartPush {
  const { devices, transactions } = deps;

  const deliver = (transaction: PushTransaction, targets: readonly PushDevice[], envelope: string) => {
    for (const device of targets) {
      const { delivery } = device;
      if (delivery.kind === 'poll' || deps.sender === undefined || !deps.sender.reaches(delivery.kind))
        continue;
      const options = {
        ttlSeconds: Math.max(1, Math.ceil((transaction.deadline - Date.now()) / 1000)),
        // RFC 8030 §5.4: ≤ 32 base64url characters; a newer prompt for the same login replaces an older one.
        topic: transaction.sessionId.slice(0, 32),
        deadline: transaction.deadline,
      };
      deps.sender
        .send(delivery, envelope, options)
        .then(
          (result) => reported(transaction, device, result),
          (error: unknown) =>
            deps.events.sent(transaction, device, { kind: 'failed', detail: String(error) }),
        )
        .catch(() => {
          // The device keeps a subscription that is gone: the next push to it finds that out and tries again.
        });
    }
  };

  const reported = async (transaction: PushTransaction, device: PushDevice, result: DeliveryResult) => {
    try {
      // RFC 8030 §7.3: the subscription is gone; the device can still poll (docs/push.md §6).
      if (result.kind === 'gone') await devices.setDelivery(device.id, { kind: 'poll' });
    } finally {
      deps.events.sent(transaction, device, result);
    }
  };

  const begin = (start: PushStart, targets: readonly PushDevice[], open: readonly PushTransaction[]) => {
    // SECURITY A7.7: one pending push per user; the same login asking again attaches to its own.
    const own = open.find((t) => t.id === start.transactionId);
    if (own !== undefined) return { ok: true as const, transaction: own };
    if (open.length > 0) return { ok: false as const, reason: Reason.PushPending };
    const refused = deps.limits.admit(start.userName, start.now, start.userIp);
    return refused instanceof Promise
      ? refused.then((reason) => admitted(start, targets, reason))
      : admitted(start, targets, refused);
  };

  const admitted = (start: PushStart, targets: readonly PushDevice[], refused: Reason | undefined) => {
    if (refused !== undefined) return { ok: false as const, reason: refused };
    // A7.7 again, atomically: another node may have started a push for the user since `openForUser` looked, or
    // for another user from the same address since `admit` counted.
    const created = transactions.createAlone(
      {
        id: start.transactionId,
        sessionId: base64url.encode(randomBytes(16)),
        userName: start.userName,
        clientName: start.clientName,
        userIp: start.userIp,
        number: start.number,
        createdAt: start.now,
        deadline: start.deadline,
      },
      deps.limits.sharedSourceCap(start.userIp, start.now),
    );
    const sent = (transaction: PushTransaction | NotCreated): StartPushResult => {
      if (transaction === NotCreated.Pending) return { ok: false, reason: Reason.PushPending };
      if (transaction === NotCreated.SourceLimit) return { ok: false, reason: Reason.PushRateLimited };
      const envelope = envelopeOf(transaction, deps.settings.publicUrl, deps.serverKey);
      deliver(transaction, targets, JSON.stringify(envelope));
      deps.events.started(transaction, targets.length);
      return { ok: true, transaction };
    };
    return created instanceof Promise ? created.then(sent) : sent(created);
  };

  const withTargets = (start: PushStart, targets: readonly PushDevice[]): Awaitable<StartPushResult> => {
    if (targets.length === 0) return { ok: false, reason: Reason.PushUnavailable };
    const open = transactions.openForUser(start.userName, start.now);
    return open instanceof Promise ? open.then((o) => begin(start, targets, o)) : begin(start, targets, open);
  };

  return (start) => {
    const targets = devices.listForUser(start.userName);
    return targets instanceof Promise
      ? targets.then((listed) => withTargets(start, listed))
      : withTargets(start, targets);
  };
}

/** The envelope of a transaction, as polling returns it (docs/push.md §6): the same signed request as the push. */
export function envelopeOf(transaction: PushTransaction, publicUrl: string, serverKey: KeyObject) {
  return sealRequest(
    {
      v: 1,
      session_id: transaction.sessionId,
      user: transaction.userName,
      client: transaction.clientName,
      user_ip: transaction.userIp,
      time: new Date(transaction.createdAt).toISOString(),
      expires: new Date(transaction.deadline).toISOString(),
      number_matching: transaction.number !== '',
      reply_to: publicUrl,
    },
    serverKey,
  );
}
