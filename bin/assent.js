#!/usr/bin/env -S node --max-semi-space-size=64
// Runs the TypeScript CLI through tsx so `npx assent …` works without a build step. The young generation of
// 64 MiB (V8 default: 16) is the server's: a login leaves short-lived garbage, and fewer scavenges cut the
// collector from 5–8 % of a code login's time to under 2 % (docs/performance.md); it grows only under load.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
