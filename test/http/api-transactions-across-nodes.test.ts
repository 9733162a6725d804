// Checks `/api/v2/transactions` and Idempotency-Key through the routes (fastify inject) on stores every node
// shares: concurrent duplicates of one key start one push (draft-ietf-httpapi-idempotency-key-header §2.6: the
// second is 409), a 5xx releases the key, and on PostgreSQL a transaction started on node A is read, streamed to
// its end and retried on node B. The pushes are a fake: what is checked here is the records, not the push engine.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import type { ApplicationOutcome, ApplicationPushInput } from '../../src/auth/application-pushes.js';
import { type ApiTransactionStore, ORPHAN_GRACE_MS } from '../../src/domain/api-transaction.js';
import type { ApiDeps } from '../../src/http/api/api-deps.js';
import { registerApi } from '../../src/http/api/api-routes.js';
import { MemoryApiTransactionStore } from '../../src/store/memory/memory-api-transaction-store.js';
import { PgApiTransactionStore } from '../../src/store/postgres/pg-api-transaction-store.js';
import { pendingPush } from '../store/api-transaction-store.conformance.js';
import { freshDatabase } from '../store/postgres/pg-fixture.js';

const apps: FastifyInstance[] = [];
const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const app of apps) await app.close();
  for (const close of closers) await close();
});

/** A push engine that counts its starts, takes `delayMs` to start one, and is answered by the test. */
function fakePushes(delayMs = 50) {
  let ids = 0;
  const listeners = new Map<string, (outcome: ApplicationOutcome) => void>();
  const fake = {
    starts: [] as ApplicationPushInput[],
    failNext: false,
    async start(input: ApplicationPushInput) {
      fake.starts.push(input);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (fake.failNext) {
        fake.failNext = false;
        throw new Error('the push services are down');
      }
      const now = Date.now();
      return {
        ok: true as const,
        transaction: {
          id: input.transactionId,
          sessionId: `s${ids++}`,
          userName: input.username,
          clientName: input.clientName,
          userIp: input.userIp,
          number: '',
          createdAt: now,
          deadline: now + 60_000,
          status: 'push-sent' as const,
        },
      };
    },
    listen(id: string, listener: (outcome: ApplicationOutcome) => void) {
      listeners.set(id, listener);
      return true;
    },
    /** The phone's answer, as the push engine reports it on the starting node. */
    answer(id: string, kind: 'accept' | 'reject') {
      const decision =
        kind === 'accept'
          ? { kind, user: 'alice', groups: [], transactionId: id }
          : { kind, reason: 'PUSH_DENIED', user: 'alice', transactionId: id };
      listeners.get(id)!({ kind: 'decided', decision } as unknown as ApplicationOutcome);
    },
  };
  return fake;
}

let nextId = 0;
async function apiNode(transactions: ApiTransactionStore, pushes = fakePushes()): Promise<FastifyInstance> {
  const deps = {
    // Every request is the key `portal` (scope push); the key checks are api-auth's tests'.
    requireScope: () => async (request: FastifyRequest) => {
      request.apiKeyName = 'portal';
      request.apiKeyReadsAll = false;
    },
    checkCredentials: () => {
      throw new Error('no code checks here');
    },
    pushes,
    transactions,
    newTransactionId: () => (nextId++).toString(16).padStart(32, '0'),
    logDecision: () => {},
    logger: pino({ enabled: false }),
  } as unknown as ApiDeps;
  const app = Fastify({ logger: false });
  await registerApi(app, { deps, rateLimit: { perSecond: 1000, burst: 1000 }, version: 'test' });
  await app.ready();
  apps.push(app);
  return app;
}

const post = (app: FastifyInstance, key?: string, username = 'alice') =>
  app.inject({
    method: 'POST',
    url: '/api/v2/transactions',
    headers: key === undefined ? {} : { 'idempotency-key': key },
    payload: { type: 'push', username },
  });

const dataLines = (body: string) =>
  body
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as { status: string; reason: string | null });

test('two POSTs with one Idempotency-Key at once: one push, one 202 and one 409 idempotency_key_in_use', async () => {
  const pushes = fakePushes();
  const app = await apiNode(new MemoryApiTransactionStore(), pushes);
  const answers = await Promise.all([post(app, 'k-1'), post(app, 'k-1')]);
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [202, 409]);
  const conflict = answers.find((a) => a.statusCode === 409)!;
  assert.equal(conflict.json().code, 'idempotency_key_in_use');
  assert.match(conflict.headers['content-type'] as string, /^application\/problem\+json/);
  assert.equal(pushes.starts.length, 1, 'one push');
  assert.equal(pushes.starts[0]!.showsNumber, true, 'a v2 caller shows a number the site requires (A7.7)');
  const replay = await post(app, 'k-1');
  assert.equal(replay.statusCode, 202);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.equal(replay.json().id, answers.find((a) => a.statusCode === 202)!.json().id);
  assert.equal(pushes.starts.length, 1, 'a replay starts nothing');
  assert.equal((await post(app, 'k-1', 'bob')).json().code, 'idempotency_key_reused');
});

