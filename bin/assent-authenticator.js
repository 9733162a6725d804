#!/usr/bin/env node
// Runs the command-line authenticator like bin/assent.js runs the server's CLI: the build when fresh, else tsx.
import { freshBuild } from './build-state.js';

const built = freshBuild('assent-authenticator.mjs');
if (built !== undefined) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/authenticator/main.ts');
}
