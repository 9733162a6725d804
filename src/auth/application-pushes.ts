// Owns pushes an application asks for over the REST API (PROTOCOL §4.1): the same engine as RADIUS, no NAS.
import type { Awaitable } from '../domain/awaitable.js';
import type { Decision } from '../domain/decision.js';
import type { DeliveryResult } from '../domain/push-delivery.js';
import type { PushDeviceStore } from '../domain/push-device.js';
import { type DecideResult, type PushTransaction, TransactionStatus } from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';
import type { PushHooks } from './authenticate.js';

/** What an application asks for: FortiAuthenticator's `pushauth` fields, already read and bounded. */
export interface ApplicationPushInput {
  /** The name as the application knows it; realms are resolved as for RADIUS (`alice@corp`). */
  readonly username: string;
  /** Shown on the phone as where the sign-in comes from (the NAS name for RADIUS). */
  readonly clientName: string;
  /** Shown on the phone (SECURITY A7.9); empty when unknown. */
  readonly userIp: string;
  /** Names the login in every log line and is the transaction's id. */
  readonly transactionId: string;
  /** The API key's name: the sign-in history's client (`clientName` is what the phone shows). */
  readonly caller?: string;
  /** PROTOCOL P7 for applications that show the number themselves (the v2 API); v1 never asks for one. */
  readonly withNumber: boolean;
  /**
   * The caller shows a number whenever the start returns one (the v2 API): the push then also carries one when
   * the site's rules need it (`push.numberMatching`, or SECURITY A7.7 after missed pushes), asked for or not.
   */
  readonly showsNumber?: boolean;
}

/** How a waiting application push ended. `undeliverable`: every push service failed and no device polls. */
export type ApplicationOutcome =
  | { readonly kind: 'decided'; readonly decision: Decision }
  | { readonly kind: 'undeliverable'; readonly refused: boolean };

/** A refused start names the user as their devices are held, when the name was found (the sign-in history's). */
export type ApplicationStart =
  | { readonly ok: true; readonly transaction: PushTransaction }
  | { readonly ok: false; readonly reason: Reason; readonly user?: string };

export interface ApplicationPushDeps {
  /** Turns what the application typed into the name the user's tokens and devices are held under. */
  holderOf(typed: string): Awaitable<{ name: string; groups: readonly string[] } | undefined>;
  readonly push: PushHooks;
  readonly devices: Pick<PushDeviceStore, 'listForUser'>;
  /** Two digits for number matching (PROTOCOL P7). */
  readonly number: () => string;
  readonly now?: () => number;
}

interface Waiting {
  /** Devices reached only through a push service; a polling device can always answer, so it keeps the wait. */
  pushOnly: number;
  failed: number;
  refused: number;
  outcome: ApplicationOutcome | undefined;
  readonly listeners: ((outcome: ApplicationOutcome) => void)[];
}

/**
 * Starts a push for an application and tells it how it ended: a map entry per waiting push and a callback per
 * listener (an HTTP request held open, an SSE stream); nothing is polled and no thread waits (ARCHITECTURE §5).
 * The decision arrives from the same PushWaits as a RADIUS login's, so every rule (A7.6–A7.8) holds alike.
 */
