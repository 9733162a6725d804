import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listConfigFields } from '../../src/config/config-fields.js';
import { closestName, coerceEnvValue, readEnvLayer } from '../../src/config/env-config.js';

const field = (key: string) => listConfigFields().find((candidate) => candidate.key === key)!;

test('env text is coerced by the field type; text that does not fit is kept for the schema to report', () => {
  assert.equal(coerceEnvValue(field('radius.authPort'), ' 1812 '), 1812);
  assert.equal(coerceEnvValue(field('radius.authPort'), '18x'), '18x');
  assert.equal(coerceEnvValue(field('radius.authPort'), '1e3'), '1e3');
  assert.equal(coerceEnvValue(field('radius.accountingPort'), 'OFF'), null);
  assert.equal(coerceEnvValue(field('radius.accountingPort'), '1646'), 1646);
  assert.equal(coerceEnvValue(field('passwords.upgradeLegacyHashes'), 'Yes'), true);
  assert.equal(coerceEnvValue(field('passwords.upgradeLegacyHashes'), '0'), false);
  assert.deepEqual(coerceEnvValue(field('radius.bind'), '127.0.0.1,::1'), ['127.0.0.1', '::1']);
  assert.deepEqual(coerceEnvValue(field('radius.dictionaries'), ''), []);
});

test('readEnvLayer ignores variables without the prefix, ASSENT_CONFIG and ASSENT_FROM_SOURCE, and records where values came from', () => {
  const layer = readEnvLayer({
    PATH: '/bin',
    ASSENT_CONFIG: '/x.yaml',
    ASSENT_FROM_SOURCE: '1',
    ASSENT_LOG_LEVEL: 'debug',
  });
  assert.deepEqual(layer.values, { log: { level: 'debug' } });
  assert.equal(layer.sources.get('log.level'), 'ASSENT_LOG_LEVEL');
  assert.deepEqual(layer.errors, []);
});

test('closestName suggests the nearest candidate', () => {
  assert.equal(closestName('ASSENT_LOG_LEVL', ['ASSENT_DATA_DIR', 'ASSENT_LOG_LEVEL']), 'ASSENT_LOG_LEVEL');
  assert.equal(closestName('x', []), undefined);
});
