// Owns parsing a token-import CSV (serial, user, secret in base32, type, digits, period, algorithm) into tokens.
import { parse } from 'csv-parse/sync';
import { type NewToken, SERIAL_PATTERN } from '../../domain/token.js';
import { decodeBase32 } from '../../otp/base32.js';
import { isOtpAlgorithm } from '../../otp/otp-algorithm.js';
import { OtpLimits } from '../../otp/otp-parameters.js';
import { CSV_IMPORT_OPTIONS } from './csv-options.js';

const CSV_COLUMNS = ['serial', 'user', 'secret', 'type', 'digits', 'period', 'algorithm'] as const;

interface CsvRecord {
  readonly record: string[];
  readonly info: { readonly lines: number };
}

/**
 * Parses the import CSV; returns the tokens with the line each ends on (`lines[i]` is `tokens[i]`'s, for the
 * caller's own messages), or every failing line (`line N: reason`) without echoing secrets.
 */
export function parseTokenCsv(text: string): { tokens: NewToken[]; lines: number[]; failures: string[] } {
  const tokens: NewToken[] = [];
  const lines: number[] = [];
  const failures: string[] = [];
  let records: CsvRecord[];
  try {
    records = parse(text, CSV_IMPORT_OPTIONS) as unknown as CsvRecord[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return { tokens, lines, failures: [`line ${line}: CSV syntax error`] };
  }
  const [header, ...rows] = records;
  const names = header?.record.map((name) => name.toLowerCase()) ?? [];
  const unknown = names.filter((name) => !(CSV_COLUMNS as readonly string[]).includes(name));
  const missing = ['serial', 'user', 'secret'].filter((name) => !names.includes(name));
  if (unknown.length > 0 || missing.length > 0 || header === undefined) {
    const what = [
      ...unknown.map((n) => `unknown column "${n}"`),
      ...missing.map((n) => `missing column "${n}"`),
    ];
    return { tokens, lines, failures: [`line 1: header: ${what.join(', ') || 'empty file'}`] };
  }
  const seen = new Set<string>();
  for (const { record, info } of rows) {
    const field = (name: string) => record[names.indexOf(name)] ?? '';
    const fail = (reason: string) => failures.push(`line ${info.lines}: ${reason}`);
    if (record.length !== names.length) {
      fail(`expected ${names.length} fields, found ${record.length}`);
      continue;
    }
    const serial = field('serial');
    const type = field('type').toLowerCase() || 'totp';
    const algorithm = field('algorithm').toUpperCase() || 'SHA1';
    const digits = Number(field('digits') || '6');
    const period = Number(field('period') || '30');
    const secret = decodeBase32(field('secret'));
    if (!SERIAL_PATTERN.test(serial)) fail('serial: 1–64 of A–Z a–z 0–9 . _ - expected');
    else if (seen.has(serial)) fail(`serial ${serial} appears twice`);
    else if (field('user') === '' || field('user').includes(':')) fail('user: a name without ":" expected');
    else if (!secret.ok) fail(`secret: not base32 (${secret.reason})`);
    else if (secret.bytes.length < OtpLimits.importedSecretMinBytes)
      fail('secret: at least 80 bits expected');
    else if (type !== 'totp' && type !== 'hotp') fail('type: totp or hotp expected');
    else if (!(type === 'totp' ? [6, 8] : [6, 7, 8]).includes(digits))
      fail(`digits: ${field('digits')} not allowed`);
    else if (type === 'totp' && period !== 30 && period !== 60) fail('period: 30 or 60 expected');
    else if (!isOtpAlgorithm(algorithm)) fail('algorithm: SHA1, SHA256 or SHA512 expected');
    else {
      tokens.push({ serial, userName: field('user'), type, secret: secret.bytes, algorithm, digits, period });
      lines.push(info.lines);
    }
    seen.add(serial);
  }
  return { tokens, lines, failures };
}
