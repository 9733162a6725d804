// Owns FortiAuthenticator's push answer, `POST /api/v1/pushauthresp/` (docs/push.md §10): validate with the current
// token code, or alert to deny; with a device signature unless the site opted into FortiAuthenticator's code-only mode.
import type { PushDeviceStore } from '../domain/push-device.js';
import { deviceSigned, FAC_ANSWER_LABEL, MAX_CLOCK_SKEW_MS, signingInput } from '../domain/push-protocol.js';
import {
  type Outcome,
  type PushTransaction,
  TransactionStatus,
  type TransactionStore,
} from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';
import type { AnswerEvents } from './answer-push.js';
import type { CheckCode } from './check-code.js';
import { type DeviceReply, freshTime } from './device-reply.js';
import type { PushLimits } from './push-limits.js';

/** `push.fortiAnswers`: `signed` (default) also needs device_id, time and signature; `code-only` is FAC's own rule. */
export type FortiAnswerMode = 'signed' | 'code-only' | 'off';

export interface FortiAnswerDeps {
  readonly mode: FortiAnswerMode;
  readonly devices: Pick<PushDeviceStore, 'get' | 'touch'>;
  readonly transactions: TransactionStore;
  readonly limits: PushLimits;
  /** The code check of typed codes: a code used here is used up (SECURITY A6.4) and a wrong one counts (A6.5). */
  readonly checkCode: CheckCode;
  readonly events: AnswerEvents;
  readonly now?: () => number;
}

export type FortiAnswer = (body: unknown, sourceIp: string) => Promise<DeviceReply>;

/** FortiAuthenticator's answers (docs/push.md §10): 200 with its body, or 401. */
const APPROVED = (sn: string): DeviceReply => ({
  status: 200,
  body: { success: true, message: '[Verified] Login attempt approved.', sn },
});
const DENIED: DeviceReply = { status: 200, body: { success: true, message: 'Login attempt denied.' } };
const INVALID: DeviceReply = { status: 401, body: { success: false, message: 'Invalid request.' } };

/** `action=alert` messages: how a deny is said, and which reason it becomes. */
const ALERTS: Readonly<Record<string, Reason>> = {
  deny: Reason.PushDenied,
  'deny:cancelled': Reason.PushDenied,
  'deny:unknown_trigger': Reason.PushNotMe,
};

const FIELDS = ['session_id', 'action', 'token_code', 'message', 'hmac', 'device_id', 'time', 'signature'];

function fieldsOf(body: unknown): Record<string, string> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (!FIELDS.includes(key) || typeof value !== 'string' || value.length > 256) return undefined;
    out[key] = value;
  }
  return out;
}

export function createFortiAnswer(deps: FortiAnswerDeps): FortiAnswer {
  const clock = deps.now ?? Date.now;
  return async (body, sourceIp) => {
    const now = clock();
    const f = fieldsOf(body);
    const refuse = (check: string, txn?: string): DeviceReply => {
      deps.events.refused(`fac_${check}`, sourceIp, f?.session_id, txn);
      return INVALID;
    };
    if (deps.mode === 'off') return refuse('disabled');
    const sessionId = f?.session_id ?? '';
    if (f === undefined || sessionId === '' || sessionId.length > 64) return refuse('shape');
    const action = f.action ?? '';
    const detail = action === 'validate' ? (f.token_code ?? '') : (f.message ?? '');
    if (action === 'validate' ? !/^\d{6,10}$/.test(detail) : action !== 'alert' || !(detail in ALERTS)) {
      return refuse('shape');
    }
    const transaction = await deps.transactions.bySession(sessionId);
    if (transaction === undefined) return refuse('session');
    let by = 'token';
    if (deps.mode === 'signed') {
      const device = await deps.devices.get(f.device_id ?? '');
      const time = f.time ?? '';
      const input = signingInput([FAC_ANSWER_LABEL, sessionId, f.device_id ?? '', action, detail, time]);
      if (freshTime(time, now, MAX_CLOCK_SKEW_MS) === undefined) return refuse('time', transaction.id);
      if (device === undefined || !deviceSigned(device.publicKey, input, f.signature ?? '')) {
        return refuse('signature', transaction.id);
      }
      // SECURITY A7.5: only a device of the transaction's own user may answer it.
      if (device.userName !== transaction.userName) return refuse('foreign_device', transaction.id);
      await deps.devices.touch(device.id, new Date(now));
      by = device.id;
    }
    if (transaction.status !== TransactionStatus.PushSent || now > transaction.deadline) {
      return refuse('not_waiting', transaction.id);
    }
    let outcome: Outcome;
    let reply: DeviceReply;
    if (action === 'validate') {
      // SECURITY A6.4: the code is consumed as if typed at the NAS; a wrong one counts toward the lockout.
      const checked = await deps.checkCode(transaction.userName, detail, new Date(now), {
        transactionId: transaction.id,
        clientName: transaction.clientName,
      });
      if (!checked.ok) return refuse(`code_${checked.reason.toLowerCase()}`, transaction.id);
      outcome = { status: TransactionStatus.Approved, decidedBy: by === 'token' ? checked.serial : by };
      reply = APPROVED(checked.serial);
    } else {
      outcome = { status: TransactionStatus.Denied, reason: ALERTS[detail]!, decidedBy: by };
      reply = DENIED;
    }
    const decided = await deps.transactions.decide(transaction.id, outcome);
    if (!decided.won || decided.transaction === undefined) return refuse('already_decided', transaction.id);
    const done: PushTransaction = decided.transaction;
    deps.events.decided(done, sourceIp);
    if (done.reason === Reason.PushNotMe) deps.events.notMe(done, by, deps.limits.mute(done.userName, now));
    return reply;
  };
}
