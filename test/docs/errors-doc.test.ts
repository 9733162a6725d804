// Keeps docs/errors.md and the closed reason lists in the code in step (ARCHITECTURE §4).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { allReasons } from '../../src/domain/reason.js';
import { allDropReasons } from '../../src/radius-server/drop-reason.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Set([...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));

test('every reject reason and drop reason is documented in docs/errors.md', () => {
  const missing = [...allReasons, ...allDropReasons].filter((code) => !documented.has(code));
  assert.deepEqual(missing, []);
});

test('docs/errors.md documents no code the server does not have', () => {
  const known = new Set<string>([...allReasons, ...allDropReasons]);
  assert.deepEqual(
    [...documented].filter((code) => !known.has(code!)),
    [],
  );
});
