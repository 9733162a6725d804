// Owns migration 15's place until branch split-c's migration 15 is merged (drop this file then).
import type { PostgresMigration } from '../pg-migration.js';

/** Does nothing: migration numbers must be contiguous, and 16 (portal sessions) was written while 15 was taken. */
export const migration0015: PostgresMigration = {
  number: 15,
  name: 'reserved',
  async up() {},
};
