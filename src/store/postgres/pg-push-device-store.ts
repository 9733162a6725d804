// Owns the PostgreSQL adapter of the PushDeviceStore port; push deliveries are sealed at rest (SECURITY A9.1).
import type pg from 'pg';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type {
  NewActivation,
  NewPushDevice,
  PushDelivery,
  PushDevice,
  PushDeviceStore,
} from '../../domain/push-device.js';
import { SealError, type Sealer } from '../sealer.js';
// The same binding as SQLite's, so a row copied from one database to the other still opens.
import { deliveryAad } from '../sqlite/sqlite-push-device-store.js';
import { isUniqueViolation, queryOrFail, toStoreError } from './pg-errors.js';

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

const GET = `SELECT ${COLUMNS} FROM push_devices WHERE id = $1`;
const BY_USER = `SELECT ${COLUMNS} FROM push_devices WHERE user_name = $1 ORDER BY created_at, id`;
const ALL = `SELECT ${COLUMNS} FROM push_devices ORDER BY created_at, id`;
const INSERT =
  'INSERT INTO push_devices (id, user_name, public_key, delivery_sealed, label, created_at) ' +
  `VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`;
const DELETE = 'DELETE FROM push_devices WHERE id = $1';
const SET_DELIVERY = 'UPDATE push_devices SET delivery_sealed = $1 WHERE id = $2';
const SET_LABEL = 'UPDATE push_devices SET label = $1 WHERE id = $2';
const TOUCH = 'UPDATE push_devices SET last_seen_at = $1 WHERE id = $2';
const ADD_ACTIVATION =
  'INSERT INTO push_activations (code_hash, user_name, label, expires_at) VALUES ($1, $2, $3, $4)';
// SECURITY A8.9: single use as one UPDATE. Of two nodes racing, the second waits for the first's row lock and
// then re-checks the WHERE on the committed row, where used_at is no longer NULL: it gets nothing.
const TAKE_ACTIVATION =
  'UPDATE push_activations SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1 ' +
  'RETURNING user_name, label';

export class PgPushDeviceStore implements PushDeviceStore {
  readonly #pool: pg.Pool;
  readonly #sealer: Sealer;
  readonly #now: () => Date;

  constructor(pool: pg.Pool, sealer: Sealer, options: { now?: () => Date } = {}) {
    this.#pool = pool;
    this.#sealer = sealer;
    this.#now = options.now ?? (() => new Date());
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

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[], action: string) {
    return queryOrFail<R>(this.#pool, text, values, action);
  }

  async get(id: string): Promise<PushDevice | undefined> {
    const { rows } = await this.#query<DeviceRow>(GET, [id], 'reading a push device');
    return rows[0] === undefined ? undefined : this.#toDevice(rows[0]);
  }

  async listForUser(userName: string): Promise<PushDevice[]> {
    const { rows } = await this.#query<DeviceRow>(BY_USER, [userName], 'listing push devices');
    return rows.map((r) => this.#toDevice(r));
  }

  async list(): Promise<PushDevice[]> {
    const { rows } = await this.#query<DeviceRow>(ALL, [], 'listing push devices');
    return rows.map((r) => this.#toDevice(r));
  }

  async add(device: NewPushDevice): Promise<PushDevice> {
    let row: DeviceRow;
    try {
      const { rows } = await this.#pool.query<DeviceRow>(INSERT, [
        device.id,
        device.userName,
        Buffer.from(device.publicKey),
        this.#seal(device.id, device.delivery),
        device.label,
        this.#now().toISOString(),
      ]);
      row = rows[0]!;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new StoreError(StoreErrorCode.AlreadyExists, `push device ${device.id} already exists`, {
          cause: error,
        });
      }
      throw toStoreError(error, 'adding a push device');
    }
    return this.#toDevice(row);
  }

  async remove(id: string): Promise<boolean> {
    const { rowCount } = await this.#query(DELETE, [id], 'removing a push device');
    return (rowCount ?? 0) > 0;
  }

  async setDelivery(id: string, delivery: PushDelivery): Promise<boolean> {
    const sealed = this.#seal(id, delivery);
    const { rowCount } = await this.#query(SET_DELIVERY, [sealed, id], 'updating a push device');
    return (rowCount ?? 0) > 0;
  }

  async setLabel(id: string, label: string): Promise<boolean> {
    const { rowCount } = await this.#query(SET_LABEL, [label, id], 'renaming a push device');
    return (rowCount ?? 0) > 0;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.#query(TOUCH, [at.toISOString(), id], 'updating a push device');
  }

  async addActivation(activation: NewActivation): Promise<void> {
    await this.#query(
      ADD_ACTIVATION,
      [Buffer.from(activation.codeHash), activation.userName, activation.label, activation.expiresAt],
      'adding an activation',
    );
  }

  async takeActivation(
    codeHash: Uint8Array,
    now: Date,
  ): Promise<{ userName: string; label: string } | undefined> {
    const { rows } = await this.#query<{ user_name: string; label: string }>(
      TAKE_ACTIVATION,
      [now.toISOString(), Buffer.from(codeHash)],
      'using an activation',
    );
    const row = rows[0];
    return row === undefined ? undefined : { userName: row.user_name, label: row.label };
  }
}
