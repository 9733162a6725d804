// Owns `GET /api/v2/policy`: the second-factor and push policy the running server applies, read-only.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ApiDeps } from './api-deps.js';
import { problemResponses } from './problem.js';

const Mode = Type.Union(['challenge', 'concat', 'otp-only', 'auto'].map((m) => Type.Literal(m)));
const Override = Type.Object(
  { mode: Type.Optional(Mode), exempt: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const PolicySchema = Type.Object(
  {
    mode: Mode,
    require_for_all: Type.Boolean(),
    exempt_users: Type.Array(Type.String()),
    exempt_groups: Type.Array(Type.String()),
    clients: Type.Record(Type.String(), Override, { description: 'Per RADIUS client: mode or exemption.' }),
    groups: Type.Record(Type.String(), Override, { description: 'Per group: mode or exemption.' }),
    lockout_failures: Type.Integer(),
    lockout_seconds: Type.Integer(),
    push: Type.Object(
      {
        enabled: Type.Boolean(),
        timeout_seconds: Type.Integer(),
        number_matching: Type.Boolean(),
        max_per_user: Type.Integer(),
        mute_minutes: Type.Integer(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type PolicyView = {
  mode: string;
  require_for_all: boolean;
  exempt_users: string[];
  exempt_groups: string[];
  clients: Record<string, { mode?: string; exempt?: boolean }>;
  groups: Record<string, { mode?: string; exempt?: boolean }>;
  lockout_failures: number;
  lockout_seconds: number;
  push: {
    enabled: boolean;
    timeout_seconds: number;
    number_matching: boolean;
    max_per_user: number;
    mute_minutes: number;
  };
};

export function registerPolicyRoute(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/api/v2/policy',
    {
      preHandler: deps.requireScope('read'),
      schema: {
        summary: 'The second-factor and push policy in force',
        description:
          'Policy lives in the configuration file (`secondFactor`, `push`; docs/configuration.md), so it is ' +
          'reviewed and versioned with the rest of it; this shows what the running server applies.',
        tags: ['policy'],
        response: { 200: PolicySchema, ...problemResponses(401, 429) },
      },
    },
    async () => deps.policy(),
  );
}
