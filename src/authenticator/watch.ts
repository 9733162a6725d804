// Owns where `watch` gets its requests: each account's ntfy topic as they are pushed, and polling as the fallback.
import type { PushRequest } from '../domain/push-protocol.js';
import type { Account } from './account-store.js';
import { openPushMessage } from './device-client.js';
import { type NtfySubscription, subscribeNtfy } from './ntfy-stream.js';

/** A verified request, the account it is for, and how it came. */
export interface Arrival {
  readonly account: Account;
  readonly request: PushRequest;
  readonly via: 'ntfy' | 'poll';
}

export interface ArrivalSources {
  /** Every open request of the accounts (docs/push.md §6); a throw ends the watch. */
  poll(): Promise<{ account: Account; request: PushRequest }[]>;
  readonly pollIntervalMs: number;
  /** One line for the user on stderr: a stream's state, a message that was ignored. */
  warn(text: string): void;
}

/**
 * Yields each request once, as soon as either source has it: a push over ntfy at once, and everything by polling
 * every `pollIntervalMs` (a lost notification or a dropped stream loses nothing but time). A pushed message that
 * does not decrypt or verify is reported with `warn` and dropped (SECURITY A7.4); an expired request is dropped.
 */
export async function* arrivals(
  accounts: readonly Account[],
  sources: ArrivalSources,
): AsyncGenerator<Arrival> {
  const queue: Arrival[] = [];
  const seen = new Set<string>();
  let wake: (() => void) | undefined;
  let failure: { error: unknown } | undefined;

  const offer = (arrival: Arrival) => {
    const { session_id: session, expires } = arrival.request;
    if (seen.has(session) || !(Date.parse(expires) > Date.now())) return;
    seen.add(session);
    queue.push(arrival);
    wake?.();
  };

  const streams: NtfySubscription[] = [];
  for (const account of accounts) {
    if (account.ntfy === undefined) continue;
    const listening = subscribeNtfy(account.ntfy, {
      message: (body) => {
        const opened = openPushMessage(account, body);
        if ('request' in opened) offer({ account, request: opened.request, via: 'ntfy' });
        else sources.warn(`ignored a ntfy message for ${account.deviceId}: ${opened.why}`);
      },
      notice: sources.warn,
    });
    streams.push(listening);
  }

  let pollTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pollForever = async () => {
    while (!stopped) {
      for (const open of await sources.poll()) offer({ ...open, via: 'poll' });
      await new Promise<void>((resolve) => {
        pollTimer = setTimeout(resolve, sources.pollIntervalMs);
      });
    }
  };
  pollForever().catch((error: unknown) => {
    failure = { error };
    wake?.();
  });

  try {
    for (;;) {
      while (queue.length === 0) {
        if (failure !== undefined) throw failure.error;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      yield queue.shift()!;
    }
  } finally {
    stopped = true;
    clearTimeout(pollTimer);
    for (const stream of streams) stream.close();
  }
}
