// Owns reading the tables of a SQLite and of a PostgreSQL database as one shape (columns, NOT NULLs, primary
// key), so the schema tests can compare the two.
import type Database from 'better-sqlite3';
import type pg from 'pg';

export interface Column {
  name: string;
  notNull: boolean;
}

export function sqliteTables(db: Database.Database): Map<string, { columns: Column[]; key: string[] }> {
  const names = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  const tables = new Map<string, { columns: Column[]; key: string[] }>();
  for (const name of names) {
    const info = db.pragma(`table_info(${name})`) as { name: string; notnull: number; pk: number }[];
    tables.set(name, {
      // A primary key column is NOT NULL in PostgreSQL, and holds no NULL in any row Assent writes to SQLite.
      columns: info.map((c) => ({ name: c.name, notNull: c.notnull === 1 || c.pk > 0 })),
      key: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
    });
  }
  return tables;
}

export async function postgresTables(
  client: pg.Client,
): Promise<Map<string, { columns: Column[]; key: string[] }>> {
  const { rows } = await client.query<{ table_name: string; column_name: string; is_nullable: string }>(
    'SELECT table_name, column_name, is_nullable FROM information_schema.columns ' +
      'WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position',
  );
  const keys = await client.query<{ table_name: string; column_name: string }>(
    'SELECT k.table_name, k.column_name FROM information_schema.table_constraints c ' +
      'JOIN information_schema.key_column_usage k ON k.constraint_schema = c.constraint_schema ' +
      'AND k.constraint_name = c.constraint_name ' +
      "WHERE c.table_schema = current_schema() AND c.constraint_type = 'PRIMARY KEY' " +
      'ORDER BY k.table_name, k.ordinal_position',
  );
  const tables = new Map<string, { columns: Column[]; key: string[] }>();
  for (const row of rows) {
    const table = tables.get(row.table_name) ?? { columns: [], key: [] };
    table.columns.push({ name: row.column_name, notNull: row.is_nullable === 'NO' });
    tables.set(row.table_name, table);
  }
  for (const row of keys.rows) tables.get(row.table_name)?.key.push(row.column_name);
  return tables;
}

export const sorted = <T>(map: Map<string, T>) =>
  [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
