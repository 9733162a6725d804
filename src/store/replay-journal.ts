// Owns the replay-guard journal: an append-only file of accepted TOTP steps / HOTP counters, synced before an Accept.
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';
import { type ReplayMark, ReplayMarkTable } from './replay-mark-table.js';
import { syncPath } from './sync-path.js';

export type { ReplayMark } from './replay-mark-table.js';

/*
 * Why a journal and not an UPDATE per login: in SQLite every accepted code rewrites a random page of the token table
 * (measured here: 10–20 µs of CPU per login even in batches of thousands), which was the largest cost of a code
 * login. Appending 24 octets per login and one fdatasync per batch costs a fraction of that and is just as
 * durable. The journal is folded into the database at start and at a clean stop.
 */

/** token id (u32) ‖ last used (f64) ‖ drift (i32) ‖ CRC-32 of the 16 octets before (u32), big-endian. */
export const RECORD_OCTETS = 20;

/** One accepted use to record: the token and its new mark. */
export interface ReplayRecord {
  readonly tokenId: number;
  readonly lastUsed: number;
  readonly drift: number;
}

function encode(tokenId: number, lastUsed: number, drift: number, out: Buffer, offset: number): void {
  out.writeUInt32BE(tokenId, offset);
  out.writeDoubleBE(lastUsed, offset + 4);
  out.writeInt32BE(drift, offset + 12);
  out.writeUInt32BE(crc32(out.subarray(offset, offset + 16)), offset + 16);
}

/**
 * Reads every whole, intact record. A torn tail (a crash during a write) or a damaged record ends the read there:
 * what follows was never acknowledged, because an Accept waits for the sync of the batch that holds it.
 */
export function readMarks(bytes: Uint8Array): ReplayMarkTable {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const marks = new ReplayMarkTable();
  for (let offset = 0; offset + RECORD_OCTETS <= buffer.length; offset += RECORD_OCTETS) {
    if (crc32(buffer.subarray(offset, offset + 16)) !== buffer.readUInt32BE(offset + 16)) break;
    // A6.4: the replay guard only ever moves forward (`raise` keeps the newest).
    marks.raise(
      buffer.readUInt32BE(offset),
      buffer.readDoubleBE(offset + 4),
      buffer.readInt32BE(offset + 12),
    );
  }
  return marks;
}

/** Records to append together: one write, and one sync shared with the groups around it. */
type Batch = readonly ReplayRecord[];

/** A batch waiting for the next sync; `raised` when the caller already moved its marks with `raise`. */
interface Waiting {
  readonly batch: Batch;
  readonly done: (error: Error | null) => void;
  readonly raised: boolean;
}

/**
 * Syncs start at most this often by default (`storage.replaySyncMs`). One fdatasync costs 60–100 µs of CPU here
 * (ext4, preallocated or appended file alike), plus the wake-ups of the pool thread, all on the server's CPU.
 * Syncing as soon as the previous one ended gave batches of 2–3 logins under load, so the sync was a third of a
 * code login's CPU. At 2 ms a sync still cost about 11 % of a code login; 5 ms gave 1.23× (concat) and 1.25×
 * (challenge) logins per CPU-second in a same-run A/B (docs/performance.md). A code login then waits up to 5 ms
 * more under load; an idle server still syncs at once, so a lone login waits for nothing.
 */
export const MIN_SYNC_INTERVAL_MS = 5;

