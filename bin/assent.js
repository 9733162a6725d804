#!/usr/bin/env -S node --single-threaded-gc
// Runs the TypeScript CLI through tsx so `npx assent …` works without a build step. The server is one event loop:
// V8's helper threads for the collector shorten pauses but cost more CPU per login than they save (measured
// 1.14–1.22× more code logins per CPU-second without them; docs/performance.md). Same flag as `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
