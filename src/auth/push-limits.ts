// Owns the anti push-bombing limits: pushes per user and per address in a window, mutes after "this wasn't me",
// number matching after misses.
import type { Awaitable } from '../domain/awaitable.js';
import type { PushLimitRecords, RecentPushes } from '../domain/push-limit-records.js';
import type { PushMutes } from '../domain/push-mutes.js';
import type { PushStreaks } from '../domain/push-streaks.js';
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

/** Where the limits keep what outlives one node's memory. */
export interface PushLimitStores {
  /** Several nodes on one database: every node's pushes, counted there, and the mutes (PostgreSQL). */
  readonly records?: PushLimitRecords;
  /** One node: the mutes alone, in its database (SQLite); the pushes are counted in memory. */
  readonly mutes?: PushMutes;
  /** Number-matching streaks in the database (both databases; every node counts the same). */
  readonly streaks?: PushStreaks;
  /** A mute that could not be written to the database (it still holds on this node until it ends). */
  readonly onError?: (error: unknown, user: string) => void;
  /** A push's outcome that could not be written to the user's streak (the streak goes without it). */
  readonly onStreakError?: (error: unknown, user: string) => void;
}

const enoughMisses = (misses: number): boolean => misses >= MISSES_BEFORE_NUMBER;

/**
 * Per-user and per-address push times and mutes. One node counts pushes in memory: entries are small and
 * forgotten once their window has passed, so a flood of distinct names costs bounded memory per window. Several
 * nodes on one database (`records` given) count the pushes every node wrote there, so a site of N nodes allows the
 * limit once, not N times (SECURITY A7.7). Mutes (A7.8) are kept in the database in both cases, so they outlive a
 * restart, a mute reported on one node stops pushes sent by any, and `assent user unlock` can lift one; a mute is
 * held in this node's memory only until the database has it, or until it ends when the database refused it. With
 * neither store (unit tests) everything is in memory. The number-matching streak (`noteOutcome`, A7.7) is a
 * counter per user in the database on both (`streaks`), so misses on different nodes, or before a restart, add
 * up; without that store (unit tests) it is kept in memory.
 */
export class PushLimits {
  private readonly sent = new Map<string, number[]>();
  private readonly sentFrom = new Map<string, number[]>();
  /** Mutes not (yet) in the database: written a moment ago, refused by it, or all of them without a store. */
  private readonly muted = new Map<string, number>();
  /** Without a streak store: pushes denied or left unanswered in a row, per user (cleared by an approval). */
  private readonly misses = new Map<string, number>();
  private lastSweep = 0;
  private readonly records: PushLimitRecords | undefined;
  private readonly mutes: PushMutes | undefined;
  private readonly streaks: PushStreaks | undefined;
  private readonly onError: (error: unknown, user: string) => void;
  private readonly onStreakError: (error: unknown, user: string) => void;

  constructor(
    private readonly settings: PushLimitSettings,
    stores: PushLimitStores = {},
  ) {
    this.records = stores.records;
    this.mutes = stores.records ?? stores.mutes;
    this.streaks = stores.streaks;
    this.onError = stores.onError ?? (() => {});
    this.onStreakError = stores.onStreakError ?? (() => {});
  }

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
    const stored = this.mutes?.until(user) ?? 0;
    return stored instanceof Promise
      ? stored.then((until) => this.countHere(user, now, source, until))
      : this.countHere(user, now, source, stored);
  }

  /** One node: the mute read from its database, then the counts in memory, counted when the push may go. */
  private countHere(user: string, now: number, source: string, storedUntil: number): Reason | undefined {
    const until = Math.max(storedUntil, this.muted.get(user) ?? 0);
    if (until > now) return Reason.PushMuted;
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
   * node at once; the database's copy follows, and once it is written the node's own copy is dropped, so a lift
   * (`assent user unlock`, the REST API's unlock: PushMutes.lift) ends it everywhere. A write the database refuses
   * is reported and the node keeps its copy until the mute ends.
   */
  mute(user: string, now: number): string {
    const until = now + this.settings.muteMinutes * 60_000;
    this.muted.set(user, Math.max(until, this.muted.get(user) ?? 0));
    if (this.mutes !== undefined) {
      const stored = () => {
        if (this.muted.get(user) === until) this.muted.delete(user);
      };
      try {
        const written = this.mutes.mute(user, until);
        if (written instanceof Promise) written.then(stored, (error: unknown) => this.onError(error, user));
        else stored();
      } catch (error) {
        this.onError(error, user);
      }
    }
    return new Date(until).toISOString();
  }

  /**
   * SECURITY A7.7: how a push to `user` ended. After MISSES_BEFORE_NUMBER denials or timeouts in a row, the next
   * push needs number matching even where it is off: a user tapping "deny" at a flood cannot then approve by reflex.
   * Which outcomes are misses is the caller's (push-wiring's noteDecision). Settles once written; a write the
   * database refuses is reported, never thrown: the login's decision stands.
   */
  noteOutcome(user: string, approved: boolean): Awaitable<void> {
    const streaks = this.streaks;
    if (streaks === undefined) {
      if (approved) this.misses.delete(user);
      else this.misses.set(user, (this.misses.get(user) ?? 0) + 1);
      return;
    }
    try {
      const written = approved ? streaks.approved(user) : streaks.missed(user);
      if (written instanceof Promise)
        return written.catch((error: unknown) => this.onStreakError(error, user));
    } catch (error) {
      this.onStreakError(error, user);
    }
  }

  /**
   * True when the next push to `user` must carry a number to match (see noteOutcome). A value at once in memory and
   * on SQLite, a promise on PostgreSQL; a failed read throws or rejects (the login is refused, as for any store).
   */
  numberRequired(user: string): Awaitable<boolean> {
    if (this.streaks === undefined) return enoughMisses(this.misses.get(user) ?? 0);
    const misses = this.streaks.misses(user);
    return misses instanceof Promise ? misses.then(enoughMisses) : enoughMisses(misses);
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
