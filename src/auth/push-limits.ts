// Owns the anti push-bombing limits: pushes per user and per address in a window, mutes after "this wasn't me".
import type { Awaitable } from '../domain/awaitable.js';
import type { PushLimitRecords, RecentPushes } from '../domain/push-limit-records.js';
import type { SourceCap } from '../domain/push-transaction.js';
import { Reason } from '../domain/reason.js';

export interface PushLimitSettings {
  /** SECURITY A7.7: at most this many pushes per user in `rateWindowSeconds` (then refused until the window moves). */
  readonly maxPerUser: number;
  readonly rateWindowSeconds: number;
  /**
   * SECURITY A7.7: at most this many pushes in `rateWindowSeconds` for logins from one user address
   * (Calling-Station-Id), whichever users they name: one attacker spraying pushes at many users is stopped too.
   */
  readonly maxPerSource?: number;
  /** SECURITY A7.8: how long "this wasn't me" mutes pushes to the user. */
  readonly muteMinutes: number;
}

/** SECURITY A7.7: denials or timeouts in a row after which a push needs number matching. */
export const MISSES_BEFORE_NUMBER = 2;

/**
 * Per-user and per-address push times and mutes. One node keeps them in memory: entries are small and forgotten
 * once their window has passed, so a flood of distinct names costs bounded memory per window. Several nodes on
 * one database (`records` given) count the pushes and read the mutes every node wrote there, so a site of N nodes
 * allows the limit once, not N times, and a mute reported on one node stops pushes sent by any (SECURITY A7.7,
 * A7.8). The number-matching streak (`noteOutcome`) stays per node.
 */
export class PushLimits {
  private readonly sent = new Map<string, number[]>();
  private readonly sentFrom = new Map<string, number[]>();
  private readonly muted = new Map<string, number>();
  /** Pushes denied or left unanswered in a row, per user (cleared by an approval). */
  private readonly misses = new Map<string, number>();
  private lastSweep = 0;

  constructor(
    private readonly settings: PushLimitSettings,
    private readonly records?: PushLimitRecords,
    /** A mute that could not be written to the shared records (it still holds on this node). */
    private readonly onError: (error: unknown, user: string) => void = () => {},
  ) {}

  /**
   * Why a push to `user`, for a login from `source` (the user's address; empty when the NAS sent none), must not be
   * sent now, or undefined; counts the push when it may be sent.
   */
  admit(user: string, now: number, source = ''): Awaitable<Reason | undefined> {
    this.sweep(now);
    if (this.records !== undefined) {
      const windowStart = now - this.settings.rateWindowSeconds * 1000;
      const recent = this.records.recent(user, source, windowStart);
      return recent instanceof Promise
        ? recent.then((r) => this.judge(user, now, source, r))
        : this.judge(user, now, source, recent);
    }
    const until = this.muted.get(user);
    if (until !== undefined && until > now) return Reason.PushMuted;
    const windowStart = now - this.settings.rateWindowSeconds * 1000;
    const times = (this.sent.get(user) ?? []).filter((t) => t > windowStart);
    if (times.length >= this.settings.maxPerUser) {
      this.sent.set(user, times);
      return Reason.PushRateLimited;
    }
    const perSource = this.settings.maxPerSource;
    const fromSource = source === '' ? [] : (this.sentFrom.get(source) ?? []).filter((t) => t > windowStart);
    if (source !== '' && perSource !== undefined && fromSource.length >= perSource) {
      this.sentFrom.set(source, fromSource);
      return Reason.PushRateLimited;
    }
    times.push(now);
    this.sent.set(user, times);
    if (source !== '') {
      fromSource.push(now);
      this.sentFrom.set(source, fromSource);
    }
    return undefined;
  }

  /**
   * With shared records, the per-address limit for the store to count again as it creates the push
   * (TransactionStore.createAlone): `admit` counted before, and another node may have started a push from the
   * address since. Undefined on one node (`admit` counted and recorded in one synchronous step), for an empty
   * address, and when no per-address limit is set.
   */
  sharedSourceCap(source: string, now: number): SourceCap | undefined {
    const max = this.settings.maxPerSource;
    if (this.records === undefined || source === '' || max === undefined) return undefined;
    return { max, since: now - this.settings.rateWindowSeconds * 1000 };
  }

  /** The verdict from the shared records: the pushes being admitted now are counted by the rows they create. */
  private judge(user: string, now: number, source: string, recent: RecentPushes): Reason | undefined {
    const until = Math.max(recent.mutedUntil, this.muted.get(user) ?? 0);
    if (until > now) return Reason.PushMuted;
    if (recent.perUser >= this.settings.maxPerUser) return Reason.PushRateLimited;
    const perSource = this.settings.maxPerSource;
    if (source !== '' && perSource !== undefined && recent.perSource >= perSource)
      return Reason.PushRateLimited;
    return undefined;
  }

  /**
   * SECURITY A7.8: "this wasn't me" mutes pushes to the user. Returns the ISO time the mute ends. It holds on this
   * node at once; with shared records the write to them follows (a failure is reported, the local mute stays).
   */
  mute(user: string, now: number): string {
    const until = now + this.settings.muteMinutes * 60_000;
    this.muted.set(user, until);
    if (this.records !== undefined) {
      try {
        const written = this.records.mute(user, until);
        if (written instanceof Promise) written.catch((error: unknown) => this.onError(error, user));
      } catch (error) {
        this.onError(error, user);
      }
    }
    return new Date(until).toISOString();
  }

  /**
   * SECURITY A7.7: how a push to `user` ended. After MISSES_BEFORE_NUMBER denials or timeouts in a row, the next
   * push needs number matching even where it is off: a user tapping "deny" at a flood cannot then approve by reflex.
   */
  noteOutcome(user: string, approved: boolean): void {
    if (approved) this.misses.delete(user);
    else this.misses.set(user, (this.misses.get(user) ?? 0) + 1);
  }

  /** True when the next push to `user` must carry a number to match (see noteOutcome). */
  numberRequired(user: string): boolean {
    return (this.misses.get(user) ?? 0) >= MISSES_BEFORE_NUMBER;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    const windowStart = now - this.settings.rateWindowSeconds * 1000;
    for (const [user, times] of this.sent) if (times.every((t) => t <= windowStart)) this.sent.delete(user);
    for (const [from, times] of this.sentFrom) {
      if (times.every((t) => t <= windowStart)) this.sentFrom.delete(from);
    }
    for (const [user, until] of this.muted) if (until <= now) this.muted.delete(user);
  }
}
