// Owns the version Assent reports: `assent --version`, the OpenAPI document, the server's start log line.
import { readFileSync } from 'node:fs';

/**
 * The version in package.json. Read relative to this module, which sits one level below the repository root both
 * in src/ and bundled into build/ (scripts/build-cli.mjs), so the same path works in both.
 */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
