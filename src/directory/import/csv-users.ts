// Owns parsing a user-import CSV (username, password_hash | password, groups, status) into imported users.
import { type CsvError, parse } from 'csv-parse/sync';
import { UserStatus } from '../../domain/user.js';
import { groupsProblem, userNameProblem } from '../../domain/user-rules.js';
import { CSV_IMPORT_OPTIONS } from './csv-options.js';
import {
  clearPasswordField,
  type ImportedUser,
  type ImportNote,
  type ImportResult,
  type PasswordField,
  passwordFromHashField,
  SeenNames,
} from './imported-user.js';

const Column = {
  Username: 'username',
  PasswordHash: 'password_hash',
  Password: 'password',
  Groups: 'groups',
  Status: 'status',
} as const;
type Column = (typeof Column)[keyof typeof Column];
const COLUMNS: ReadonlySet<string> = new Set(Object.values(Column));

interface ParsedRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/**
 * Parses CSV text whose first line is a header. `username` is required; `password_hash` (any format
 * `canonicalizeImportedHash` knows) or `password` (clear text, returned for the caller to hash); `groups`
 * `;`-separated; `status` `active` (default) or `disabled`. Column names are case-insensitive; unknown columns
 * fail the header, so a misspelt `status` cannot silently enable users. Line numbers are those of the line where
 * a record ends. Pure: never throws, never echoes a password or hash.
 */
export function parseCsvUsers(text: string): ImportResult {
  const users: ImportedUser[] = [];
  const skipped: ImportNote[] = [];
  const failures: ImportNote[] = [];
  let records: ParsedRecord[];
  try {
    records = parse(text, {
      ...CSV_IMPORT_OPTIONS,
      record_delimiter: ['\r\n', '\n'],
      skip_records_with_error: true,
      on_skip: (error) => {
        const failure = { line: lineOf(error), reason: describeCsvError(error) };
        // csv-parse reports each stray quote of one record separately: keep one message per line and kind.
        const last = failures.at(-1);
        if (last?.line !== failure.line || last.reason !== failure.reason) failures.push(failure);
        return undefined;
      },
    }) as unknown as ParsedRecord[];
  } catch (error) {
    failures.push({ line: lineOf(error), reason: describeCsvError(error) });
    return { users, skipped, failures };
  }

  const [header, ...rows] = records;
  if (header === undefined) {
    failures.push({ line: 1, reason: 'no header line' });
    return { users, skipped, failures };
  }
  const columns = readHeader(header, failures);
  if (columns === undefined) return { users, skipped, failures };

  const seen = new SeenNames();
  for (const { record, info } of rows) {
    const line = info.lines;
    if (record.length !== columns.length) {
      failures.push({ line, reason: `expected ${columns.length} fields, found ${record.length}` });
      continue;
    }
    if (record.every((field) => field === '')) {
      skipped.push({ line, reason: 'empty row' });
      continue;
    }
    const field = (column: Column): string => {
      const index = columns.indexOf(column);
      return index < 0 ? '' : (record[index] ?? '');
    };
    const user = readRow(field, line, seen);
    if ('reason' in user) failures.push(user);
    else users.push(user);
  }
  return { users, skipped, failures };
}

function readHeader(header: ParsedRecord, failures: ImportNote[]): Column[] | undefined {
  const line = header.info.lines;
  const names = header.record.map((name) => name.trim().toLowerCase());
  const before = failures.length;
  names.forEach((name, index) => {
    if (!COLUMNS.has(name)) failures.push({ line, reason: `unknown column "${name}" (column ${index + 1})` });
    else if (names.indexOf(name) !== index) failures.push({ line, reason: `column "${name}" appears twice` });
  });
  if (!names.includes(Column.Username)) failures.push({ line, reason: 'missing required column "username"' });
  return failures.length === before ? (names as Column[]) : undefined;
}

function readRow(
  field: (column: Column) => string,
  line: number,
  seen: SeenNames,
): ImportedUser | ImportNote {
  const name = field(Column.Username);
  const nameProblem = userNameProblem(name);
  if (nameProblem !== undefined) return { line, reason: `column username: ${nameProblem}` };
  const earlier = seen.check(name, line);
  if (earlier !== undefined)
    return { line, reason: `column username: duplicate user (first on line ${earlier})` };

  const hashText = field(Column.PasswordHash);
  const clearText = field(Column.Password);
  if (hashText !== '' && clearText !== '') {
    return { line, reason: 'columns password_hash and password are both set; keep one' };
  }
  let password: PasswordField = { ok: true, passwordHash: null };
  if (hashText !== '') {
    password = passwordFromHashField(hashText);
    if (!password.ok) return { line, reason: `column password_hash: ${password.reason}` };
  } else if (clearText !== '') {
    password = clearPasswordField(clearText);
  }
  if (!password.ok) return { line, reason: `column password: ${password.reason}` };

  const statusText = field(Column.Status).toLowerCase();
  if (statusText !== '' && statusText !== UserStatus.Active && statusText !== UserStatus.Disabled) {
    return { line, reason: 'column status: expected "active" or "disabled"' };
  }
  const groups = [
    ...new Set(
      field(Column.Groups)
        .split(';')
        .map((group) => group.trim())
        .filter((group) => group !== ''),
    ),
  ];
  const groupProblem = groupsProblem(groups);
  if (groupProblem !== undefined) return { line, reason: `column groups: ${groupProblem}` };
  return {
    name,
    passwordHash: password.passwordHash,
    ...(password.clearPassword === undefined ? {} : { clearPassword: password.clearPassword }),
    groups,
    status: statusText === UserStatus.Disabled ? UserStatus.Disabled : UserStatus.Active,
    line,
  };
}

const CSV_ERROR_TEXT: Readonly<Record<string, string>> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed',
  CSV_INVALID_CLOSING_QUOTE: 'text after a closing quote',
  INVALID_OPENING_QUOTE: 'a quote inside an unquoted field',
};

// csv-parse's own messages quote the offending field, which may be a password: use ours.
function describeCsvError(error: unknown): string {
  const code = (error as Partial<CsvError> | undefined)?.code;
  return `CSV syntax: ${(code !== undefined && CSV_ERROR_TEXT[code]) || 'unreadable record'}`;
}

function lineOf(error: unknown): number {
  const lines = (error as { lines?: unknown } | undefined)?.lines;
  return typeof lines === 'number' ? lines : 1;
}
