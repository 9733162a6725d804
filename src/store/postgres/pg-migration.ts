// Owns the shape of one numbered migration of the PostgreSQL store, and how SQLite's types map onto it.
import type { ClientBase } from 'pg';

/**
 * One schema step, the twin of the SQLite migration with the same number and name (sqlite/migration.ts): the
 * same tables, columns and constraints in meaning, so adapters read and write the same values on both
 * databases. A step never changes once released. `up` runs inside the migration transaction, on the migrating
 * connection.
 *
 * How SQLite's schema is written here, once for every migration (each file says only what differs beyond
 * this):
 * - `TEXT` is `TEXT COLLATE "C"`. SQLite compares text byte by byte (BINARY); "C" is PostgreSQL's byte order,
 *   so `ORDER BY name` and comparisons of ISO times give SQLite's results whatever locale the database was
 *   created with. Equality is byte-wise on both anyway, so `Alice` is not `alice` in a UNIQUE column on
 *   either.
 * - `INTEGER PRIMARY KEY AUTOINCREMENT` is `BIGINT GENERATED ALWAYS AS IDENTITY`: ids are never reused, as
 *   with AUTOINCREMENT. Unlike SQLite, an insert that rolls back still uses up its number, and an explicit id
 *   is refused (a copy from SQLite says `OVERRIDING SYSTEM VALUE` and then moves the sequence on).
 * - Other `INTEGER` columns are `BIGINT` where SQLite's 64-bit range is used (ids and references to them, OTP
 *   counters, millisecond times) and `INTEGER` where a CHECK or the meaning keeps them small. node-postgres
 *   returns BIGINT as a string unless the adapter installs a parser.
 * - 0/1 flags stay `INTEGER` with `CHECK (x IN (0, 1))`, not BOOLEAN: the same values on both databases.
 * - JSON columns stay `TEXT`, checked through a `::json` cast, not `jsonb`: jsonb would store a re-serialised
 *   value (other spacing) and node-postgres would return it parsed, so the values and the row mapping would
 *   differ from SQLite's. Malformed JSON fails the cast (SQLSTATE 22P02) before the CHECK (23514): refused
 *   either way.
 * - `BLOB` is `BYTEA`, `length()` of a blob is `octet_length()`, `GLOB` patterns are anchored regular
 *   expressions.
 * - `STRICT` needs no counterpart (PostgreSQL always checks types); `WITHOUT ROWID` has none and needs none.
 * - A `TEXT PRIMARY KEY` is NOT NULL here. SQLite lets a rowid table take NULL in a non-integer primary key
 *   (a historical quirk, and a CHECK on NULL passes); the code never writes one, so only a hand-made row
 *   could differ.
 */
export interface PostgresMigration {
  readonly number: number;
  readonly name: string;
  up(client: ClientBase): Promise<void>;
}
