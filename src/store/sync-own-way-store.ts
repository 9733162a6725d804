// Owns the OwnWayStore over stores that answer at once (memory, SQLite): one synchronous unit per removal.
import { namesPushDevice, type OwnRemoval, type OwnWayStore, removalVerdict } from '../domain/own-ways.js';
import type { PushDevice } from '../domain/push-device.js';
import type { Token } from '../domain/token.js';

/** The token store's part this needs, answering values (MemoryTokenStore, SqliteTokenStore). */
export interface SyncTokens {
  listForUser(userName: string): Token[];
  remove(serial: string): boolean;
}

/** The push device store's part this needs, answering values (MemoryPushDeviceStore, SqlitePushDeviceStore). */
export interface SyncPushDevices {
  listForUser(userName: string): PushDevice[];
  remove(id: string): boolean;
}

/**
 * SECURITY A12.7 in one process: the read, the count and the delete run without an await between them, so no
 * other removal of this process can fall between (the event loop runs one at a time). `transaction` makes them one
 * unit for other processes on the same file too: SQLite's IMMEDIATE transaction takes the write lock before the
 * read, so an `assent` command writing meanwhile waits for it; memory has no other process.
 */
export class SyncOwnWayStore implements OwnWayStore {
  constructor(
    private readonly tokens: SyncTokens,
    private readonly devices: SyncPushDevices,
    private readonly transaction: <T>(fn: () => T) => T = (fn) => fn(),
  ) {}

  removeOwn(userName: string, id: string, allowLast: boolean): OwnRemoval {
    return this.transaction(() => {
      const held = [
        ...this.tokens.listForUser(userName).map((t) => ({ id: t.serial, type: t.type })),
        ...this.devices.listForUser(userName).map((d) => ({ id: d.id, type: 'push' as const })),
      ];
      const verdict = removalVerdict(held, id, allowLast);
      if (verdict !== 'remove') return verdict;
      const removed = namesPushDevice(id) ? this.devices.remove(id) : this.tokens.remove(id);
      return removed ? 'removed' : 'not_found';
    });
  }
}
