// Writes docs/configuration.md from the config schema (`npm run docs`); a test fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateConfigDocs } from '../src/config/config-docs.js';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
writeFileSync(target, generateConfigDocs());
console.log(`wrote ${target}`);
