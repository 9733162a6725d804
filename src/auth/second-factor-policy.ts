// Owns the second-factor policy: which mode a login uses, who is exempt, and what the challenge says (PROTOCOL P1, P6).
import type { Identity } from '../domain/first-factor.js';

export type SecondFactorMode = 'challenge' | 'concat' | 'otp-only' | 'auto';

interface Override {
  readonly mode?: SecondFactorMode;
  readonly exempt?: boolean;
}

/** The `secondFactor` configuration section, structurally (auth does not import config). */
export interface SecondFactorSettings {
  readonly mode: SecondFactorMode;
  readonly requireForAll: boolean;
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
  /** P1: the `+` text only when the user can receive a push. */
  challengeText(pushOffered: boolean): string;
}

/** Builds the policy; lookups are sets and maps so a login pays no list scans. */
export function createSecondFactorPolicy(settings: SecondFactorSettings): SecondFactorPolicy {
  const exemptUsers = new Set(settings.exemptUsers);
  const exemptGroups = new Set(settings.exemptGroups);
  for (const [group, override] of Object.entries(settings.groups))
    if (override.exempt) exemptGroups.add(group);
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
    challengeText(pushOffered) {
      return pushOffered ? settings.pushChallengeText : settings.codeChallengeText;
    },
  };
}
