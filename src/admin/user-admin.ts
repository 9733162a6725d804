// Owns managing local users and lockouts, one set of rules for the CLI (`assent user …`) and the REST API.
import { randomBytes } from 'node:crypto';
import type { AccountLockout, AccountLockoutStore } from '../domain/account-lockout.js';
import { type Awaitable, whenReady } from '../domain/awaitable.js';
import { StoreError, StoreErrorCode, type UserStore } from '../domain/ports.js';
import type { PushMutes } from '../domain/push-mutes.js';
import type { Token, TokenStore } from '../domain/token.js';
import { type User, UserStatus } from '../domain/user.js';
import { groupsProblem, passwordProblem, userNameProblem } from '../domain/user-rules.js';

/** A request that breaks a rule; `field` names what to fix. `inUse`: the name is taken (409 rather than 400). */
export class UserInputError extends Error {
  override readonly name = 'UserInputError';
  constructor(
    readonly field: string,
    message: string,
    readonly inUse = false,
  ) {
    super(message);
  }
}

/** A user as operators see it: never the hash, only its scheme (`$argon2id$`, `{SSHA}`, `none`). */
export interface UserView {
  readonly name: string;
  readonly status: UserStatus;
  readonly groups: readonly string[];
  readonly passwordScheme: string;
  readonly updatedAt: string;
}

export function viewOfUser(user: User): UserView {
  const scheme =
    user.passwordHash === null ? 'none' : (/^(\$[^$]+\$|\{[^}]+\})/.exec(user.passwordHash)?.[1] ?? '?');
  return {
    name: user.name,
    status: user.status,
    groups: user.groups,
    passwordScheme: scheme,
    updatedAt: user.updatedAt,
  };
}

/** A random password for generated accounts: 18 octets → 24 base64url characters (144 bits). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/** Hashes a password for storage (argon2id with the configured cost, off the event loop). */
export type HashPassword = (password: string) => Promise<string>;

/** Checks a name; @throws UserInputError */
export function checkUserName(name: string): void {
  const problem = userNameProblem(name);
  if (problem !== undefined) throw new UserInputError('name', `${JSON.stringify(name)}: ${problem}`);
}

/** Distinct, trimmed, non-empty groups within the rules; @throws UserInputError */
export function checkGroups(groups: readonly string[]): string[] {
  const clean = [...new Set(groups.map((g) => g.trim()).filter((g) => g.length > 0))];
  const problem = groupsProblem(clean);
  if (problem !== undefined) throw new UserInputError('groups', problem);
  return clean;
}

/** A password to store: the given one within the rules, or a generated one; @throws UserInputError */
export function choosePassword(password: string | undefined): { password: string; generated: boolean } {
  if (password === undefined) return { password: generatePassword(), generated: true };
  const problem = passwordProblem(password);
  if (problem !== undefined) throw new UserInputError('password', problem);
  return { password, generated: false };
}

export interface NewUserInput {
  readonly name: string;
  /** `null`: no local password (a directory checks it); undefined: generate one. */
  readonly password: string | null | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly disabled?: boolean | undefined;
}

/** Adds a local user. @throws UserInputError for a broken rule or a name in use */
export async function addUser(
  users: Pick<UserStore, 'add'>,
  hash: HashPassword,
  input: NewUserInput,
): Promise<{ user: UserView; generatedPassword: string | undefined }> {
  checkUserName(input.name);
  const groups = checkGroups(input.groups ?? []);
  const chosen = input.password === null ? undefined : choosePassword(input.password);
  const passwordHash = chosen === undefined ? null : await hash(chosen.password);
  try {
    const user = await users.add({
      name: input.name,
      passwordHash,
      groups,
      status: input.disabled ? UserStatus.Disabled : UserStatus.Active,
    });
    return { user: viewOfUser(user), generatedPassword: chosen?.generated ? chosen.password : undefined };
  } catch (error) {
    if (error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists) {
      throw new UserInputError('name', error.message, true);
    }
    throw error;
  }
}

/** Sets a password (given or generated); undefined when no such user, else the generated password or ''. */
export async function setPassword(
  users: Pick<UserStore, 'setPasswordHash' | 'getByName'>,
  hash: HashPassword,
  name: string,
  password: string | undefined,
): Promise<{ generatedPassword: string | undefined } | undefined> {
  const chosen = choosePassword(password);
  if ((await users.getByName(name)) === undefined) return undefined;
  if (!(await users.setPasswordHash(name, await hash(chosen.password)))) return undefined;
  return { generatedPassword: chosen.generated ? chosen.password : undefined };
}

