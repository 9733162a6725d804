// Owns parsing a FreeRADIUS `users` file (mods-config/files/authorize) into imported users.
import { UserStatus } from '../../domain/user.js';
import { userNameProblem } from '../../domain/user-rules.js';
import {
  canonicalizeCryptText,
  canonicalizeShaText,
  type ImportedHashResult,
} from '../password/legacy-hash.js';
import { ShaScheme } from '../password/salted-sha.js';
import { type AttributeItem, parseAttributeList } from './freeradius-attribute-list.js';
import {
  clearPasswordField,
  describeHashFailure,
  type ImportedUser,
  type ImportNote,
  type ImportResult,
  type PasswordField,
  passwordFromHashField,
  SeenNames,
} from './imported-user.js';

type PasswordAttribute =
  | { readonly kind: 'clear' }
  | { readonly kind: 'header' }
  | { readonly kind: 'crypt' }
  | { readonly kind: 'unsupported' }
  | { readonly kind: 'sha'; readonly scheme: ShaScheme | undefined };

// FreeRADIUS dictionary names (v3, plus the v4 spellings), lower-cased. `SHA2-Password` takes its variant from
// the digest length.
const PASSWORD_ATTRIBUTES: ReadonlyMap<string, PasswordAttribute> = new Map<string, PasswordAttribute>([
  ['cleartext-password', { kind: 'clear' }],
  ['user-password', { kind: 'clear' }],
  ['password-with-header', { kind: 'header' }],
  ['crypt-password', { kind: 'crypt' }],
  ['ssha-password', { kind: 'sha', scheme: ShaScheme.Ssha }],
  ['ssha1-password', { kind: 'sha', scheme: ShaScheme.Ssha }],
  ['ssha2-224-password', { kind: 'sha', scheme: ShaScheme.Ssha224 }],
  ['ssha2-256-password', { kind: 'sha', scheme: ShaScheme.Ssha256 }],
  ['ssha2-384-password', { kind: 'sha', scheme: ShaScheme.Ssha384 }],
  ['ssha2-512-password', { kind: 'sha', scheme: ShaScheme.Ssha512 }],
  ['sha-password', { kind: 'sha', scheme: ShaScheme.Sha }],
  ['sha1-password', { kind: 'sha', scheme: ShaScheme.Sha }],
  ['sha2-password', { kind: 'sha', scheme: undefined }],
  ['sha2-224-password', { kind: 'sha', scheme: ShaScheme.Sha224 }],
  ['sha2-256-password', { kind: 'sha', scheme: ShaScheme.Sha256 }],
  ['sha2-384-password', { kind: 'sha', scheme: ShaScheme.Sha384 }],
  ['sha2-512-password', { kind: 'sha', scheme: ShaScheme.Sha512 }],
  ['md5-password', { kind: 'unsupported' }],
  ['smd5-password', { kind: 'unsupported' }],
  ['nt-password', { kind: 'unsupported' }],
  ['lm-password', { kind: 'unsupported' }],
  ['ns-mta-md5-password', { kind: 'unsupported' }],
  ['pbkdf2-password', { kind: 'unsupported' }],
]);
// A check item `Cleartext-Password == "x"` is the pre-v2 spelling; FreeRADIUS still honours it.
const PASSWORD_OPERATORS: ReadonlySet<string> = new Set([':=', '=', '==']);

const CONDITION_OPERATORS: ReadonlySet<string> = new Set([
  '==',
  '!=',
  '>',
  '>=',
  '<',
  '<=',
  '=~',
  '!~',
  '=*',
  '!*',
]);

/** Where continuation lines belong: nothing yet, an ignored entry (DEFAULT, $INCLUDE, unreadable), a user entry. */
type Entry = 'none' | 'ignored' | 'entry';

/**
 * Parses a FreeRADIUS `users` file. Each user entry's first line holds the name and check items; we import the
 * password attribute (Cleartext-Password → `clearPassword`; SSHA/SHA/Crypt/Password-With-Header → canonical
 * hash) and `Auth-Type := Reject` (→ disabled). DEFAULT entries, `$INCLUDE`, other check items, reply items on
 * indented continuation lines and Fall-Through are listed in `skipped`. A later entry for the same user is skipped
 * unless it carries a password, which is a failure. Pure: never throws, never echoes a password or hash.
 */
export function parseFreeRadiusUsersFile(text: string): ImportResult {
  const users: ImportedUser[] = [];
  const skipped: ImportNote[] = [];
  const failures: ImportNote[] = [];
  const seen = new SeenNames();
  let entry: Entry = 'none';

  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, index) => {
      const line = index + 1;
      const trimmed = raw.trim();
      if (trimmed === '' || trimmed.startsWith('#')) return;
      if (/^[ \t]/.test(raw)) {
        if (entry === 'none') failures.push({ line, reason: 'indented line outside an entry' });
        else if (entry === 'entry') noteReplyItems(raw, line, skipped);
        return;
      }
      if (/^\$-?INCLUDE\b/.test(raw)) {
        skipped.push({ line, reason: '$INCLUDE not followed; import the included file separately' });
        entry = 'ignored';
        return;
      }
      entry = 'ignored';
      const head = readName(raw);
      if (head === undefined) {
        failures.push({ line, reason: 'unterminated quoted user name' });
        return;
      }
      if (head.name === 'DEFAULT') {
        skipped.push({ line, reason: 'DEFAULT entry skipped: Assent has no default entries' });
        return;
      }
      const parsed = parseAttributeList(raw.slice(head.end), head.end);
      if (!parsed.ok) {
        failures.push({
          line,
          reason: `check items: expected ${parsed.expected} at column ${parsed.column}`,
        });
        return;
      }
      const result = readEntry(head.name, parsed.items, line, seen, skipped);
      if (result !== null && 'reason' in result) failures.push(result);
      else if (result !== null) users.push(result);
      entry = 'entry';
    });
  return { users, skipped, failures };
}

