// Owns FortiAuthenticator's REST routes on the admin listener: `POST /api/v1/auth/` and `/api/v1/pushauth/` (PROTOCOL §4).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ApplicationOutcome } from '../../auth/application-pushes.js';
import { Reason } from '../../domain/reason.js';
import { acceptForm } from '../body-parsers.js';
import type { ApiDeps } from './api-deps.js';
import { decisionStatus } from './decision-status.js';
import { bodyOrProblem, problemResponses, sendProblem } from './problem.js';

/** RFC 2865 §5.1 bounds a name to 253 octets; FortiAuthenticator documents 50 characters for `username`. */
const Name = Type.String({ minLength: 1, maxLength: 253, pattern: '^[^\\u0000-\\u001f]+$' });
const Text = (max: number, description: string) =>
  Type.Optional(Type.String({ maxLength: max, description }));

const AuthBody = Type.Object(
  {
    username: Name,
    password: Text(128, 'The first factor. With `token_code` empty, the code is at its end.'),
    token_code: Text(16, "The code of one of the user's tokens (TOTP, HOTP or a backup code)."),
  },
  { additionalProperties: false },
);

const PushBody = Type.Object(
  {
    username: Name,
    realm: Text(64, 'Needed when the name exists in several realms: checked as `username@realm`.'),
    user_ip: Text(64, 'Where the sign-in comes from; shown on the phone.'),
    timestamp: Text(64, 'When the caller saw the sign-in (logged only).'),
    account: Text(253, "The user's account in the calling system (logged only)."),
    user_agent: Text(
      64,
      "What asks: shown on the phone as where the sign-in is for. Default: the key's name.",
    ),
    log_message: Text(256, 'Written to the log line of the push.'),
  },
  { additionalProperties: false },
);

const AuthResult = Type.Object(
  { result: Type.Literal('success'), username: Type.String({ description: 'The name as Assent holds it.' }) },
  { additionalProperties: false },
);
const PushResult = Type.Object(
  {
    session_id: Type.String({
      description: "The login's transaction id: the `txn` of every log line about it.",
    }),
    result: Type.Union([Type.Literal('approved'), Type.Literal('denied'), Type.Literal('timeout')]),
    reason: Type.String({
      description: 'A reason code of docs/errors.md (`PUSH_DENIED`, `PUSH_TIMEOUT`, …).',
    }),
  },
  { additionalProperties: false },
);

/** Printable ASCII only, bounded: caller-supplied fields go into log lines and onto the phone. */
export const printable = (value: string | undefined, max: number) =>
  (value ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, max);

export function registerV1Routes(app: FastifyInstance, deps: ApiDeps): void {
  // biome-ignore lint/nursery/noMisusedPromises: fastify awaits an async plugin (its documented form)
  app.register(async (scope) => {
    acceptForm(scope);

    scope.post<{ Body: { username: string; password?: string; token_code?: string } }>(
      '/api/v1/auth/',
      {
        preHandler: deps.requireScope('auth'),
        schema: {
          summary: 'Check a password and/or a code',
          description:
            'PROTOCOL §4.3. Both given: the password, then the code. `token_code` empty: the code is at the end ' +
            'of `password`. Only a password: the password alone. Only a code: the code alone. Lockouts and the ' +
            'replay guard apply as for RADIUS. Local users only unless `api.directoryPasswords` is on.',
          tags: ['v1'],
          body: AuthBody,
          response: { 200: AuthResult, ...problemResponses(400, 401, 413, 415, 429, 500) },
        },
      },
      async (request, reply) => {
        const txn = deps.newTransactionId();
        const { username, password, token_code: tokenCode } = request.body;
        const decision = await deps.checkCredentials({
          username,
          password,
          tokenCode,
          transactionId: txn,
          caller: request.apiKeyName!,
        });
        deps.logDecision(decision, txn, request.apiKeyName!, '/api/v1/auth/');
        if (decision.kind === 'accept') return reply.send({ result: 'success', username: decision.user });
        return sendProblem(reply, decisionStatus(decision));
      },
    );

    scope.post<{ Body: Record<string, string | undefined> & { username: string } }>(
      '/api/v1/pushauth/',
      {
        preHandler: deps.requireScope('push'),
        schema: {
          summary: 'Send a push and wait for the answer',
          description:
            "PROTOCOL §4.1, FortiAuthenticator's `pushauth`. Holds the request until the user answers or the " +
            'push times out (`push.timeoutSeconds`): 200 approved; 401 denied or timed out; 404 no such user or ' +
            'no authenticator; 500 the push service refused; 503 it could not be reached. Callers need an HTTP ' +
            'timeout longer than the push window; `POST /api/v2/transactions` does not wait.',
          tags: ['v1'],
          body: PushBody,
          response: {
            200: PushResult,
            ...bodyOrProblem(401, PushResult),
            ...problemResponses(400, 404, 413, 415, 429, 500, 503),
          },
        },
      },
      async (request, reply) => {
        const pushes = deps.pushes;
        if (pushes === undefined) return sendProblem(reply, 'not_found', 'push is off (push.enabled)');
        const body = request.body;
        const txn = deps.newTransactionId();
        const typed =
          body.realm === undefined || body.realm === '' ? body.username : `${body.username}@${body.realm}`;
        const clientName = printable(body.user_agent, 64) || request.apiKeyName!;
        const userIp = printable(body.user_ip, 64);
        deps.logger.info(
          {
            event: 'api.pushauth',
            txn,
            client: request.apiKeyName,
            user: typed,
            account: printable(body.account, 253) || undefined,
            message: printable(body.log_message, 256) || undefined,
          },
          'push asked for over the REST API',
        );
        const started = await pushes.start({
          username: typed,
          clientName,
          userIp,
          transactionId: txn,
          withNumber: false,
          caller: request.apiKeyName!,
        });
        if (!started.ok) {
          deps.logDecision(
            { kind: 'reject', reason: started.reason, user: started.user ?? typed, transactionId: txn },
            txn,
            request.apiKeyName!,
            '/api/v1/pushauth/',
            userIp,
          );
          if (started.reason === Reason.PushUnavailable)
            return sendProblem(reply, 'not_found', 'no such user, or no authenticator');
          return reply.code(401).send({ session_id: txn, result: 'denied', reason: started.reason });
        }
        const outcome = await new Promise<ApplicationOutcome>((resolve) => {
          pushes.listen(txn, resolve);
          // The response's close, not the request's: the request's fires once its body is read.
          reply.raw.once('close', () => pushes.unlisten(txn, resolve));
        });
        if (outcome.kind === 'undeliverable') {
          return sendProblem(reply, outcome.refused ? 'delivery_refused' : 'delivery_unreachable');
        }
        const decision = outcome.decision;
        if (decision.kind === 'accept')
          return reply.send({ session_id: txn, result: 'approved', reason: 'APPROVED' });
        const reason = decision.kind === 'reject' ? decision.reason : Reason.PushDenied;
        const result = reason === Reason.PushTimeout ? 'timeout' : 'denied';
        return reply.code(401).send({ session_id: txn, result, reason });
      },
    );
  });
}