test('a first answer of 500 releases the key: the retry does the work', async () => {
  const pushes = fakePushes();
  const app = await apiNode(new MemoryApiTransactionStore(), pushes);
  pushes.failNext = true;
  assert.equal((await post(app, 'k-2')).statusCode, 500);
  const retry = await post(app, 'k-2');
  assert.equal(retry.statusCode, 202, retry.body);
  assert.equal(retry.headers['idempotent-replayed'], undefined);
  assert.equal(pushes.starts.length, 2);
});

test('a push still pending past its deadline and the grace reads as expired (its node died)', async () => {
  const store = new MemoryApiTransactionStore();
  const app = await apiNode(store);
  const id = 'd'.repeat(32);
  store.add(
    pendingPush(id, { createdAt: Date.now() - 120_000, expiresAt: Date.now() - ORPHAN_GRACE_MS - 1 }),
  );
  const read = await app.inject({ method: 'GET', url: `/api/v2/transactions/${id}` });
  assert.equal(read.json().status, 'expired');
  assert.equal(read.json().reason, 'PUSH_TIMEOUT');
  const stream = await app.inject({ method: 'GET', url: `/api/v2/transactions/${id}/events` });
  assert.deepEqual(
    dataLines(stream.body).map((d) => d.status),
    ['expired'],
  );
});

/** Node A and node B: each its own pool and notice connection on one PostgreSQL database, as two servers. */
async function twoNodes() {
  const { url } = await freshDatabase();
  const store = (name: string) => {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {});
    const made = new PgApiTransactionStore(pool, {
      connect: async () => {
        const client = new pg.Client({ connectionString: url, application_name: name });
        await client.connect();
        return client;
      },
      retryMs: 100,
      onError: () => {},
    });
    closers.push(async () => {
      made.close();
      await pool.end();
    });
    return made;
  };
  const pushesA = fakePushes();
  const pushesB = fakePushes();
  return {
    a: await apiNode(store('assent-node-a'), pushesA),
    b: await apiNode(store('assent-node-b'), pushesB),
    pushesA,
    pushesB,
  };
}

test('PostgreSQL: started on node A, node B reads it, streams it to its end, and replays its key', async () => {
  const { a, b, pushesA, pushesB } = await twoNodes();
  const started = await post(a, 'k-3');
  assert.equal(started.statusCode, 202, started.body);
  const id = started.json().id as string;
  const read = await b.inject({ method: 'GET', url: `/api/v2/transactions/${id}` });
  assert.equal(read.statusCode, 200, read.body);
  assert.equal(read.json().status, 'pending');
  const retried = await post(b, 'k-3');
  assert.equal(retried.statusCode, 202);
  assert.equal(retried.headers['idempotent-replayed'], 'true');
  assert.equal(retried.json().id, id);
  assert.equal(pushesA.starts.length + pushesB.starts.length, 1, 'one push on the two nodes');
  const stream = b.inject({ method: 'GET', url: `/api/v2/transactions/${id}/events` });
  // The stream is held on B (and its LISTEN in place) before the phone answers A.
  await new Promise((resolve) => setTimeout(resolve, 500));
  pushesA.answer(id, 'accept');
  const ended = await Promise.race([
    stream,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the stream on B never ended')), 10_000),
    ),
  ]);
  assert.deepEqual(
    dataLines(ended.body).map((d) => d.status),
    ['pending', 'approved'],
  );
  const polled = await b.inject({ method: 'GET', url: `/api/v2/transactions/${id}` });
  assert.equal(polled.json().status, 'approved');
});

test('PostgreSQL: one Idempotency-Key on node A and node B at once: one push, one 202 and one 409', async () => {
  const { a, b, pushesA, pushesB } = await twoNodes();
  const answers = await Promise.all([post(a, 'k-4'), post(b, 'k-4')]);
  assert.deepEqual(answers.map((r) => r.statusCode).sort(), [202, 409]);
  assert.equal(pushesA.starts.length + pushesB.starts.length, 1);
});
