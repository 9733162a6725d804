// Writes docs/configuration.md from the config schema and docs/api-reference.md from the REST API's OpenAPI document
// (`npm run docs`); a test fails when either file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateConfigDocs } from '../src/config/config-docs.js';
import { buildApiDocument, renderApiReference } from '../src/http/api/api-reference.js';
import { PACKAGE_VERSION } from '../src/package-version.js';

const target = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
writeFileSync(target, generateConfigDocs());
console.log(`wrote ${target}`);
const reference = fileURLToPath(new URL('../docs/api-reference.md', import.meta.url));
writeFileSync(reference, renderApiReference(await buildApiDocument(PACKAGE_VERSION)));
console.log(`wrote ${reference}`);
