import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { generateConfigDocs } from '../../src/config/config-docs.js';
import { listConfigFields } from '../../src/config/config-fields.js';
import { loadConfig } from '../../src/config/load-config.js';

const docsFile = new URL('../../docs/configuration.md', import.meta.url);

test('docs/configuration.md is what the schema generates (run npm run docs)', () => {
  const checkedIn = readFileSync(docsFile, 'utf8');
  assert.ok(checkedIn === generateConfigDocs(), 'docs/configuration.md is stale: run `npm run docs`');
});

test('the docs list every setting with its env variable', () => {
  const docs = generateConfigDocs();
  for (const field of listConfigFields()) {
    const env = field.env === '' ? '—' : `\`${field.env}\``;
    assert.ok(docs.includes(`| \`${field.key}\` | ${env} |`), `missing row for ${field.key}`);
  }
});

test('the example assent.yaml in the docs is valid and equals the defaults', () => {
  const docs = generateConfigDocs();
  const example = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
  assert.ok(example, 'no yaml block');
  const fromExample = loadConfig({ env: {}, cwd: '/srv', overrides: parse(example) });
  const fromDefaults = loadConfig({ env: {}, cwd: '/srv' });
  assert.ok(fromExample.ok && fromDefaults.ok);
  assert.deepEqual(fromExample.config, fromDefaults.config);
});
