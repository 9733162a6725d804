// Owns the list of open sign-in requests: those that came by push (the service worker's inbox) and those a
// signed poll finds (docs/push.md §6: a lost notification loses nothing). Each is verified under its account's
// server key before it is listed (SECURITY A7.4); expired ones are dropped.
import { type Account, type InboxItem, remove, sweepInbox } from './db.js';
import { ApiFailure, poll } from './device-api.js';
import { importServerKey, openEnvelope, type PushRequest } from './protocol.js';

export interface OpenRequest {
  readonly account: Account;
  readonly request: PushRequest;
  /** How it reached us: shown on the request, so a user (and a test) can tell push from polling. */
  readonly via: 'push' | 'poll';
}

/** Per account: why its last poll failed (the home screen shows it beside the account). */
export type PollProblems = Map<string, ApiFailure>;

const serverKeys = new Map<string, Promise<CryptoKey | undefined>>();
const keyOf = (account: Account) => {
  let key = serverKeys.get(account.serverKey);
  if (key === undefined) {
    key = importServerKey(account.serverKey);
    serverKeys.set(account.serverKey, key);
  }
  return key;
};

/** The request `envelope` carries if it is signed by `account`'s server and still open. */
export async function verifyFor(account: Account, envelope: unknown, nowMs: number) {
  const key = await keyOf(account);
  const request = key === undefined ? undefined : await openEnvelope(envelope, key);
  return request !== undefined && Date.parse(request.expires) > nowMs ? request : undefined;
}

async function fromInbox(accounts: readonly Account[], items: readonly InboxItem[], nowMs: number) {
  const found: OpenRequest[] = [];
  for (const item of items) {
    const account = accounts.find((a) => a.deviceId === item.deviceId);
    const request = account === undefined ? undefined : await verifyFor(account, item.envelope, nowMs);
    if (account === undefined || request === undefined) await remove('inbox', item.sessionId);
    else found.push({ account, request, via: 'push' });
  }
  return found;
}

/**
 * Every open request of `accounts`, newest first. `withPoll` also asks each server (in parallel); a server that
 * fails is noted in `problems` and the others still count.
 */
export async function openRequests(
  accounts: readonly Account[],
  withPoll: boolean,
  problems: PollProblems,
): Promise<OpenRequest[]> {
  const now = Date.now();
  const found = await fromInbox(accounts, await sweepInbox(now), now);
  if (withPoll) {
    await Promise.all(
      accounts.map(async (account) => {
        try {
          const envelopes = await poll(account, new Date());
          problems.delete(account.deviceId);
          for (const envelope of envelopes) {
            const request = await verifyFor(account, envelope, now);
            if (request === undefined) continue;
            if (found.some((o) => o.request.session_id === request.session_id)) continue;
            found.push({ account, request, via: 'poll' });
          }
        } catch (error) {
          problems.set(
            account.deviceId,
            error instanceof ApiFailure ? error : new ApiFailure('server', account.replyTo),
          );
        }
      }),
    );
  }
  return found.sort((a, b) => b.request.time.localeCompare(a.request.time));
}

export async function forget(sessionId: string): Promise<void> {
  await remove('inbox', sessionId);
}
