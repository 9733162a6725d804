// Owns the in-memory adapter of the PushDeviceStore port, for unit tests of use cases.
import { createHash } from 'node:crypto';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type {
  NewActivation,
  NewPushDevice,
  PushDelivery,
  PushDevice,
  PushDeviceStore,
} from '../../domain/push-device.js';

interface Activation {
  readonly userName: string;
  readonly label: string;
  readonly expiresAt: string;
  used: boolean;
}

export class MemoryPushDeviceStore implements PushDeviceStore {
  readonly #devices = new Map<string, PushDevice>();
  readonly #activations = new Map<string, Activation>();
  readonly #now: () => Date;

  constructor(options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
  }

  get(id: string): PushDevice | undefined {
    return this.#devices.get(id);
  }

  listForUser(userName: string): PushDevice[] {
    return this.list().filter((device) => device.userName === userName);
  }

  list(): PushDevice[] {
    return [...this.#devices.values()];
  }

  add(device: NewPushDevice): PushDevice {
    if (this.#devices.has(device.id)) {
      throw new StoreError(StoreErrorCode.AlreadyExists, `push device ${device.id} already exists`);
    }
    const stored: PushDevice = {
      ...device,
      publicKey: new Uint8Array(device.publicKey),
      createdAt: this.#now().toISOString(),
      lastSeenAt: null,
    };
    this.#devices.set(device.id, stored);
    return stored;
  }

  remove(id: string): boolean {
    return this.#devices.delete(id);
  }

  setLabel(id: string, label: string): boolean {
    const device = this.#devices.get(id);
    if (device === undefined) return false;
    this.#devices.set(id, { ...device, label });
    return true;
  }

  setDelivery(id: string, delivery: PushDelivery): boolean {
    const device = this.#devices.get(id);
    if (device === undefined) return false;
    this.#devices.set(id, { ...device, delivery });
    return true;
  }

  touch(id: string, at: Date): void {
    const device = this.#devices.get(id);
    if (device !== undefined) this.#devices.set(id, { ...device, lastSeenAt: at.toISOString() });
  }

  addActivation(activation: NewActivation): void {
    this.#activations.set(key(activation.codeHash), {
      userName: activation.userName,
      label: activation.label,
      expiresAt: activation.expiresAt,
      used: false,
    });
  }

  takeActivation(codeHash: Uint8Array, now: Date): { userName: string; label: string } | undefined {
    const activation = this.#activations.get(key(codeHash));
    if (activation === undefined || activation.used || activation.expiresAt <= now.toISOString())
      return undefined;
    activation.used = true;
    return { userName: activation.userName, label: activation.label };
  }
}

const key = (hash: Uint8Array) => createHash('sha256').update(hash).digest('hex');
