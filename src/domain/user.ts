// Owns the local user model as the domain sees it.

export const UserStatus = { Active: 'active', Disabled: 'disabled' } as const;
export type UserStatus = (typeof UserStatus)[keyof typeof UserStatus];

/** A user known to Assent. `passwordHash` is a PHC string (`$argon2id$…`) or an imported legacy hash. */
export interface User {
  readonly id: number;
  readonly name: string;
  readonly status: UserStatus;
  readonly passwordHash: string | null;
  readonly groups: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewUser {
  readonly name: string;
  readonly passwordHash: string | null;
  readonly status?: UserStatus;
  readonly groups?: readonly string[];
}

/** RFC 2865 §5.1: User-Name is at most 253 octets; we also refuse control characters in stored names. */
export const MAX_USER_NAME_OCTETS = 253;

/** True when `name` can be stored and looked up as a user name. */
export function isValidUserName(name: string): boolean {
  if (name.length === 0 || Buffer.byteLength(name, 'utf8') > MAX_USER_NAME_OCTETS) return false;

  return !/[\u0000-\u001f\u007f]/.test(name);
}
