#!/usr/bin/env node
// Runs the TypeScript command-line authenticator through tsx, like bin/assent.js runs the server's CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/authenticator/main.ts');
