#!/usr/bin/env -S node --single-threaded-gc --min-semi-space-size=16
// Runs the CLI: build/assent.mjs when it was built from the sources as they are (scripts/build-cli.mjs; starts in
// about a third of the time), else src/ through tsx, so `npx assent …` works with or without a build. The server
// is one event loop: V8's helper threads for the collector shorten pauses but cost more CPU per login than they save
// (measured 1.14–1.22× more code logins per CPU-second without them). The young generation starts at its full
// 16 MiB: it otherwise grows only as objects survive it, so a server that keeps little ran twice as many
// collections (docs/performance.md). Same flags as `npm start`.
import { launch } from './build-state.js';

await launch('assent.mjs', '../src/cli/main.ts');
