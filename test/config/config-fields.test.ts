import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeExpected, envNameFor, listConfigFields } from '../../src/config/config-fields.js';

test('env names are derived from the schema path: camelCase words joined by underscores', () => {
  assert.equal(envNameFor(['radius', 'authPort']), 'ASSENT_RADIUS_AUTH_PORT');
  assert.equal(envNameFor(['passwords', 'argon2', 'memoryCost']), 'ASSENT_PASSWORDS_ARGON2_MEMORY_COST');
  assert.equal(envNameFor(['dataDir']), 'ASSENT_DATA_DIR');
});

test('every setting has a description and a default, and env names are unique', () => {
  const fields = listConfigFields();
  assert.ok(fields.length >= 18);
  for (const field of fields) {
    assert.ok(field.schema.description, `${field.key} has no description`);
    assert.notEqual(field.schema.default, undefined, `${field.key} has no default`);
  }
  const withEnv = fields.filter((field) => field.kind !== 'yaml');
  assert.equal(new Set(withEnv.map((field) => field.env)).size, withEnv.length);
  assert.ok(fields.filter((field) => field.kind === 'yaml').every((field) => field.env === ''));
});

test('expected-value text states the range', () => {
  assert.equal(describeExpected({ type: 'integer', minimum: 5, maximum: 30 }), 'an integer 5–30');
  assert.equal(
    describeExpected({ anyOf: [{ type: 'integer', minimum: 0, maximum: 65535 }, { type: 'null' }] }),
    'an integer 0–65535 or null',
  );
  assert.equal(describeExpected({ anyOf: [{ const: 'a' }, { const: 'b' }] }), 'one of a, b');
});
