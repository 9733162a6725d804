// Issue 12 item 4: every text setting is bounded, so no configuration can make a reply that cannot be encoded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigSchema } from '../../src/config/config-schema.js';
import { loadConfig } from '../../src/config/load-config.js';

/** Every string (and array) schema below `node`, with its path; record keys count as strings too. */
function unbounded(node: unknown, path: string, out: string[]): string[] {
  if (typeof node !== 'object' || node === null) return out;
  const schema = node as Record<string, unknown>;
  const bounded =
    schema.maxLength !== undefined || schema.pattern !== undefined || schema.const !== undefined;
  if (schema.type === 'string' && !bounded) out.push(path);
  if (schema.type === 'array' && schema.maxItems === undefined) out.push(`${path}[]`);
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'default' || key === 'description') continue;
    if (typeof value === 'object' && value !== null) unbounded(value, `${path}.${key}`, out);
  }
  return out;
}

test('every string setting has a maximum length and every list a maximum size', () => {
  assert.deepEqual(unbounded(ConfigSchema, 'config', []), []);
});

test('a 5,000-character challenge text is refused at load, naming the key', () => {
  const result = loadConfig({
    env: {},
    overrides: { secondFactor: { codeChallengeText: 'x'.repeat(5000) } },
  });
  assert.equal(result.ok, false);
  assert.match(!result.ok ? result.errors.join('\n') : '', /secondFactor\.codeChallengeText/);
});
