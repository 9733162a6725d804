// Owns the worker-thread side of the crypt pool: verifies one SHA-crypt or bcrypt hash per message.
// Plain JavaScript on purpose: it runs the same under `node --import tsx`, under a compiled build and in tests,
// without loading a TypeScript loader into every worker.
import { parentPort } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import { verify as verifyShaCrypt } from 'unixcrypt';

if (parentPort === null) throw new Error('crypt-worker.mjs must run in a worker thread');
const port = parentPort;

/** @param {{ id: number, scheme: 'sha-crypt' | 'bcrypt', hash: string, password: string }} task */
function verify(task) {
  try {
    if (task.scheme === 'bcrypt') return bcrypt.compareSync(task.password, task.hash);
    if (task.scheme === 'sha-crypt') return verifyShaCrypt(task.password, task.hash);
    return false;
  } catch {
    // The main thread already checked the format; a library refusing it still means "does not match".
    return false;
  }
}

port.on('message', (task) => {
  port.postMessage({ id: task.id, ok: verify(task) === true });
});
