// Owns the app's HTTPS calls to an Assent server (docs/push.md §3, §5, §6) and what each failure means to the
// user: the screens of problem.ts are chosen from `ApiFailure.kind`.
import type { Account } from './db.js';
import {
  answerSigningInput,
  type Decision,
  type Envelope,
  pollQuery,
  type Reason,
  sign,
  type UnsignedAnswer,
} from './protocol.js';

/**
 * Why a call did not give what we asked for. `unreachable`: no HTTP answer at all, which is how browsers report
 * being offline, a server that is down, and a certificate the device does not trust alike (fetch hides TLS errors
 * from scripts by design). `refused`: 401. `decided`: 409, with the earlier result. `server`: any other status.
 */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    readonly kind: 'unreachable' | 'refused' | 'decided' | 'server',
    readonly url: string,
    readonly status = 0,
    readonly result = '',
  ) {
    super(`${kind} ${status} ${url}`);
  }
}

/** How long a call may take before we call the server unreachable. */
const TIMEOUT_MS = 15_000;

async function call(url: string, init: RequestInit): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    // No cookies, no referrer: every device request proves itself by signature or one-time code.
    response = await fetch(url, {
      ...init,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new ApiFailure('unreachable', url);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

const postJson = (url: string, body: unknown) =>
  call(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** What a server tells the app before enrolling (served beside the app: /authenticator/config.json). */
export interface ServerHints {
  readonly vapidPublicKey: string;
  readonly serverName: string;
}

/** The hints of the server at `origin`; empty hints when it has none (an older server: the device then polls). */
export async function serverHints(origin: string): Promise<ServerHints> {
  try {
    const { status, body } = await call(`${origin}/authenticator/config.json`, { method: 'GET' });
    const b = (body ?? {}) as Record<string, unknown>;
    if (status === 200 && typeof b.vapid_public_key === 'string') {
      return { vapidPublicKey: b.vapid_public_key, serverName: String(b.server_name ?? '') };
    }
  } catch {
    // The activation itself will say whether the server can be reached.
  }
  return { vapidPublicKey: '', serverName: '' };
}

/** docs/push.md §3: the 201 body, or an ApiFailure (`refused`: the link is unknown, used or expired). */
export async function activate(url: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await postJson(url, body);
  if (answer.status === 201 && typeof answer.body === 'object' && answer.body !== null)
    return answer.body as Record<string, unknown>;
  throw new ApiFailure(answer.status === 401 ? 'refused' : 'server', url, answer.status);
}

/** docs/push.md §6: the open requests' envelopes (verified by the caller). `refused`: the device is unknown. */
export async function poll(account: Account, now: Date): Promise<Envelope[]> {
  const url = `${account.replyTo}/device/v1/pending?${await pollQuery(account.deviceId, account.privateKey, now)}`;
  const answer = await call(url, { method: 'GET' });
  if (answer.status === 401) throw new ApiFailure('refused', url, 401);
  const requests = (answer.body as { requests?: unknown } | undefined)?.requests;
  if (answer.status !== 200 || !Array.isArray(requests)) throw new ApiFailure('server', url, answer.status);
  return requests as Envelope[];
}

/** docs/push.md §5: the fields of an answer, stamped now; what user verification binds and the key signs. */
export function unsignedAnswer(
  account: Account,
  sessionId: string,
  decision: Decision,
  reason: Reason,
  number: string,
): UnsignedAnswer {
  return {
    session_id: sessionId,
    device_id: account.deviceId,
    decision,
    reason,
    number,
    time: new Date().toISOString(),
  };
}

/**
 * docs/push.md §5: signs `unsigned` with the device key and posts it to the request's own, signed `reply_to`
 * (SECURITY A7.4); returns the server's result (`approved`, `denied`).
 */
export async function answer(account: Account, replyTo: string, unsigned: UnsignedAnswer): Promise<string> {
  const input = answerSigningInput(unsigned);
  if (input === undefined) throw new ApiFailure('server', replyTo, 400);
  const signature = await sign(account.privateKey, input);
  const url = `${replyTo.replace(/\/+$/, '')}/device/v1/answer`;
  const posted = await postJson(url, { ...unsigned, signature });
  const result = String((posted.body as { result?: unknown } | undefined)?.result ?? '');
  if (posted.status === 200) return result;
  if (posted.status === 409) throw new ApiFailure('decided', url, 409, result);
  throw new ApiFailure(posted.status === 401 ? 'refused' : 'server', url, posted.status);
}
