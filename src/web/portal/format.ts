// Owns the words and shapes the portal shows for the API's values: device types, how a sign-in passed, why one
// was refused, times in the browser's locale, and the code a user types (pure; tested in Node).
import type { DeviceType, SignInEntry, SignInHow } from './api.js';

const DEVICE_TYPES: Readonly<Record<DeviceType, string>> = {
  push: 'Phone: approves sign-ins',
  totp: 'Authenticator app: codes',
  hotp: 'Code token',
  backup: 'Backup codes',
};

/** What kind of second factor a device is, in the user's words. */
export const deviceTypeName = (type: DeviceType): string => DEVICE_TYPES[type] ?? type;

const HOW: Readonly<Record<Exclude<SignInHow, ''>, string>> = {
  push: 'approved on a phone',
  totp: 'code from an authenticator app',
  hotp: 'code from a token',
  backup: 'backup code',
  password: 'password only',
  grace: 'password only (grace period)',
};

/** How an accepted sign-in passed; '' when the server does not say (a refusal). */
export const howName = (how: SignInHow): string => (how === '' ? '' : (HOW[how] ?? how));

const REASONS: Readonly<Record<string, string>> = {
  BAD_PASSWORD: 'wrong password',
  USER_UNKNOWN: 'unknown name',
  USER_DISABLED: 'account disabled',
  CODE_WRONG: 'wrong code',
  CODE_REPLAYED: 'code already used',
  PUSH_DENIED: 'denied on the phone',
  PUSH_NOT_ME: 'reported as not you on the phone',
  PUSH_TIMEOUT: 'no answer from the phone',
  PUSH_MUTED: 'approval requests paused',
  PUSH_RATE_LIMITED: 'too many approval requests',
  PUSH_UNDELIVERED: 'the phone could not be reached',
  ACCOUNT_LOCKED: 'account locked',
  TOKEN_LOCKED: 'too many wrong codes',
  SECOND_FACTOR_MISSING: 'no second factor set up',
};

/** Why a sign-in was refused: the known reasons in words, any other code as lower-case words. */
export function reasonText(reason: string): string {
  if (reason === '') return '';
  return REASONS[reason] ?? reason.toLowerCase().replace(/_/g, ' ');
}

/** "Accepted: approved on a phone", "Refused: wrong code". */
export function outcomeText(entry: Pick<SignInEntry, 'result' | 'how' | 'reason'>): string {
  if (entry.result === 'accepted') {
    const how = howName(entry.how);
    return how === '' ? 'Accepted' : `Accepted: ${how}`;
  }
  const why = reasonText(entry.reason);
  return why === '' ? 'Refused' : `Refused: ${why}`;
}

/**
 * A date and time in the browser's locale and time zone ("5 Dec 2025, 22:10"); '' for a missing or broken value.
 * `locale` and `timeZone` are for tests.
 */
export function formatWhen(iso: string | null, locale?: string, timeZone?: string): string {
  if (iso === null || iso === '') return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(date);
}

/** A time of day only ("22:10"), for "until …" within the next hours. */
export function formatTime(iso: string, locale?: string, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale, {
    timeStyle: 'short',
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(date);
}

/** What a typed code is: 6–8 digits from an app or token, or a 10-digit backup code; spaces and dashes ignored. */
export type TypedCode =
  | { readonly ok: true; readonly kind: 'otp' | 'backup'; readonly digits: string }
  | { readonly ok: false; readonly message: string };

export function readCode(input: string): TypedCode {
  const digits = input.replace(/[\s-]/g, '');
  if (/^\d{6,8}$/.test(digits)) return { ok: true, kind: 'otp', digits };
  if (/^\d{10}$/.test(digits)) return { ok: true, kind: 'backup', digits };
  if (digits === '') return { ok: false, message: 'Type the code first.' };
  return {
    ok: false,
    message: 'A code is 6 to 8 digits from your app, or a backup code of 10 digits.',
  };
}

/** "01234 56789": a backup code in two halves, easier to read and copy by hand. */
export const spacedBackupCode = (code: string): string => code.replace(/^(\d{5})(\d{5})$/, '$1 $2');

/** "JBSW Y3DP EHPK 3PXP": a base32 secret in groups of four, for typing into an app by hand. */
export const groupedSecret = (secret: string): string => secret.replace(/(.{4})(?=.)/g, '$1 ');

/** A device's name: 1 to 64 printable characters, the API's rule (checked here to say so sooner). */
export function readLabel(input: string): { ok: true; label: string } | { ok: false; message: string } {
  const label = input.trim();
  if (label === '') return { ok: false, message: 'Give it a name.' };
  if (label.length > 64) return { ok: false, message: 'A name is at most 64 characters.' };
  if (/[\u0000-\u001f\u007f]/.test(label))
    return { ok: false, message: 'A name has printable characters only.' };
  return { ok: true, label };
}