export class ApplicationPushes {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly deps: ApplicationPushDeps) {}

  async start(input: ApplicationPushInput): Promise<ApplicationStart> {
    const holder = await this.deps.holderOf(input.username);
    if (holder === undefined || !this.deps.push.offered(holder.name)) {
      return { ok: false, reason: Reason.PushUnavailable };
    }
    const push = this.deps.push;
    const withNumber =
      input.withNumber ||
      (input.showsNumber === true &&
        (push.numberMatching || ((await push.numberRequired?.(holder.name)) ?? false)));
    const now = (this.deps.now ?? Date.now)();
    const deadline = now + push.timeoutMs;
    const started = await push.start({
      transactionId: input.transactionId,
      userName: holder.name,
      clientName: input.clientName,
      userIp: input.userIp,
      number: withNumber ? this.deps.number() : '',
      now,
      deadline,
    });
    if (!started.ok) return { ok: false, reason: started.reason, user: holder.name };
    const devices = await this.deps.devices.listForUser(holder.name);
    const polling = devices.some((d) => d.delivery.kind === 'poll');
    this.waiting.set(input.transactionId, {
      pushOnly: polling ? Number.POSITIVE_INFINITY : devices.length,
      failed: 0,
      refused: 0,
      outcome: undefined,
      listeners: [],
    });
    this.deps.push.waits.add({
      transactionId: input.transactionId,
      identity: { name: holder.name, groups: holder.groups, source: 'api' },
      clientName: input.caller ?? input.clientName,
      userIp: input.userIp,
      deadline,
      ended: () => {},
    });
    return started;
  }

  /** The outcome once known; listeners of a push already ended are called at once. */
  listen(transactionId: string, listener: (outcome: ApplicationOutcome) => void): boolean {
    const entry = this.waiting.get(transactionId);
    if (entry === undefined) return false;
    if (entry.outcome !== undefined) listener(entry.outcome);
    else entry.listeners.push(listener);
    return true;
  }

  /** Stops telling `listener` (a client that went away). */
  unlisten(transactionId: string, listener: (outcome: ApplicationOutcome) => void): void {
    const entry = this.waiting.get(transactionId);
    if (entry === undefined) return;
    const at = entry.listeners.indexOf(listener);
    if (at >= 0) entry.listeners.splice(at, 1);
  }

  outcomeOf(transactionId: string): ApplicationOutcome | undefined {
    return this.waiting.get(transactionId)?.outcome;
  }

  /** From the push events: one delivery's result. When every push-only device failed, nobody can answer. */
  delivered(transaction: PushTransaction, result: DeliveryResult): void {
    const entry = this.waiting.get(transaction.id);
    if (entry === undefined || entry.outcome !== undefined) return;
    if (result.kind === 'rejected') entry.refused++;
    else if (result.kind === 'failed' || result.kind === 'gone') entry.failed++;
    else return;
    if (entry.failed + entry.refused < entry.pushOnly) return;
    // End it for everyone: a device that polls later must not approve a login the application was told failed.
    const { push } = this.deps;
    const expired = push.transactions.decide(transaction.id, {
      status: TransactionStatus.Expired,
      reason: Reason.PushUndelivered,
    });
    const finish = (result: DecideResult | undefined) => {
      // Only when nothing decided it first (an answer that came through a poll wins).
      if (result?.won !== false) {
        this.finish(transaction.id, { kind: 'undeliverable', refused: entry.refused > 0 });
      }
      if (result?.transaction !== undefined) push.waits.settled(result.transaction);
    };
    if (expired instanceof Promise) expired.then(finish, () => finish(undefined));
    else finish(expired);
  }

  /** From PushWaits (main's decision listener): a waiting application push was decided. */
  settled(transactionId: string, decision: Decision): void {
    const entry = this.waiting.get(transactionId);
    if (entry === undefined || entry.outcome !== undefined) return;
    this.finish(transactionId, { kind: 'decided', decision });
  }

  private finish(transactionId: string, outcome: ApplicationOutcome): void {
    const entry = this.waiting.get(transactionId);
    if (entry === undefined || entry.outcome !== undefined) return;
    entry.outcome = outcome;
    for (const listener of entry.listeners.splice(0)) listener(outcome);
    // Kept a while so a poll after the end still reads it, then forgotten (bounded memory).
    setTimeout(() => this.waiting.delete(transactionId), KEEP_ENDED_MS).unref();
  }
}

/** How long an ended application push stays readable (`GET /api/v2/transactions/{id}`). */
export const KEEP_ENDED_MS = 10 * 60_000;
