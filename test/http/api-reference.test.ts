// docs/api-reference.md is the server's OpenAPI document rendered; it must not fall behind the route schemas.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildApiDocument, renderApiReference } from '../../src/http/api/api-reference.js';
import { PACKAGE_VERSION } from '../../src/package-version.js';

test('docs/api-reference.md matches the OpenAPI document (run `npm run docs` after changing a route)', async () => {
  const document = await buildApiDocument(PACKAGE_VERSION);
  const onDisk = readFileSync(new URL('../../docs/api-reference.md', import.meta.url), 'utf8');
  assert.equal(onDisk, renderApiReference(document));
});

test('the OpenAPI document is valid OpenAPI 3.1 and documents every API route with its errors', async () => {
  const document = await buildApiDocument(PACKAGE_VERSION);
  const result = await new Validator().validate(document as never);
  assert.equal(result.valid, true, JSON.stringify(result.errors));
  const paths = Object.keys(document.paths).sort();
  assert.deepEqual(paths, [
    '/api/v1/auth/',
    '/api/v1/pushauth/',
    '/api/v2/clients',
    '/api/v2/clients/{name}',
    '/api/v2/clients/{name}/secret',
    '/api/v2/groups',
    '/api/v2/lockouts',
    '/api/v2/policy',
    '/api/v2/tokens/{serial}',
    '/api/v2/transactions',
    '/api/v2/transactions/{id}',
    '/api/v2/transactions/{id}/events',
    '/api/v2/users',
    '/api/v2/users/{name}',
    '/api/v2/users/{name}/grace',
    '/api/v2/users/{name}/password',
    '/api/v2/users/{name}/sign-ins',
    '/api/v2/users/{name}/sign-ins/{id}/not-me',
    '/api/v2/users/{name}/tokens',
    '/api/v2/users/{name}/unlock',
  ]);
  for (const [path, ops] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      assert.ok(op.summary, `${method} ${path} has a summary`);
      assert.ok(op.responses['401'], `${method} ${path} documents 401`);
    }
  }
});
