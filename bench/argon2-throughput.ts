// Owns the argon2id line of the benchmark: verifications per second on all cores at Assent's default cost.
import os from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { DEFAULT_ARGON2_PARAMS } from '../src/directory/password/argon2id.js';

/** @node-rs/argon2 declares its enums as ambient const enums, which isolatedModules cannot read. */
const ALGORITHM_ARGON2ID = 2;

export interface Argon2Figures {
  readonly memoryKiB: number;
  readonly timeCost: number;
  readonly parallelism: number;
  readonly inFlight: number;
  readonly verificationsPerSecond: number;
  /** Process CPU over wall time, in % of one core: about 100 × cores when all cores were busy. */
  readonly cpuPercent: number;
}

/**
 * Verifies one argon2id hash over and over with `inFlight` verifications at once on the libuv pool (not
 * pinned: every core), for `seconds`. This is the first-factor cost of a user whose password hash is
 * argon2id (every user created in Assent, and every imported user after the upgrade), which the SSHA
 * benchmark above leaves out on purpose.
 */
export async function measureArgon2id(
  seconds: number,
  inFlight = Math.max(2, os.availableParallelism()) * 2,
): Promise<Argon2Figures> {
  const params = DEFAULT_ARGON2_PARAMS;
  const stored = await hash('correct horse battery staple', { ...params, algorithm: ALGORITHM_ARGON2ID });
  let done = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const end = start + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      if (!(await verify(stored, 'correct horse battery staple')))
        throw new Error('argon2id verification failed');
      done++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wallUs = (performance.now() - start) * 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    memoryKiB: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
    inFlight,
    verificationsPerSecond: (done * 1e6) / wallUs,
    cpuPercent: (100 * (cpu.user + cpu.system)) / wallUs,
  };
}