/** What `unlock` found before clearing it. */
export interface UnlockResult {
  readonly account: AccountLockout | undefined;
  readonly tokens: readonly Token[];
  readonly isLocalUser: boolean;
  /** A "this wasn't me" mute (A7.8) was running and is lifted. */
  readonly pushMuteLifted: boolean;
}

export interface UnlockStores {
  readonly lockouts: Pick<AccountLockoutStore, 'get' | 'reset'>;
  readonly tokens: Pick<TokenStore, 'listForUser' | 'resetFailures'>;
  readonly users: Pick<UserStore, 'getByName'>;
  readonly pushMutes: Pick<PushMutes, 'lift'>;
  /**
   * Runs `fn` as one unit (`Stores.transaction`): on SQLite one transaction, so a running server sees all of the
   * unlock or none of it; on PostgreSQL one statement after another, each a reset that is safe to run again should
   * the unlock stop half-way. `fn` answers at once when the stores do: an embedded database's transaction cannot
   * span an `await`.
   */
  transaction<T>(fn: () => Awaitable<T>): Awaitable<T>;
}

/**
 * docs/security.md A6.5: clears the account's counter and lock and those of every token it holds, and ends a
 * "this wasn't me" push mute (A7.8: the user pressed it by mistake, or the flood is over). Names need no local
 * user: directory users hold tokens, lockouts and mutes under their name.
 */
export async function unlockAccount(
  stores: UnlockStores,
  name: string,
  now = Date.now(),
): Promise<UnlockResult> {
  return stores.transaction(() =>
    whenReady(stores.lockouts.get(name), (account) =>
      whenReady(stores.tokens.listForUser(name), (tokens) => {
        const resets: Awaitable<boolean>[] = [];
        if (account !== undefined) resets.push(stores.lockouts.reset(name));
        for (const token of tokens) resets.push(stores.tokens.resetFailures(token.serial));
        return whenReady(allOf(resets), () =>
          whenReady(stores.pushMutes.lift(name, now), (pushMuteLifted) =>
            whenReady(stores.users.getByName(name), (user) => ({
              account,
              tokens,
              isLocalUser: user !== undefined,
              pushMuteLifted,
            })),
          ),
        );
      }),
    ),
  );
}

/** The values, or one promise of them when any of them is a promise (then all run at once). */
function allOf<T>(values: readonly Awaitable<T>[]): Awaitable<readonly T[]> {
  return values.some((v) => v instanceof Promise) ? Promise.all(values) : (values as readonly T[]);
}

/** True when the unlock found nothing at all under that name (no user, token or lockout). */
export const unlockFoundNothing = (result: UnlockResult) =>
  result.account === undefined && result.tokens.length === 0 && !result.isLocalUser && !result.pushMuteLifted;

export interface LockoutRow {
  readonly name: string;
  readonly failures: number;
  readonly lockedUntil: string | null;
  readonly locked: boolean;
  readonly locks: number;
}

/** Accounts with failures or a lock (current or expired), as `user lockouts` and `GET /api/v2/lockouts` show. */
export async function lockoutRows(
  lockouts: Pick<AccountLockoutStore, 'list'>,
  now: Date,
): Promise<LockoutRow[]> {
  const at = now.toISOString();
  return (await lockouts.list()).map((row) => ({
    name: row.userName,
    failures: row.failures,
    lockedUntil: row.lockedUntil,
    locked: row.lockedUntil !== null && row.lockedUntil > at,
    locks: row.locks,
  }));
}

/** Local groups with how many users are in each, by name. */
export async function groupRows(
  users: Pick<UserStore, 'list'>,
): Promise<{ name: string; members: number }[]> {
  const counts = new Map<string, number>();
  for (const user of await users.list()) for (const g of user.groups) counts.set(g, (counts.get(g) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, members]) => ({ name, members }));
}

/**
 * Local users who hold no second factor (no token, no push device): who still has to enrol (issue 18). `holds`
 * answers for a name as logins do, so tokens held under another spelling of it (issue 12) count.
 */
export async function usersWithoutSecondFactor(
  users: Pick<UserStore, 'list'>,
  holds: (name: string) => boolean,
): Promise<User[]> {
  return (await users.list()).filter((u) => !holds(u.name));
}

/** The same, counted by group (a user in several groups counts in each; `-` for users in no group). */
export async function countWithoutSecondFactor(
  users: Pick<UserStore, 'list'>,
  holds: (name: string) => boolean,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const user of await usersWithoutSecondFactor(users, holds)) {
    for (const group of user.groups.length === 0 ? ['-'] : user.groups) {
      counts.set(group, (counts.get(group) ?? 0) + 1);
    }
  }
  return counts;
}
