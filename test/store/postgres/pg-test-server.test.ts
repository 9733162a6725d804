// Checks the PostgreSQL test server (test/support/postgres.ts): loopback only, its own dir, stopped by PID.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  connect,
  createDatabase,
  type Postgres,
  postgresBinDir,
  startPostgres,
} from '../../support/postgres.js';

const started: Postgres[] = [];
after(async () => {
  for (const server of started) await server.stop();
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('finds initdb and postgres of the installed PostgreSQL', () => {
  const bin = postgresBinDir();
  assert.ok(existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'postgres')), bin);
});

test('serves on 127.0.0.1 only, from its temp dir, as the postgres user when we are root', {
  timeout: 60_000,
}, async () => {
  const server = await startPostgres();
  started.push(server);
  assert.match(server.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
  const client = await connect(server.url);
  try {
    const { rows } = await client.query<{ listen: string; sockets: string; data: string }>(
      "SELECT current_setting('listen_addresses') AS listen, " +
        "current_setting('unix_socket_directories') AS sockets, current_setting('data_directory') AS data",
    );
    assert.deepEqual(rows[0], { listen: '127.0.0.1', sockets: server.dir, data: join(server.dir, 'data') });
  } finally {
    await client.end();
  }
  const pid = Number(readFileSync(join(server.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  assert.equal(server.pid, pid, 'the PID stop() signals is the postmaster named in postmaster.pid');
  if (process.getuid?.() === 0) {
    const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    assert.equal(statSync(`/proc/${pid}`).uid, postgresUid, 'PostgreSQL refuses root: it runs as postgres');
  }
  const url = await createDatabase(server.url, 'second');
  assert.equal(new URL(url).pathname, '/second');
  await assert.rejects(createDatabase(server.url, 'Bad-Name'), /not a plain database name/);

  await server.stop();
  assert.equal(alive(pid), false, 'the postmaster is gone');
  assert.equal(existsSync(server.dir), false, 'the temp dir is gone');
  await server.stop(); // a second stop is harmless
  await assert.rejects(connect(server.url));
});
