// Owns what a stored user record may hold: name, clear password and groups, with a reason for each refusal.

/** RFC 2865 §5.1: User-Name is at most 253 octets; we also refuse control characters in stored names. */
export const MAX_USER_NAME_OCTETS = 253;
/** RFC 2865 §5.2: User-Password carries at most 128 octets, so a longer password could never be typed in. */
export const MAX_PASSWORD_OCTETS = 128;
/** More groups than any real policy uses; a bound keeps one record from bloating every reply and log line. */
export const MAX_GROUPS = 100;
/** A group name becomes a reply attribute value (Class, Filter-Id …): RFC 2865 §5 caps those at 253 octets. */
export const MAX_GROUP_NAME_OCTETS = 253;

const CONTROL = /[\u0000-\u001f\u007f]/;
/**
 * What a decoder leaves for bytes that are not UTF-8 (issue 12 item 12). A name or password holding it can never
 * be typed, so it is refused rather than stored.
 */
const REPLACEMENT = '\ufffd';

const octets = (text: string) => Buffer.byteLength(text, 'utf8');

/** Why `name` cannot be a user name, or undefined when it can. */
export function userNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'empty user name';
  if (name.includes(REPLACEMENT)) return 'user name is not valid UTF-8';
  if (octets(name) > MAX_USER_NAME_OCTETS) return `user name longer than ${MAX_USER_NAME_OCTETS} octets`;
  if (CONTROL.test(name)) return 'user name contains control characters';
  return undefined;
}

/** True when `name` can be stored and looked up as a user name. */
export function isValidUserName(name: string): boolean {
  return userNameProblem(name) === undefined;
}

/**
 * Why a clear password cannot be set, or undefined when it can. PAP never sends an empty password; NUL is the
 * padding of RFC 2865 §5.2, so a password holding one cannot arrive intact.
 */
export function passwordProblem(password: string): string | undefined {
  if (password.length === 0) return 'empty password';
  if (password.includes(REPLACEMENT)) return 'password is not valid UTF-8';
  if (octets(password) > MAX_PASSWORD_OCTETS) {
    return `password longer than ${MAX_PASSWORD_OCTETS} octets (the most RADIUS User-Password carries)`;
  }
  if (password.includes('\u0000')) return 'password contains a NUL character';
  return undefined;
}

/** Why a group list cannot be stored, or undefined when it can. */
export function groupsProblem(groups: readonly string[]): string | undefined {
  if (groups.length > MAX_GROUPS) return `${groups.length} groups (at most ${MAX_GROUPS})`;
  for (const group of groups) {
    if (group.includes(REPLACEMENT)) return 'a group name is not valid UTF-8';
    if (octets(group) > MAX_GROUP_NAME_OCTETS)
      return `a group name is longer than ${MAX_GROUP_NAME_OCTETS} octets`;
    if (CONTROL.test(group)) return 'a group name contains control characters';
  }
  return undefined;
}
