// Owns who may call the REST API: an API key per request, its scope per route, and one answer for every failure.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiScope } from '../../domain/api-key.js';
import type { Awaitable } from '../../domain/awaitable.js';
import { sendProblem } from './problem.js';

/** Why a key was refused; only the log sees it (SECURITY A8.6: the caller gets the same 401 for all). */
export type KeyRefusal = 'missing' | 'malformed' | 'unknown' | 'wrong' | 'expired' | 'scope';

export type KeyCheck =
  | { readonly ok: true; readonly key: { readonly name: string; readonly scopes: readonly ApiScope[] } }
  | { readonly ok: false; readonly why: KeyRefusal };

/** Checks the Authorization header for a scope; `read` is what the read-only scope (and admin) may do. */
export type AuthorizeKey = (
  authorization: string | undefined,
  need: ApiScope | 'read',
) => Awaitable<KeyCheck>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key's name once the request is authorized: the `client` of log lines and audit records. */
    apiKeyName?: string;
    /** The key may read every caller's records (admin or read-only), not only its own. */
    apiKeyReadsAll?: boolean;
  }
}

/**
 * RFC 9110 §11.6.1: a 401 names the schemes it accepts. FortiAuthenticator's clients send Basic `admin:<key>`;
 * others may send `Bearer <key>` (RFC 6750).
 */
const CHALLENGE = 'Basic realm="assent", charset="UTF-8", Bearer realm="assent"';

/**
 * A preHandler that lets the request through with a key holding `need`, and answers everything else (no key, an
 * unknown, wrong or expired key, a key without the scope) with the same 401 body, so a caller cannot tell a key
 * that exists from one that does not. `refused` tells the log why.
 */
export type Need = ApiScope | 'read';

export function requireScope(
  authorize: AuthorizeKey,
  need: Need | readonly Need[] | ((request: FastifyRequest) => Need),
  refused: (why: KeyRefusal, request: FastifyRequest) => void,
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const needs = typeof need === 'function' ? [need(request)] : typeof need === 'string' ? [need] : need;
    let why: KeyRefusal = 'missing';
    for (const one of needs) {
      const check = await authorize(request.headers.authorization, one);
      if (check.ok) {
        request.apiKeyName = check.key.name;
        const scopes = check.key.scopes;
        request.apiKeyReadsAll = scopes.includes('admin') || scopes.includes('read-only');
        return;
      }
      why = check.why;
      // Only a missing scope is worth asking about again; any other refusal holds for every scope.
      if (why !== 'scope') break;
    }
    refused(why, request);
    reply.header('www-authenticate', CHALLENGE);
    return sendProblem(reply, 'unauthorized');
  };
}
