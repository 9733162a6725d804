import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-config-'));
  dirs.push(dir);
  return dir;
}

function withYaml(text: string): { cwd: string; file: string } {
  const cwd = tempDir();
  const file = join(cwd, 'assent.yaml');
  writeFileSync(file, text);
  return { cwd, file };
}

function ok(result: ReturnType<typeof loadConfig>) {
  if (!result.ok) assert.fail(`expected a config, got errors:\n${result.errors.join('\n')}`);
  return result;
}

function errors(result: ReturnType<typeof loadConfig>): string[] {
  if (result.ok) assert.fail('expected errors, got a config');
  return result.errors;
}

describe('loadConfig', () => {
  test('with no file, env or overrides every setting has its default and paths are resolved', () => {
    const cwd = tempDir();
    const { config, warnings, file } = ok(loadConfig({ env: {}, cwd }));
    assert.equal(file, null);
    assert.deepEqual(warnings, []);
    assert.equal(config.dataDir, join(cwd, 'data'));
    assert.equal(config.storage.sqlitePath, join(cwd, 'data', 'assent.db'));
    assert.equal(config.secrets.keyFile, join(cwd, 'data', 'secret.key'));
    assert.deepEqual(config.radius.bind, ['0.0.0.0', '::']);
    assert.equal(config.radius.authPort, 1812);
    assert.equal(config.radius.accountingPort, 1813);
    assert.equal(config.radius.rejectDelayMs, 1000);
    assert.equal(config.radius.duplicateCacheSeconds, 30);
    assert.equal(config.passwords.argon2.memoryCost, 19456);
    assert.equal(config.log.level, 'info');
  });

  test('reads assent.yaml from the working directory when no file is named', () => {
    const { cwd, file } = withYaml('radius:\n  authPort: 11812\n  bind: [127.0.0.1]\nlog:\n  level: debug\n');
    const result = ok(loadConfig({ env: {}, cwd }));
    assert.equal(result.file, file);
    assert.equal(result.config.radius.authPort, 11812);
    assert.deepEqual(result.config.radius.bind, ['127.0.0.1']);
    assert.equal(result.config.radius.rejectJitterMs, 500, 'keys not in the file keep their default');
    assert.equal(result.config.log.level, 'debug');
  });

  test('ASSENT_CONFIG names the file, and an explicit file wins over it', () => {
    const a = withYaml('radius:\n  authPort: 1111\n');
    const b = withYaml('radius:\n  authPort: 2222\n');
    assert.equal(ok(loadConfig({ env: { ASSENT_CONFIG: a.file }, cwd: b.cwd })).config.radius.authPort, 1111);
    const both = loadConfig({ file: b.file, env: { ASSENT_CONFIG: a.file }, cwd: a.cwd });
    assert.equal(ok(both).config.radius.authPort, 2222);
  });

  test('a named file that does not exist is an error naming it', () => {
    const cwd = tempDir();
    const [message] = errors(loadConfig({ file: 'missing.yaml', env: {}, cwd }));
    assert.match(message!, /missing\.yaml: cannot read the configuration file \(ENOENT\)/);
  });

  test('precedence is defaults < YAML < ASSENT_* env < overrides', () => {
    const { cwd } = withYaml('radius:\n  authPort: 1111\n  maxInFlight: 10\n  rejectJitterMs: 7\n');
    const env = { ASSENT_RADIUS_AUTH_PORT: '2222', ASSENT_RADIUS_MAX_IN_FLIGHT: '20' };
    const { config } = ok(loadConfig({ env, cwd, overrides: { radius: { authPort: 3333 } } }));
    assert.equal(config.radius.authPort, 3333);
    assert.equal(config.radius.maxInFlight, 20);
    assert.equal(config.radius.rejectJitterMs, 7);
    assert.equal(config.radius.maxAttributes, 200);
  });

  test('env values are coerced by schema type: lists, booleans, integers, null ports', () => {
    const env = {
      ASSENT_RADIUS_BIND: '127.0.0.1, ::1',
      ASSENT_PASSWORDS_UPGRADE_LEGACY_HASHES: 'false',
      ASSENT_PASSWORDS_ARGON2_MEMORY_COST: '65536',
      ASSENT_RADIUS_ACCOUNTING_PORT: 'off',
      ASSENT_RADIUS_DICTIONARIES: '',
      ASSENT_LOG_LEVEL: 'warn',
    };
    const { config } = ok(loadConfig({ env, cwd: tempDir() }));
    assert.deepEqual(config.radius.bind, ['127.0.0.1', '::1']);
    assert.equal(config.passwords.upgradeLegacyHashes, false);
    assert.equal(config.passwords.argon2.memoryCost, 65536);
    assert.equal(config.radius.accountingPort, null);
    assert.deepEqual(config.radius.dictionaries, []);
    assert.equal(config.log.level, 'warn');
  });

  test('a section whose keys are all commented out is an empty section, not an error', () => {
    const { cwd } = withYaml('radius:\n  # authPort: 1812\npasswords:\n  argon2:\n');
    assert.equal(ok(loadConfig({ env: {}, cwd })).config.radius.authPort, 1812);
  });

  test('a setting left empty in YAML is an error, unless null is allowed', () => {
    const { cwd, file } = withYaml('radius:\n  authPort:\n  accountingPort:\n');
    assert.deepEqual(errors(loadConfig({ env: {}, cwd })), [
      `radius.authPort: expected an integer 0–65535, got null (from ${file}; env ASSENT_RADIUS_AUTH_PORT)`,
    ]);
  });

  test('a bad choice inside a map lists the allowed values, not "must be equal to constant" (issue 12)', () => {
    const { cwd, file } = withYaml('secondFactor:\n  clients:\n    fw1:\n      mode: bogus\n');
    assert.deepEqual(errors(loadConfig({ env: {}, cwd })), [
      `secondFactor.clients.fw1.mode: expected one of challenge, concat, otp-only, auto, got "bogus" (from ${file})`,
    ]);
  });

  test('accounting can be turned off with null in YAML', () => {
    const { cwd } = withYaml('radius:\n  accountingPort: null\n');
    assert.equal(ok(loadConfig({ env: {}, cwd })).config.radius.accountingPort, null);
  });

  test('a bad env value names the key, the expected range, what arrived and the variable', () => {
    const result = loadConfig({ env: { ASSENT_RADIUS_AUTH_PORT: 'abc' }, cwd: tempDir() });
    assert.deepEqual(errors(result), [
      'radius.authPort: expected an integer 0–65535, got "abc" (from ASSENT_RADIUS_AUTH_PORT)',
    ]);
  });

  test('an out-of-range YAML value names the file and the env variable of the key', () => {
    const { cwd, file } = withYaml('radius:\n  duplicateCacheSeconds: 300\n');
    assert.deepEqual(errors(loadConfig({ env: {}, cwd })), [
      `radius.duplicateCacheSeconds: expected an integer 5–30, got 300 (from ${file}; ` +
        'env ASSENT_RADIUS_DUPLICATE_CACHE_SECONDS)',
    ]);
  });

  test('every bad value is reported, not only the first', () => {
    const env = {
      ASSENT_LOG_LEVEL: 'loud',
      ASSENT_PASSWORDS_UPGRADE_LEGACY_HASHES: 'maybe',
      ASSENT_RADIUS_BIND: 'a,,b',
    };
    const messages = errors(loadConfig({ env, cwd: tempDir() }));
    assert.equal(messages.length, 3);
    assert.ok(
      messages.includes(
        'log.level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud" (from ASSENT_LOG_LEVEL)',
      ),
    );
    assert.ok(
      messages.includes(
        'passwords.upgradeLegacyHashes: expected true or false, got "maybe" (from ASSENT_PASSWORDS_UPGRADE_LEGACY_HASHES)',
      ),
    );
    assert.ok(
      messages.includes(
        'radius.bind: expected a list of non-empty strings, got ["a","","b"] (from ASSENT_RADIUS_BIND)',
      ),
    );
  });

  test('a bad override is attributed to the command line', () => {
    const overrides = { radius: { authPort: 70000 } };
    const [message] = errors(loadConfig({ env: {}, cwd: tempDir(), overrides }));
    assert.equal(
      message,
      'radius.authPort: expected an integer 0–65535, got 70000 (from command line; env ASSENT_RADIUS_AUTH_PORT)',
    );
  });

  test('an unknown YAML key is an error naming the key and the closest valid one', () => {
    const { cwd, file } = withYaml('radius:\n  authport: 1812\nlogging: {}\n');
    const messages = errors(loadConfig({ env: {}, cwd }));
    assert.deepEqual(messages.sort(), [
      `logging: unknown key (from ${file}); did you mean log.level?`,
      `radius.authport: unknown key (from ${file}); did you mean radius.authPort?`,
    ]);
  });

  test('a section that is not a mapping is an error naming the section', () => {
    const { cwd, file } = withYaml('passwords: 5\n');
    assert.deepEqual(errors(loadConfig({ env: {}, cwd })), [
      `passwords: expected a mapping of settings, got 5 (from ${file})`,
    ]);
  });

  test('YAML syntax errors and duplicate keys are errors naming the file', () => {
    const broken = withYaml('radius: [\n');
    assert.match(errors(loadConfig({ env: {}, cwd: broken.cwd }))[0]!, /assent\.yaml: /);
    const duplicate = withYaml('log:\n  level: info\n  level: debug\n');
    assert.match(errors(loadConfig({ env: {}, cwd: duplicate.cwd }))[0]!, /assent\.yaml: .*unique/i);
  });

  test('an unknown ASSENT_ variable is an error naming it and the closest valid name', () => {
    const env = { ASSENT_RADIUS_AUTHPORT: '1812', ASSENT_CONFIG: '', OTHER_VAR: 'x' };
    assert.deepEqual(errors(loadConfig({ env, cwd: tempDir() })), [
      'ASSENT_RADIUS_AUTHPORT: unknown environment variable; did you mean ASSENT_RADIUS_AUTH_PORT?',
    ]);
  });

  test('a reject delay below 1000 ms loads but warns (docs/security.md A3.7)', () => {
    const result = ok(loadConfig({ env: { ASSENT_RADIUS_REJECT_DELAY_MS: '200' }, cwd: tempDir() }));
    assert.equal(result.config.radius.rejectDelayMs, 200);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /radius\.rejectDelayMs is 200 ms.*set 1000 or more/);
  });

  test('explicit storage and key paths are resolved against the working directory', () => {
    const cwd = tempDir();
    const overrides = { storage: { sqlitePath: 'db/a.db' }, secrets: { keyFile: '/etc/assent/key' } };
    const env = { ASSENT_RADIUS_DICTIONARIES: 'dict/fortinet' };
    const { config } = ok(loadConfig({ env, cwd, overrides }));
    assert.equal(config.storage.sqlitePath, join(cwd, 'db', 'a.db'));
    assert.equal(config.secrets.keyFile, '/etc/assent/key');
    assert.deepEqual(config.radius.dictionaries, [join(cwd, 'dict', 'fortinet')]);
  });

  test("a directory's CA and service password files are resolved against the working directory too", () => {
    const cwd = tempDir();
    const overrides = {
      directories: {
        corp: {
          url: 'ldaps://ldap.example.test',
          tlsCaFile: 'certs/ca.pem',
          servicePasswordFile: '/etc/assent/pw',
        },
      },
    };
    const { config } = ok(loadConfig({ env: {}, cwd, overrides }));
    assert.equal(config.directories.corp?.tlsCaFile, join(cwd, 'certs', 'ca.pem'));
    assert.equal(config.directories.corp?.servicePasswordFile, '/etc/assent/pw');
  });

  test('the result is deeply frozen', () => {
    const { config } = ok(loadConfig({ env: {}, cwd: tempDir() }));
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.radius));
    assert.ok(Object.isFrozen(config.radius.bind));
    assert.ok(Object.isFrozen(config.passwords.argon2));
    assert.throws(() => {
      (config.radius as { authPort: number }).authPort = 1;
    }, TypeError);
  });

  test('loading twice gives independent results (schema defaults are not shared or frozen)', () => {
    const first = ok(loadConfig({ env: {}, cwd: tempDir() })).config;
    const second = ok(loadConfig({ env: { ASSENT_RADIUS_BIND: '::1' }, cwd: tempDir() })).config;
    assert.deepEqual(first.radius.bind, ['0.0.0.0', '::']);
    assert.deepEqual(second.radius.bind, ['::1']);
  });
});
