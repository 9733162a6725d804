// Owns the push device model (an enrolled authenticator) and the PushDeviceStore port with its activations.

import { randomInt } from 'node:crypto';
import type { Awaitable } from './awaitable.js';
import type { PushServiceDelivery } from './push-delivery.js';

/**
 * How the server reaches a device: a Web Push subscription, a ntfy (UnifiedPush) topic, or nothing (the device
 * polls). Polling works for every kind, so a lost message loses nothing (docs/push.md §6).
 */
export type PushDelivery = { readonly kind: 'poll' } | PushServiceDelivery;

/** An enrolled authenticator of one user. The server holds only its public key (SECURITY A7.3). */
export interface PushDevice {
  /** `ASNP` + 8 digits: the device id of docs/push.md and its serial in `assent token list`. */
  readonly id: string;
  readonly userName: string;
  /** The 65-octet uncompressed P-256 point the device signs with. */
  readonly publicKey: Uint8Array;
  readonly delivery: PushDelivery;
  readonly label: string;
  readonly createdAt: string;
  readonly lastSeenAt: string | null;
}

export type NewPushDevice = Omit<PushDevice, 'createdAt' | 'lastSeenAt'>;

/** A pending enrollment: a one-time code, stored as its SHA-256 only (SECURITY A8.4, A8.9). */
export interface NewActivation {
  readonly codeHash: Uint8Array;
  readonly userName: string;
  readonly label: string;
  /** ISO time after which the code is refused (10 minutes after it was made). */
  readonly expiresAt: string;
}

/**
 * Push devices and their activations. Value or promise like the other stores (`UserStore`); throws
 * `StoreError` for broken infrastructure and `ALREADY_EXISTS` for a device id in use.
 */
export interface PushDeviceStore {
  get(id: string): Awaitable<PushDevice | undefined>;
  listForUser(userName: string): Awaitable<PushDevice[]>;
  list(): Awaitable<PushDevice[]>;
  add(device: NewPushDevice): Awaitable<PushDevice>;
  /** Revokes a device: its next request is refused (SECURITY C11). False when no such device. */
  remove(id: string): Awaitable<boolean>;
  /** Renames a device (what `label` shows); false when no such device. */
  setLabel(id: string, label: string): Awaitable<boolean>;
  /** The push service said the subscription is gone (RFC 8030 §7.3): the device falls back to polling. */
  setDelivery(id: string, delivery: PushDelivery): Awaitable<boolean>;
  touch(id: string, at: Date): Awaitable<void>;
  addActivation(activation: NewActivation): Awaitable<void>;
  /**
   * Consumes an activation atomically: the user and label when `codeHash` names one that is unused and not expired
   * at `now`; undefined otherwise. A code is never accepted twice, also when two requests race.
   */
  takeActivation(codeHash: Uint8Array, now: Date): Awaitable<{ userName: string; label: string } | undefined>;
}

/** A new random device id; the store refuses a collision and the caller draws again. */
export function generateDeviceId(): string {
  return `ASNP${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

export const DEVICE_ID_PATTERN = /^ASNP\d{8}$/;
