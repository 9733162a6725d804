// Checks the shared LISTEN connection on a real server: notifications arrive, a killed backend is reported once and
// replaced, and close() leaves no connection behind, however the connect and close interleave.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type pg from 'pg';
import {
  PgListeningConnection,
  type PgListeningConnectionOptions,
} from '../../../src/store/postgres/pg-listening-connection.js';
import { connect } from '../../support/postgres.js';
import { freshDatabase } from './pg-fixture.js';

const CHANNEL = 'assent_test_channel';
const connections: PgListeningConnection[] = [];
after(() => {
  for (const connection of connections) connection.close();
});

// One database for the file: each test tells its connections apart by application_name.
let database: Promise<{ url: string; pool: pg.Pool }> | undefined;
const db = () => {
  database ??= freshDatabase();
  return database;
};

interface Watched {
  readonly connection: PgListeningConnection;
  readonly payloads: (string | undefined)[];
  readonly errors: unknown[];
  connects: number;
  reconnected: number;
}

async function watch(name: string, options: Partial<PgListeningConnectionOptions> = {}): Promise<Watched> {
  const { url } = await db();
  const watched: Omit<Watched, 'connection'> = {
    payloads: [],
    errors: [],
    connects: 0,
    reconnected: 0,
  };
  const connection = new PgListeningConnection({
    connect: () => {
      watched.connects += 1;
      return connect(`${url}?application_name=${name}`);
    },
    channel: CHANNEL,
    retryMs: 50,
    onNotification: (payload) => watched.payloads.push(payload),
    onReconnected: () => {
      watched.reconnected += 1;
    },
    onError: (error) => watched.errors.push(error),
    lostMessage: 'test connection ended',
    ...options,
  });
  connections.push(connection);
  return Object.assign(watched, { connection });
}

async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function backends(name: string): Promise<number> {
  const { pool } = await db();
  const result = await pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
    [name],
  );
  return result.rows[0]!.n;
}

async function notify(channel: string, payload: string): Promise<void> {
  await (await db()).pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

async function kill(client: pg.Client): Promise<void> {
  const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await (await db()).pool.query('SELECT pg_terminate_backend($1)', [pid]);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PgListeningConnection', () => {
  test('a notification on its channel arrives with its payload; one on another channel does not', async () => {
    const watched = await watch('listen-notify');
    const client = await watched.connection.start();
    assert.ok(client !== undefined);
    // The session hears the other channel too: only the connection's own filter keeps it out.
    await client.query('LISTEN assent_test_other');
    await notify('assent_test_other', 'elsewhere');
    await notify(CHANNEL, 'hello');
    await until('the notification', () => watched.payloads.length > 0);
    assert.deepEqual(watched.payloads, ['hello']);
    assert.deepEqual(watched.errors, []);
  });

  test('a killed backend is reported once, replaced, and notifications arrive again', async () => {
    const watched = await watch('listen-kill');
    const first = await watched.connection.start();
    assert.ok(first !== undefined);
    await kill(first);
    await until('the reconnect', () => watched.reconnected === 1);
    // pg emits both 'error' and 'end' for one loss.
    assert.equal(watched.errors.length, 1);
    assert.notEqual(watched.connection.client, undefined);
    assert.notEqual(watched.connection.client, first);
    assert.equal(await backends('listen-kill'), 1);
    await notify(CHANNEL, 'again');
    await until('the notification after the reconnect', () => watched.payloads.includes('again'));
    await pause(200);
    assert.equal(watched.errors.length, 1);
    assert.equal(watched.reconnected, 1);
    assert.equal(watched.connects, 2);
  });

  test('close() while a reconnect is pending: no reconnect, no connection left', async () => {
    const watched = await watch('listen-close-pending', { retryMs: 300 });
    const client = await watched.connection.start();
    assert.ok(client !== undefined);
    await kill(client);
    await until('the loss', () => watched.errors.length === 1);
    watched.connection.close();
    await pause(800);
    assert.equal(watched.connects, 1);
    assert.equal(watched.reconnected, 0);
    assert.equal(watched.connection.client, undefined);
    await until('no backend', async () => (await backends('listen-close-pending')) === 0);
  });

  test('a client that connects after close() is ended, and start resolves undefined', async () => {
    const { url } = await db();
    let connection: PgListeningConnection | undefined;
    const watched = await watch('listen-close-early', {
      connect: async () => {
        const client = await connect(`${url}?application_name=listen-close-early`);
        connection?.close();
        return client;
      },
    });
    connection = watched.connection;
    assert.equal(await connection.start(), undefined);
    assert.equal(connection.client, undefined);
    await until('no backend', async () => (await backends('listen-close-early')) === 0);
  });

  test('a failed LISTEN ends the client and rejects start, without a retry', async () => {
    const watched = await watch('listen-bad-channel', { channel: 'no such channel' });
    await assert.rejects(watched.connection.start(), /syntax error/);
    await until('no backend', async () => (await backends('listen-bad-channel')) === 0);
    await pause(300);
    assert.equal(watched.connects, 1);
    assert.deepEqual(watched.errors, []);
  });
});
