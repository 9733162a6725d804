// Owns the second-factor policy: which mode a login uses, who is exempt, and what the challenge says (PROTOCOL P1, P6).
import type { Identity } from '../domain/first-factor.js';

export type SecondFactorMode = 'challenge' | 'concat' | 'otp-only' | 'auto';

interface Override {
  readonly mode?: SecondFactorMode;
  readonly exempt?: boolean;
  /** `YYYY-MM-DD` (UTC) or empty. */
  readonly graceUntil?: string;
  readonly graceLogins?: number;
  readonly enrollAtLogin?: boolean;
}

/** The `secondFactor` configuration section, structurally (auth does not import config). */
export interface SecondFactorSettings {
  readonly mode: SecondFactorMode;
  readonly requireForAll: boolean;
  /** `YYYY-MM-DD` (UTC) or empty: see `graceUntilFor`. */
  readonly graceUntil: string;
  /** Sign-ins allowed without a second factor; 0: none (see `graceLoginsFor`). */
  readonly graceLogins: number;
  /** Reply-Message of a grace Accept; `{date}` is the grace period's end, `{left}` the sign-ins left. */
  readonly graceReminder: string;
  /** Reply-Message of a grace Accept counted by sign-ins alone. */
  readonly graceLoginsReminder: string;
  readonly enrollAtLogin: boolean;
  readonly enrollmentCodeMinutes: number;
  readonly enrollmentText: string;
  readonly enrollmentPendingText: string;
  /** Issue 18: the challenge after an empty or wrong answer once a TOTP key was chosen on the link's page. */
  readonly enrollmentTotpText: string;
  readonly pushChallengeText: string;
  readonly codeChallengeText: string;
  readonly challengeSeconds: number;
  readonly maxCodeAttempts: number;
  readonly exemptUsers: readonly string[];
  readonly exemptGroups: readonly string[];
  readonly clients: Readonly<Record<string, Override>>;
  readonly groups: Readonly<Record<string, Override>>;
}

export interface SecondFactorPolicy {
  readonly settings: SecondFactorSettings;
  /** True when group overrides exist, so callers look groups up before the first factor only when needed. */
  readonly modeDependsOnGroups: boolean;
  /** A client's mode wins over a group's; among groups the first listed in `secondFactor.groups` wins. */
  modeFor(clientName: string, groups: readonly string[]): SecondFactorMode;
  /** Users, groups or clients let in on the first factor alone. */
  isExempt(clientName: string, identity: Identity): boolean;
  /**
   * Epoch ms at which the grace period of a user in `groups` ends (issue 18): the latest of `graceUntil` and the
   * user's groups' own; 0 when none applies. Until then a user without a second factor is let in on the first
   * factor even under `requireForAll`.
   */
  graceUntilFor(groups: readonly string[]): number;
  /** Grace sign-ins a user in `groups` may make: the largest of `graceLogins` and their groups'; 0 when none. */
  graceLoginsFor(groups: readonly string[]): number;
  /** The Reply-Message of a grace Accept ending at `until` (epoch ms, 0: no date) with `left` sign-ins left. */
  graceReminder(until: number, left: number | undefined): string;
  /**
   * Issue 18: enrollment at login for a user in `groups` at `clientName`: a group set to false forbids it, then a
   * client's or a group's true allows it, else `enrollAtLogin`.
   */
  enrollAtLoginFor(clientName: string, groups: readonly string[]): boolean;
  /** P1: the `+` text only when the user can receive a push. */
  challengeText(pushOffered: boolean): string;
}

/** Builds the policy; lookups are sets and maps so a login pays no list scans. */
export function createSecondFactorPolicy(settings: SecondFactorSettings): SecondFactorPolicy {
  const exemptUsers = new Set(settings.exemptUsers);
  const exemptGroups = new Set(settings.exemptGroups);
  for (const [group, override] of Object.entries(settings.groups))
    if (override.exempt) exemptGroups.add(group);
  const globalGrace = graceDate(settings.graceUntil);
  const graceLoginGroups = Object.entries(settings.groups)
    .filter(([, o]) => (o.graceLogins ?? 0) > 0)
    .map(([group, o]) => [group, o.graceLogins!] as const);
  const enrollGroups = Object.entries(settings.groups)
    .filter(([, o]) => o.enrollAtLogin !== undefined)
    .map(([group, o]) => [group, o.enrollAtLogin!] as const);
  const groupGrace = Object.entries(settings.groups)
    .map(([group, override]) => [group, graceDate(override.graceUntil ?? '')] as const)
    .filter(([, until]) => until > 0);
  const groupModes = Object.entries(settings.groups).filter(
    (entry): entry is [string, Override & { mode: SecondFactorMode }] => entry[1].mode !== undefined,
  );
  return {
    settings,
    modeDependsOnGroups: groupModes.length > 0,
    modeFor(clientName, groups) {
      const client = settings.clients[clientName]?.mode;
      if (client !== undefined) return client;
      for (const [group, override] of groupModes) if (groups.includes(group)) return override.mode;
      return settings.mode;
    },
    isExempt(clientName, identity) {
      if (settings.clients[clientName]?.exempt === true) return true;
      if (exemptUsers.has(identity.name)) return true;
      for (const group of identity.groups) if (exemptGroups.has(group)) return true;
      return false;
    },
    graceUntilFor(groups) {
      let until = globalGrace;
      for (const [group, date] of groupGrace) if (date > until && groups.includes(group)) until = date;
      return until;
    },
    enrollAtLoginFor(clientName, groups) {
      let allowed = settings.clients[clientName]?.enrollAtLogin ?? settings.enrollAtLogin;
      // Every PAP login without a token asks this: no allocation, and no loop without group settings.
      for (let i = 0; i < enrollGroups.length; i++) {
        const [group, enroll] = enrollGroups[i]!;
        if (!groups.includes(group)) continue;
        if (!enroll) return false;
        allowed = true;
      }
      return allowed;
    },
    graceLoginsFor(groups) {
      let most = settings.graceLogins;
      for (const [group, count] of graceLoginGroups) if (count > most && groups.includes(group)) most = count;
      return most;
    },
    graceReminder(until, left) {
      const leftText = left === undefined ? '' : String(left);
      if (until === 0) return settings.graceLoginsReminder.replaceAll('{left}', leftText);
      return settings.graceReminder
        .replaceAll('{date}', new Date(until).toISOString().slice(0, 10))
        .replaceAll('{left}', leftText);
    },
    challengeText(pushOffered) {
      return pushOffered ? settings.pushChallengeText : settings.codeChallengeText;
    },
  };
}

/**
 * `YYYY-MM-DD` as the epoch ms of its first instant (UTC); 0 for empty. A date the calendar does not have
 * (2027-02-30) is refused when the configuration is checked (`graceDateProblem`), so here it cannot occur.
 */
export function graceDate(text: string): number {
  if (text === '') return 0;
  const at = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(at) ? 0 : at;
}

/** Why a grace date is not a real calendar date, or undefined when it is (or is empty). */
export function graceDateProblem(text: string): string | undefined {
  if (text === '') return undefined;
  const at = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) === text
    ? undefined
    : `${JSON.stringify(text)} is not a calendar date (YYYY-MM-DD)`;
}
