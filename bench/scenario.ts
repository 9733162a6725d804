// Owns the names of the benchmark scenarios and what distinguishes them.

/** `pap`: password only; the two others add a TOTP code (each user with its own key). */
export const SCENARIOS = ['pap', 'pap-totp-suffix', 'challenge-totp'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** True for a scenario name. */
export function isScenario(value: string): value is Scenario {
  return (SCENARIOS as readonly string[]).includes(value);
}

/** True when the scenario's users hold a TOTP token. */
export function usesTotp(scenario: Scenario): boolean {
  return scenario !== 'pap';
}

/** One line for the report. */
export function describeScenario(scenario: Scenario): string {
  switch (scenario) {
    case 'pap':
      return 'PAP + Message-Authenticator, salted SHA-256 (SSHA2-256-Password / {SSHA256})';
    case 'pap-totp-suffix':
      return (
        'pap-totp-suffix: one Access-Request, User-Password = password ‖ current 6-digit TOTP code ' +
        '(SHA-1, 30 s, own key per user), salted SHA-256 password'
      );
    case 'challenge-totp':
      return (
        'challenge-totp: Access-Request (password) → Access-Challenge with State → Access-Request (State, ' +
        'TOTP code) → Access-Accept; rate in completed flows/s (2 round trips each)'
      );
  }
}
