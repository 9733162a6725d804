// Tests the crypt worker pool: correct answers, event loop kept free, clean close, unref when idle, failures.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import bcrypt from 'bcryptjs';
import { CryptScheme } from '../../../src/directory/password/crypt-hash.js';
import { createWorkerPool, WorkerPoolErrorCode } from '../../../src/directory/password/worker-pool.js';
import { readHashVectors } from './vectors.js';

const cryptVectors = readHashVectors('legacy-hashes.txt').filter((vector) => vector.hash.startsWith('$'));
const schemeOf = (hash: string) => (hash.startsWith('$2') ? CryptScheme.Bcrypt : CryptScheme.ShaCrypt);

function poolCode(error: unknown): unknown {
  return (error as { code?: unknown }).code;
}

describe('worker-pool', () => {
  it('verifies openssl SHA-crypt and libxcrypt bcrypt vectors on worker threads', async () => {
    const pool = createWorkerPool({ size: 2 });
    try {
      const results = await Promise.all(
        cryptVectors.flatMap(({ hash, password }) => [
          pool.run({ scheme: schemeOf(hash), hash, password }),
          pool.run({ scheme: schemeOf(hash), hash, password: `${password}!` }),
        ]),
      );
      assert.deepEqual(
        results,
        cryptVectors.flatMap(() => [true, false]),
      );
    } finally {
      await pool.close();
    }
  });

  it('keeps the event loop free during 20 bcrypt cost-10 verifications', async () => {
    const hash = bcrypt.hashSync('pw', 10);
    const started = performance.now();
    bcrypt.compareSync('pw', hash);
    const oneOnMainThread = performance.now() - started; // what a tick would wait if the work ran here

    const pool = createWorkerPool({ size: 2 });
    let last = performance.now();
    // Time the loop could not run a 5 ms timer, summed: a single late tick (a GC pause, the CI machine busy with
    // other tests) is not the work running here, but 20 verifications on the loop would add up to 20 × one.
    let stalled = 0;
    let ticks = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      stalled += Math.max(0, now - last - 5);
      last = now;
      ticks++;
    }, 5);
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          pool.run({ scheme: CryptScheme.Bcrypt, hash, password: i % 2 === 0 ? 'pw' : 'wrong' }),
        ),
      );
      assert.deepEqual(
        results,
        results.map((_, i) => i % 2 === 0),
      );
    } finally {
      clearInterval(timer);
      await pool.close();
    }
    assert.ok(ticks >= 10, `only ${ticks} timer ticks while 20 verifications ran`);
    // Fails if even half of the verifications had run on the event loop.
    assert.ok(
      stalled < 10 * oneOnMainThread,
      `event loop stalled ${stalled.toFixed(1)} ms in all (one bcrypt: ${oneOnMainThread.toFixed(1)} ms)`,
    );
  });

  it('rejects waiting and new tasks with POOL_CLOSED after close(), and close() is idempotent', async () => {
    const pool = createWorkerPool({ size: 1 });
    const hash = bcrypt.hashSync('pw', 8);
    const running = pool.run({ scheme: CryptScheme.Bcrypt, hash, password: 'pw' });
    const waiting = pool.run({ scheme: CryptScheme.Bcrypt, hash, password: 'pw' });
    const settled = Promise.allSettled([running, waiting]);
    await pool.close();
    await pool.close();
    for (const outcome of await settled) {
      assert.equal(outcome.status, 'rejected');
      assert.equal(poolCode(outcome.reason), WorkerPoolErrorCode.Closed);
    }
    await assert.rejects(
      pool.run({ scheme: CryptScheme.Bcrypt, hash, password: 'pw' }),
      (error) => poolCode(error) === WorkerPoolErrorCode.Closed,
    );
  });

  it('rejects with POOL_OVERLOADED when the queue is full', async () => {
    const pool = createWorkerPool({ size: 1, maxQueue: 1 });
    const hash = bcrypt.hashSync('pw', 8);
    const task = { scheme: CryptScheme.Bcrypt, hash, password: 'pw' };
    try {
      const first = pool.run(task); // taken by the worker
      const second = pool.run(task); // waits
      await assert.rejects(pool.run(task), (error) => poolCode(error) === WorkerPoolErrorCode.Overloaded);
      assert.deepEqual(await Promise.all([first, second]), [true, true]);
    } finally {
      await pool.close();
    }
  });

  it('rejects with WORKER_FAILED when a worker dies, and replaces it for the next task', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'assent-pool-'));
    const script = join(dir, 'dies-once.mjs');
    const marker = join(dir, 'died');
    writeFileSync(
      script,
      `import { parentPort } from 'node:worker_threads';
       import { existsSync, writeFileSync } from 'node:fs';
       parentPort.on('message', (task) => {
         if (!existsSync(${JSON.stringify(marker)})) { writeFileSync(${JSON.stringify(marker)}, ''); process.exit(3); }
         parentPort.postMessage({ id: task.id, ok: true });
       });`,
    );
    const pool = createWorkerPool({ size: 1, workerUrl: pathToFileURL(script) });
    const task = { scheme: CryptScheme.Bcrypt, hash: 'h', password: 'p' };
    try {
      await assert.rejects(pool.run(task), (error) => poolCode(error) === WorkerPoolErrorCode.WorkerFailed);
      assert.equal(await pool.run(task), true);
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works under node --import tsx and lets the process exit while idle without close()', async () => {
    const [vector] = cryptVectors;
    assert.ok(vector);
    const poolModule = new URL('../../../src/directory/password/worker-pool.ts', import.meta.url).href;
    const program = `
      const { createWorkerPool } = await import(${JSON.stringify(poolModule)});
      const pool = createWorkerPool();
      const ok = await pool.run({ scheme: 'sha-crypt', hash: ${JSON.stringify(vector.hash)}, password: ${JSON.stringify(vector.password)} });
      console.log(ok ? 'verified' : 'refused');`;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', program],
        { timeout: 20_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    assert.equal(output.trim(), 'verified');
  });
});
