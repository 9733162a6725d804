// Owns the shape of one numbered schema migration of the SQLite store.
import type Database from 'better-sqlite3';

/**
 * One schema step. `number` orders the steps and is what `schema_migrations` records; a step never changes once
 * released, since databases in the field have already run it. `up` runs inside the migration transaction.
 */
export interface Migration {
  readonly number: number;
  readonly name: string;
  up(db: Database.Database): void;
}
