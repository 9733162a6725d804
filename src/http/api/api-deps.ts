// Owns what the REST API's routes need from the rest of the server, as one narrow set of ports.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ApplicationPushes } from '../../auth/application-pushes.js';
import type { CheckCredentials } from '../../auth/check-credentials.js';
import type { SignInHistory } from '../../auth/sign-in-history.js';
import type { ApiTransactionStore } from '../../domain/api-transaction.js';
import type { Decision } from '../../domain/decision.js';
import type { Need } from './api-auth.js';
import type { ClientAdmin } from './v2-clients.js';
import type { GraceAdmin } from './v2-grace.js';
import type { PolicyView } from './v2-policy.js';
import type { TokenAdmin } from './v2-tokens.js';
import type { UserAdmin } from './v2-users.js';

export type ScopeGuard = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface ApiDeps {
  /** A preHandler admitting keys with `need` (api-auth.ts). */
  requireScope(need: Need | readonly Need[] | ((request: FastifyRequest) => Need)): ScopeGuard;
  readonly checkCredentials: CheckCredentials;
  /** Undefined when push is off (`push.enabled: false`): push routes answer 404. */
  readonly pushes: ApplicationPushes | undefined;
  /** Pushes and code checks started over `/api/v2/transactions`, readable by the key that started them. */
  readonly transactions: ApiTransactionStore;
  /** RADIUS clients (docs/api.md "Clients"): a change applies to the running server at once. */
  readonly clients: ClientAdmin;
  readonly users: UserAdmin;
  /** Users' own grace periods (issue 18). */
  readonly grace: GraceAdmin;
  readonly tokens: TokenAdmin;
  /** The policy in force (`GET /api/v2/policy`). */
  policy(): PolicyView;
  /** A fresh 128-bit transaction id, the `txn` of every log line about the call. */
  newTransactionId(): string;
  /**
   * Writes the one `auth.decision`-style line of an API login (`caller` is the API key's name) and records it in
   * the user's sign-in history when it is a final outcome to keep; `userIp`: the caller's `user_ip`, if any.
   */
  logDecision(decision: Decision, txn: string, caller: string, route: string, userIp?: string): void;
  /** Users' sign-in histories (`/api/v2/users/{name}/sign-ins`, issue 18). */
  readonly signIns: SignInHistory;
  readonly logger: Logger;
}
