#!/usr/bin/env node
// Runs the command-line authenticator like bin/assent.js runs the server's CLI: the build when fresh, else tsx.
import { launch } from './build-state.js';

await launch('assent-authenticator.mjs', '../src/authenticator/main.ts');
