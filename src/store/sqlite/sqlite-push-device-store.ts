// Owns the SQLite adapter of the PushDeviceStore port; push deliveries are sealed at rest (SECURITY A9.1).
import type Database from 'better-sqlite3';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type {
  NewActivation,
  NewPushDevice,
  PushDelivery,
  PushDevice,
  PushDeviceStore,
} from '../../domain/push-device.js';
import { SealError, type Sealer } from '../sealer.js';
import { isUniqueViolation, toStoreError } from './sqlite-errors.js';

interface DeviceRow {
  id: string;
  user_name: string;
  public_key: Buffer;
  delivery_sealed: string;
  label: string;
  created_at: string;
  last_seen_at: string | null;
}

const COLUMNS = 'id, user_name, public_key, delivery_sealed, label, created_at, last_seen_at';

/** Binds a sealed delivery to its device: a value copied to another row does not open. */
export const deliveryAad = (id: string) => `push-device:${id}:delivery`;

export class SqlitePushDeviceStore implements PushDeviceStore {
  readonly #sealer: Sealer;
  readonly #now: () => Date;
  readonly #get: Database.Statement<[string], DeviceRow>;
  readonly #byUser: Database.Statement<[string], DeviceRow>;
  readonly #all: Database.Statement<[], DeviceRow>;
  readonly #insert: Database.Statement<[string, string, Buffer, string, string, string], DeviceRow>;
  readonly #delete: Database.Statement<[string]>;
  readonly #setDelivery: Database.Statement<[string, string]>;
  readonly #setLabel: Database.Statement<[string, string]>;
  readonly #touch: Database.Statement<[string, string]>;
  readonly #addActivation: Database.Statement<[Buffer, string, string, string]>;
  readonly #takeActivation: Database.Statement<
    [string, Buffer, string],
    { user_name: string; label: string }
  >;

  constructor(db: Database.Database, sealer: Sealer, options: { now?: () => Date } = {}) {
    this.#sealer = sealer;
    this.#now = options.now ?? (() => new Date());
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM push_devices WHERE id = ?`);
    this.#byUser = db.prepare(
      `SELECT ${COLUMNS} FROM push_devices WHERE user_name = ? ORDER BY created_at, id`,
    );
    this.#all = db.prepare(`SELECT ${COLUMNS} FROM push_devices ORDER BY created_at, id`);
    this.#insert = db.prepare(
      'INSERT INTO push_devices (id, user_name, public_key, delivery_sealed, label, created_at) ' +
        `VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    );
    this.#delete = db.prepare('DELETE FROM push_devices WHERE id = ?');
    this.#setDelivery = db.prepare('UPDATE push_devices SET delivery_sealed = ? WHERE id = ?');
    this.#setLabel = db.prepare('UPDATE push_devices SET label = ? WHERE id = ?');
    this.#touch = db.prepare('UPDATE push_devices SET last_seen_at = ? WHERE id = ?');
    this.#addActivation = db.prepare(
      'INSERT INTO push_activations (code_hash, user_name, label, expires_at) VALUES (?, ?, ?, ?)',
    );
    // SECURITY A8.9: single use as one UPDATE; of two racing requests only one sees used_at still NULL.
    this.#takeActivation = db.prepare(
      'UPDATE push_activations SET used_at = ? WHERE code_hash = ? AND used_at IS NULL AND expires_at > ? ' +
        'RETURNING user_name, label',
    );
  }

  #toDevice(row: DeviceRow): PushDevice {
    let delivery: PushDelivery;
    try {
      const opened = this.#sealer.open(row.delivery_sealed, deliveryAad(row.id));
      delivery = JSON.parse(new TextDecoder().decode(opened)) as PushDelivery;
    } catch (error) {
      const why = error instanceof SealError ? error.code : 'unreadable';
      throw new StoreError(
        StoreErrorCode.Unavailable,
        `delivery of push device ${row.id} does not open (${why}): wrong key file or altered row`,
        { cause: error },
      );
    }
    return {
      id: row.id,
      userName: row.user_name,
      publicKey: new Uint8Array(row.public_key),
      delivery,
      label: row.label,
      createdAt: row.created_at,
      lastSeenAt: row.last_seen_at,
    };
  }

  #seal(id: string, delivery: PushDelivery): string {
    return this.#sealer.seal(new TextEncoder().encode(JSON.stringify(delivery)), deliveryAad(id));
  }

  #run<T>(work: () => T, action: string): T {
    try {
      return work();
    } catch (error) {
      throw toStoreError(error, action);
    }
  }

  get(id: string): PushDevice | undefined {
    const row = this.#run(() => this.#get.get(id), 'reading a push device');
    return row === undefined ? undefined : this.#toDevice(row);
  }

  listForUser(userName: string): PushDevice[] {
    return this.#run(() => this.#byUser.all(userName), 'listing push devices').map((r) => this.#toDevice(r));
  }

  list(): PushDevice[] {
    return this.#run(() => this.#all.all(), 'listing push devices').map((r) => this.#toDevice(r));
  }

  add(device: NewPushDevice): PushDevice {
    try {
      const row = this.#insert.get(
        device.id,
        device.userName,
        Buffer.from(device.publicKey),
        this.#seal(device.id, device.delivery),
        device.label,
        this.#now().toISOString(),
      )!;
      return this.#toDevice(row);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new StoreError(StoreErrorCode.AlreadyExists, `push device ${device.id} already exists`, {
          cause: error,
        });
      }
      throw toStoreError(error, 'adding a push device');
    }
  }

  remove(id: string): boolean {
    return this.#run(() => this.#delete.run(id).changes, 'removing a push device') > 0;
  }

  setDelivery(id: string, delivery: PushDelivery): boolean {
    return (
      this.#run(() => this.#setDelivery.run(this.#seal(id, delivery), id).changes, 'updating a push device') >
      0
    );
  }

  setLabel(id: string, label: string): boolean {
    return this.#run(() => this.#setLabel.run(label, id).changes, 'renaming a push device') > 0;
  }

  touch(id: string, at: Date): void {
    this.#run(() => this.#touch.run(at.toISOString(), id), 'updating a push device');
  }

  addActivation(activation: NewActivation): void {
    this.#run(
      () =>
        this.#addActivation.run(
          Buffer.from(activation.codeHash),
          activation.userName,
          activation.label,
          activation.expiresAt,
        ),
      'adding an activation',
    );
  }

  takeActivation(codeHash: Uint8Array, now: Date): { userName: string; label: string } | undefined {
    const at = now.toISOString();
    const row = this.#run(
      () => this.#takeActivation.get(at, Buffer.from(codeHash), at),
      'using an activation',
    );
    return row === undefined ? undefined : { userName: row.user_name, label: row.label };
  }
}
