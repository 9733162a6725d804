#!/usr/bin/env -S node --single-threaded-gc --min-semi-space-size=16
// Runs the TypeScript CLI through tsx so `npx assent …` works without a build step. The server is one event loop:
// V8's helper threads for the collector shorten pauses but cost more CPU per login than they save (measured
// 1.14–1.22× more code logins per CPU-second without them). The young generation starts at its full 16 MiB: it
// otherwise grows only as objects survive it, so a server that keeps little ran twice as many collections
// (docs/performance.md). Same flags as `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