/** The journal file of one database: appends batched by the caller, one write and one sync per group. */
export class ReplayJournal {
  private fd: number;
  private readonly marks: ReplayMarkTable;
  private records: number;
  /** Appends waiting for the sync in progress; they share the next one (group commit). */
  private waiting: Waiting[] = [];
  /** Set when a failed write left bytes that could not be cut off again: nothing more may be appended. */
  private torn: Error | undefined;
  private syncing = false;
  private timer: NodeJS.Timeout | undefined;
  private lastSyncAt = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly path: string,
    existing: Uint8Array,
    private readonly minSyncIntervalMs: number,
  ) {
    this.marks = readMarks(existing);
    this.records = Math.floor(existing.length / RECORD_OCTETS);
    this.fd = openSync(path, 'a', 0o600);
  }

  /**
   * Opens (or creates, mode 0600) the journal and reads what it holds.
   * @param minSyncIntervalMs - syncs start at most this often (`storage.replaySyncMs`); 0 = as soon as the last ended
   */
  static open(path: string, minSyncIntervalMs = MIN_SYNC_INTERVAL_MS): ReplayJournal {
    let existing: Uint8Array = new Uint8Array(0);
    try {
      existing = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new ReplayJournal(path, existing, minSyncIntervalMs);
  }

  /** A copy of the newest marks, for folding into the database (start and stop) and for tests. */
  get all(): Map<number, ReplayMark> {
    return this.marks.toMap();
  }

  /** How many tokens have a mark. */
  get markCount(): number {
    return this.marks.size;
  }

  /** Makes room for `tokens` marks now (the login index at start), so no first login grows the table. */
  reserve(tokens: number): void {
    this.marks.reserve(tokens);
  }

  /** The newest mark of a token, for overlaying a token read from the database; undefined when it has none. */
  mark(tokenId: number): ReplayMark | undefined {
    return this.marks.get(tokenId);
  }

  /**
   * Moves a token's mark forward now, before its record is written (A6.4). A token read back from the database
   * meanwhile (its cache entry dropped) is raised to it, so the use waiting for the next sync cannot be replayed.
   * A mark whose record then fails to sync only makes the guard stricter.
   */
  raise(tokenId: number, lastUsed: number, drift: number): void {
    this.marks.raise(tokenId, lastUsed, drift);
  }

  /** Appends a batch and makes it durable before returning. @throws on any I/O error (nothing is then acknowledged) */
  append(batch: Batch): void {
    if (batch.length === 0) return;
    this.write([{ batch, raised: false }]);
    fdatasyncSync(this.fd);
    this.compactIfLarge();
  }

  /**
   * Appends a batch and calls `done` once it is durable, without blocking the thread on the sync: the sync runs in
   * the libuv pool, and batches that arrive meanwhile share the next sync (group commit). With `raised`, the
   * caller already moved every mark of the batch with `raise`, so the write does not look them up again.
   */
  appendDurable(
    batch: Batch,
    done: (error: Error | null) => void,
    options: { readonly raised: boolean } = { raised: false },
  ): void {
    this.waiting.push({ batch, done, raised: options.raised });
    this.scheduleSync();
  }

  /** Starts the next sync now, or when the minimum interval has passed since the last one started. */
  private scheduleSync(): void {
    if (this.syncing || this.timer !== undefined || this.waiting.length === 0) return;
    const wait = this.lastSyncAt + this.minSyncIntervalMs - performance.now();
    if (wait <= 0) this.syncWaiting();
    else this.timer = setTimeout(this.onTimer, wait);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.syncWaiting();
  };

  /**
   * Writes and syncs whatever waits, on this thread, and tells the callers. For a stop and before a rewrite, so no
   * acknowledged-to-be mark is left outside the file that is folded or replaced.
   */
  settleNow(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return;
    let failure: Error | null = null;
    try {
      this.write(group);
      fdatasyncSync(this.fd);
    } catch (error) {
      failure = error as Error;
    }
    for (const item of group) item.done(failure);
  }

  private syncWaiting(): void {
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return;
    this.syncing = true;
    this.lastSyncAt = performance.now();
    const finish = (error: Error | null) => {
      this.syncing = false;
      for (const item of group) item.done(error);
      if (this.waiting.length > 0) this.scheduleSync();
      else if (error === null) this.compactIfLarge();
    };
    try {
      this.write(group);
    } catch (error) {
      finish(error as Error);
      return;
    }
    fdatasync(this.fd, (error) => finish(error));
  }

  /** One write for every batch of the group: a write call costs more than the records it carries. */
  private write(group: readonly Pick<Waiting, 'batch' | 'raised'>[]): void {
    if (this.torn !== undefined)
      throw new Error(
        `replay journal ${this.path} has a torn record that could not be cut off (${this.torn.message}); restart the server`,
      );
    let count = 0;
    for (const item of group) count += item.batch.length;
    const out = Buffer.allocUnsafe(count * RECORD_OCTETS);
    let offset = 0;
    for (const { batch } of group) {
      for (const record of batch) {
        encode(record.tokenId, record.lastUsed, record.drift, out, offset);
        offset += RECORD_OCTETS;
      }
    }
    const before = this.records * RECORD_OCTETS;
    let written = 0;
    try {
      while (written < out.length) written += writeSync(this.fd, out, written);
    } catch (error) {
      // A full disk can take part of the buffer first. Cut the torn bytes off again, or every record appended
      // after them (once there is space) would sit out of step and be lost to `readMarks` at the next start.
      if (written > 0) {
        try {
          ftruncateSync(this.fd, before);
        } catch (cut) {
          // Fail closed: no code is accepted on a journal that would lose it, until a restart folds it in.
          this.torn = cut as Error;
        }
      }
      throw error;
    }
    for (const item of group) {
      if (!item.raised)
        for (const record of item.batch) this.raise(record.tokenId, record.lastUsed, record.drift);
    }
    this.records += count;
  }

  /** Keeps the file near the size of what it must remember: rewrite when most records are superseded. */
  private compactIfLarge(): void {
    if (!this.syncing && this.records > 4 * this.marks.size + 65_536) this.rewrite(false);
  }

  /** Empties the file and the marks, atomically: the database now holds every mark (`foldReplayJournal`). */
  forgetFolded(): void {
    this.rewrite(true);
  }

  /** Replaces the file by the current marks alone, or by nothing (`empty`), atomically. */
  private rewrite(empty: boolean): void {
    this.settleNow();
    const temp = `${this.path}.new`;
    const fd = openSync(temp, 'w', 0o600);
    try {
      const out = Buffer.allocUnsafe(empty ? 0 : this.marks.size * RECORD_OCTETS);
      let offset = 0;
      if (!empty)
        this.marks.forEach((tokenId, lastUsed, drift) => {
          encode(tokenId, lastUsed, drift, out, offset);
          offset += RECORD_OCTETS;
        });
      let written = 0;
      while (written < out.length) written += writeSync(fd, out, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.path);
    syncPath(dirname(this.path));
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a', 0o600);
    // Only once the file is replaced: a failed rewrite leaves memory and file as they were.
    if (empty) this.marks.clear();
    this.records = this.marks.size;
  }

  /** Octets on disk (for tests and metrics). */
  size(): number {
    return fstatSync(this.fd).size;
  }

  close(): void {
    this.settleNow();
    closeSync(this.fd);
  }
}