function readEntry(
  name: string,
  items: readonly AttributeItem[],
  line: number,
  seen: SeenNames,
  skipped: ImportNote[],
): ImportedUser | ImportNote | null {
  const nameProblem = userNameProblem(name);
  if (nameProblem !== undefined) return { line, reason: nameProblem };
  let password: Extract<PasswordField, { ok: true }> | undefined;
  let status: UserStatus = UserStatus.Active;
  for (const item of items) {
    const key = item.attribute.toLowerCase().replace(/^(?:control|config):/, '');
    const where = `column ${item.column}, ${item.attribute}`;
    const attribute = PASSWORD_ATTRIBUTES.get(key);
    if (attribute !== undefined) {
      if (!PASSWORD_OPERATORS.has(item.operator)) {
        return { line, reason: `${where}: operator ${item.operator} cannot set a password (use :=)` };
      }
      if (item.quote === '`')
        return { line, reason: `${where}: back-quoted (program output) values are not imported` };
      if (password !== undefined)
        return { line, reason: `${where}: more than one password attribute in the entry` };
      const field = readPassword(attribute, item.value);
      if (!field.ok) return { line, reason: `${where}: ${field.reason}` };
      password = field;
    } else if (key === 'auth-type') {
      const value = item.value.toLowerCase();
      if (value === 'accept')
        return { line, reason: `${where}: Auth-Type Accept (no password check) is not imported` };
      if (value === 'reject') status = UserStatus.Disabled;
      else skipped.push({ line, reason: `${where}: Auth-Type ${item.value} ignored` });
    } else if (CONDITION_OPERATORS.has(item.operator)) {
      // The entry applied only when the request matched; imported, the user no longer has that restriction.
      skipped.push({
        line,
        reason: `${where}: condition ${item.operator} ignored; the user is imported without it`,
      });
    } else {
      skipped.push({ line, reason: `${where}: check item ignored (only the password is imported)` });
    }
  }
  const earlier = seen.check(name, line);
  if (earlier !== undefined) {
    // FreeRADIUS matches a user's entries in order (Fall-Through, conditions); Assent keeps the first one.
    if (password !== undefined)
      return { line, reason: `second password entry for this user (first on line ${earlier})` };
    skipped.push({ line, reason: `further entry for this user skipped (first on line ${earlier})` });
    return null;
  }
  if (password === undefined)
    skipped.push({ line, reason: 'no password attribute: imported without a password' });
  return {
    name,
    passwordHash: password?.passwordHash ?? null,
    ...(password?.clearPassword === undefined ? {} : { clearPassword: password.clearPassword }),
    groups: [],
    status,
    line,
  };
}

function readPassword(attribute: PasswordAttribute, value: string): PasswordField {
  switch (attribute.kind) {
    case 'clear':
      return clearPasswordField(value);
    case 'header':
      return passwordFromHashField(value);
    case 'unsupported':
      return { ok: false, reason: describeHashFailure('UNSUPPORTED_SCHEME') };
    case 'crypt':
      return fromImportedHash(canonicalizeCryptText(value));
    case 'sha':
      return fromImportedHash(canonicalizeShaText(attribute.scheme, value));
  }
}

function fromImportedHash(result: ImportedHashResult): PasswordField {
  if (!result.ok) return { ok: false, reason: describeHashFailure(result.reason) };
  return result.kind === 'hash'
    ? { ok: true, passwordHash: result.hash }
    : clearPasswordField(result.password);
}

function noteReplyItems(raw: string, line: number, skipped: ImportNote[]): void {
  const parsed = parseAttributeList(raw);
  if (!parsed.ok) {
    skipped.push({ line, reason: 'reply line ignored (not a readable attribute list)' });
    return;
  }
  for (const item of parsed.items) {
    const reason =
      item.attribute.toLowerCase() === 'fall-through'
        ? 'Fall-Through ignored: Assent keeps one entry per user'
        : PASSWORD_ATTRIBUTES.has(item.attribute.toLowerCase())
          ? `${item.attribute} on a continuation line is a reply item, not a password; ignored`
          : `reply item ${item.attribute} ignored`;
    skipped.push({ line, reason });
  }
}

/** The entry's user name: bare up to white space, or double-quoted. */
function readName(raw: string): { name: string; end: number } | undefined {
  if (!raw.startsWith('"')) {
    const name = /^\S+/.exec(raw)![0];
    return { name, end: name.length };
  }
  let name = '';
  for (let i = 1; i < raw.length; i++) {
    const char = raw[i]!;
    if (char === '"') return { name, end: i + 1 };
    name += char === '\\' && i + 1 < raw.length ? raw[++i] : char;
  }
  return undefined;
}
