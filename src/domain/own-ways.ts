// Owns the port that removes one of a user's own ways to sign in, and the last-way rule it keeps (SECURITY A12.7).
import type { Awaitable } from './awaitable.js';
import { DEVICE_ID_PATTERN } from './push-device.js';
import { TokenType } from './token.js';

/** What a removal did: `last_device` when it was refused because it would leave the user no way in. */
export type OwnRemoval = 'removed' | 'not_found' | 'last_device';

/**
 * Removes a user's own push device or OTP token under the last-way rule. A separate port rather than a read in the
 * use case then a `remove`: the count and the delete must be one step per user, which only the adapter can make
 * (a database transaction, a lock), and which a read, an await and a delete in the caller cannot.
 */
export interface OwnWayStore {
  /**
   * Removes `id` (`ASNP…` a push device, anything else a token) when the user `userName` holds it. SECURITY A12.7:
   * a way in (a push device or a TOTP/HOTP token; backup codes are not one) is kept when it is the user's last,
   * unless `allowLast`. Atomic per user, on every node: of two removals of a user's last two ways started at once
   * (two tabs, two nodes), exactly one removes and the other answers `last_device`.
   * @returns `not_found` also for another user's device or token, as for a made-up one
   */
  removeOwn(userName: string, id: string, allowLast: boolean): Awaitable<OwnRemoval>;
}

/** One device or token a user holds, as the last-way rule sees it. */
export interface HeldWay {
  /** The push device's id or the token's serial. */
  readonly id: string;
  readonly type: 'push' | TokenType;
}

/** `ASNP…` names a push device; anything else a token (as the admin commands read a serial). */
export function namesPushDevice(id: string): boolean {
  return DEVICE_ID_PATTERN.test(id);
}

/** Whether a device or token of this type is a way to sign in: backup codes are a fallback, not one (A12.7). */
export function isWayIn(type: HeldWay['type']): boolean {
  return type !== TokenType.Backup;
}

/**
 * SECURITY A12.7: what removing `id` may do, given everything the user holds now (read inside the adapter's
 * atomic step): `remove`, or why not.
 */
export function removalVerdict(
  held: readonly HeldWay[],
  id: string,
  allowLast: boolean,
): 'remove' | 'not_found' | 'last_device' {
  const device = namesPushDevice(id);
  const target = held.find((way) => way.id === id && (way.type === 'push') === device);
  if (target === undefined) return 'not_found';
  const waysIn = held.filter((way) => isWayIn(way.type)).length;
  return !allowLast && isWayIn(target.type) && waysIn <= 1 ? 'last_device' : 'remove';
}
