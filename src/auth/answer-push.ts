// Owns a device's answer to a push (docs/push.md §5): the checks, the one compare-and-set, the outcome.
import type { PushDeviceStore } from '../domain/push-device.js';
import { answerSigningInput, deviceSigned, MAX_CLOCK_SKEW_MS } from '../domain/push-protocol.js';
import {
  type DecideResult,
  type Outcome,
  type PushTransaction,
  TransactionStatus,
  type TransactionStore,
} from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';
import { type DeviceReply, freshTime, stringFields, UNAUTHORIZED } from './device-reply.js';
import type { PushLimits } from './push-limits.js';

export interface AnswerEvents {
  /** Which check refused an answer (the caller sees only the uniform 401, SECURITY A8.6). */
  refused(check: string, sourceIp: string, sessionId: string | undefined, txn: string | undefined): void;
  /** A transaction ended by this answer. */
  decided(transaction: PushTransaction, sourceIp: string): void;
  /** SECURITY A7.8: "this wasn't me" → audit line, pushes muted until `mutedUntil`. */
  notMe(transaction: PushTransaction, deviceId: string, mutedUntil: string): void;
}

export interface AnswerPushDeps {
  readonly devices: Pick<PushDeviceStore, 'get' | 'touch'>;
  readonly transactions: TransactionStore;
  readonly limits: PushLimits;
  readonly events: AnswerEvents;
  readonly now?: () => number;
}

export type AnswerPush = (body: unknown, sourceIp: string) => Promise<DeviceReply>;

const FIELDS = ['session_id', 'device_id', 'decision', 'reason', 'number', 'time', 'signature'] as const;

/** What the device asked for, as a final status. A wrong or missing matching number is a deny (issue 13). */
function outcomeOf(answer: Record<(typeof FIELDS)[number], string>, transaction: PushTransaction): Outcome {
  const by = answer.device_id;
  if (answer.decision === 'deny') {
    return {
      status: TransactionStatus.Denied,
      reason: answer.reason === 'not_me' ? Reason.PushNotMe : Reason.PushDenied,
      decidedBy: by,
    };
  }
  if (transaction.number !== '' && answer.number !== transaction.number) {
    return { status: TransactionStatus.Denied, reason: Reason.PushDenied, decidedBy: by };
  }
  return { status: TransactionStatus.Approved, decidedBy: by };
}

const resultOf = (transaction: PushTransaction) =>
  transaction.status === TransactionStatus.Approved
    ? 'approved'
    : transaction.status === TransactionStatus.Denied
      ? 'denied'
      : transaction.status;

export function createAnswerPush(deps: AnswerPushDeps): AnswerPush {
  const clock = deps.now ?? Date.now;
  return async (body, sourceIp) => {
    const now = clock();
    const answer = stringFields(body, FIELDS);
    const refuse = (check: string, txn?: string): DeviceReply => {
      deps.events.refused(check, sourceIp, answer?.session_id, txn);
      return UNAUTHORIZED;
    };
    if (answer === undefined) return refuse('shape');
    if (answer.decision !== 'approve' && answer.decision !== 'deny') return refuse('shape');
    if (
      !['', 'not_me', 'cancelled'].includes(answer.reason) ||
      (answer.decision === 'approve' && answer.reason !== '')
    ) {
      return refuse('shape');
    }
    if (!/^\d{0,8}$/.test(answer.number)) return refuse('shape');
    // docs/push.md §2, SECURITY A8.5: a signed request far from our clock is refused.
    if (freshTime(answer.time, now, MAX_CLOCK_SKEW_MS) === undefined) return refuse('time');
    const device = await deps.devices.get(answer.device_id);
    if (device === undefined) return refuse('device');
    const input = answerSigningInput({ ...answer, decision: answer.decision, reason: answer.reason as '' });
    // SECURITY A7.6: decision, reason and number are inside the signature, so none can be changed in transit.
    if (!deviceSigned(device.publicKey, input, answer.signature)) return refuse('signature');
    const transaction = await deps.transactions.bySession(answer.session_id);
    if (transaction === undefined) return refuse('session');
    // SECURITY A7.5: only a device of the transaction's own user may answer it.
    if (transaction.userName !== device.userName) return refuse('foreign_device', transaction.id);
    await deps.devices.touch(device.id, new Date(now));
    const wanted = outcomeOf(answer, transaction);
    if (transaction.status === TransactionStatus.PushSent && now > transaction.deadline) {
      return refuse('expired', transaction.id);
    }
    const decided: DecideResult =
      transaction.status === TransactionStatus.PushSent
        ? await deps.transactions.decide(transaction.id, wanted)
        : { won: false, transaction };
    const current = decided.transaction;
    if (current === undefined) return refuse('session', transaction.id);
    if (decided.won) {
      deps.events.decided(current, sourceIp);
      if (current.reason === Reason.PushNotMe) {
        deps.events.notMe(current, device.id, deps.limits.mute(current.userName, now));
      }
      return { status: 200, body: { result: resultOf(current) } };
    }
    // docs/push.md §5: the same answer again gets the same result; anything else after the decision is a conflict.
    if (
      current.decidedBy === device.id &&
      current.status === wanted.status &&
      current.reason === wanted.reason
    ) {
      return { status: 200, body: { result: resultOf(current) } };
    }
    if (current.status === TransactionStatus.Expired) return refuse('expired', current.id);
    return { status: 409, body: { error: 'already_decided', result: resultOf(current) } };
  };
}
