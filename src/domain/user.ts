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
