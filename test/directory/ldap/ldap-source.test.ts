// Tests `directories.<name>` entries built into LDAP user sources, against a real OpenLDAP slapd.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Static, TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { createRealmFirstFactor, type FirstFactorSource } from '../../../src/auth/realm-first-factor.js';
import { DirectoriesSchema } from '../../../src/config/policy-schema.js';
import type { LdapLogger } from '../../../src/directory/ldap/ldap-directory.js';
import {
  createLdapSource,
  type LdapDirectoryConfig,
  ldapOptionsFromConfig,
} from '../../../src/directory/ldap/ldap-source.js';
import { createLdapSources } from '../../../src/directory/ldap/ldap-sources.js';
import { Reason } from '../../../src/domain/reason.js';
import { ADMIN_DN, ADMIN_PASSWORD, freePort, type Slapd, SUFFIX, startSlapd } from '../../support/slapd.js';

const pw = (s: string) => new TextEncoder().encode(s);
/** Scheduling slack on a loaded machine (tests run in parallel); a hang would be far beyond it. */
const SLACK_MS = 1500;

// Compile-time: what the schema produces must fit the structural config type ldap-source.ts accepts.
const fitsSchema = (entry: Static<typeof DirectoriesSchema>[string]): LdapDirectoryConfig => entry;
void fitsSchema;

/** A config-shaped entry: the schema's own defaults overlaid with `fields`, as load-config builds it. */
function entry(fields: Partial<LdapDirectoryConfig> & { url: string }): LdapDirectoryConfig {
  const schema = Object.values(DirectoriesSchema.patternProperties ?? {})[0] as TSchema;
  return Value.Default(schema, { ...fields }) as LdapDirectoryConfig;
}

function capture(): LdapLogger & { lines: { object: Record<string, unknown>; message: string }[] } {
  const lines: { object: Record<string, unknown>; message: string }[] = [];
  const push = (object: object, message: string) =>
    lines.push({ object: object as Record<string, unknown>, message });
  return { lines, info: push, warn: push, error: push };
}

describe('LDAP sources from directories config, against slapd', () => {
  let slapd: Slapd;
  let dir: string;
  let passwordFile: string;
  const template = () =>
    entry({ url: slapd.url, bindDnTemplate: `uid={user},ou=people,${SUFFIX}`, timeoutMs: 1000 });
  const search = (extra: Partial<LdapDirectoryConfig> = {}) =>
    entry({
      url: slapd.url,
      serviceDn: ADMIN_DN,
      servicePasswordFile: passwordFile,
      searchBase: `ou=people,${SUFFIX}`,
      groups: 'search',
      groupSearchBase: `ou=groups,${SUFFIX}`,
      disabledCheck: 'attribute',
      disabledAttribute: 'employeeType',
      disabledValue: 'disabled',
      timeoutMs: 1000,
      ...extra,
    });

  before(async () => {
    slapd = await startSlapd({ tls: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assent-ldap-source-'));
    passwordFile = path.join(dir, 'service-password');
    // Written the way `echo pw > file` writes it: the trailing newline is not part of the password.
    fs.writeFileSync(passwordFile, `${ADMIN_PASSWORD}\n`, { mode: 0o600 });
  });
  after(async () => {
    await slapd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('DN template config: the right password gives the identity with memberOf group names', async () => {
    const sources = createLdapSources({ corp: template() });
    try {
      const result = await sources.get('corp')!.check('alice', pw('alicepw'));
      assert.deepEqual(result, { ok: true, identity: { name: 'alice', groups: ['vpn'], source: 'corp' } });
    } finally {
      await sources.get('corp')!.close();
    }
  });

  test('search-then-bind config with a group search: groups are names, disabled and unknown users refused', async () => {
    const sources = createLdapSources({ corp: search() });
    const corp = sources.get('corp')!;
    try {
      assert.deepEqual(await corp.check('bob', pw('bobpw')), {
        ok: true,
        identity: { name: 'bob', groups: ['staff'], source: 'corp' },
      });
      assert.deepEqual(await corp.check('bob', pw('wrong')), {
        ok: false,
        reason: Reason.BadPassword,
        name: 'bob',
      });
      assert.deepEqual(await corp.check('carol', pw('carolpw')), {
        ok: false,
        reason: Reason.UserDisabled,
        name: 'carol',
      });
      assert.deepEqual(await corp.check('nobody', pw('x')), {
        ok: false,
        reason: Reason.UserUnknown,
        name: 'nobody',
      });
    } finally {
      await corp.close();
    }
  });

  test('LDAPS with tlsCaFile logs in', async () => {
    const sources = createLdapSources({
      corp: { ...template(), url: slapd.ldapsUrl!, tlsCaFile: slapd.caFile! },
    });
    try {
      const result = await sources.get('corp')!.check('alice', pw('alicepw'));
      assert.equal(result.ok, true);
    } finally {
      await sources.get('corp')!.close();
    }
  });

  test('a wrong service password makes the directory DIRECTORY_UNAVAILABLE, not the user wrong', async () => {
    const wrong = path.join(dir, 'wrong-password');
    fs.writeFileSync(wrong, 'not-the-admin-password\n');
    const logger = capture();
    const sources = createLdapSources({ corp: search({ servicePasswordFile: wrong }) }, logger);
    try {
      const result = await sources.get('corp')!.check('alice', pw('alicepw'));
      assert.equal(!result.ok && result.reason, Reason.DirectoryUnavailable);
      assert.match(logger.lines[0]!.message, /service account rejected/);
    } finally {
      await sources.get('corp')!.close();
    }
  });

  test('each failure is logged once with the directory name, reason and event', async () => {
    const logger = capture();
    const sources = createLdapSources({ corp: search() }, logger);
    try {
      await sources.get('corp')!.check('alice', pw('wrong'));
    } finally {
      await sources.get('corp')!.close();
    }
    assert.equal(logger.lines.length, 1);
    const [line] = logger.lines;
    assert.equal(line!.object.event, 'auth.ldap');
    assert.equal(line!.object.directory, 'corp');
    assert.equal(line!.object.reason, 'BAD_PASSWORD');
    assert.doesNotMatch(JSON.stringify(line), /wrong/, 'the password is never logged');
  });

  test('a closed port gives DIRECTORY_UNAVAILABLE in bounded time', async () => {
    const port = await freePort();
    const sources = createLdapSources({ corp: { ...template(), url: `ldap://127.0.0.1:${port}` } });
    const started = Date.now();
    try {
      const result = await sources.get('corp')!.check('alice', pw('alicepw'));
      assert.deepEqual(result, { ok: false, reason: Reason.DirectoryUnavailable, name: 'alice' });
      assert.ok(Date.now() - started < 1000 + SLACK_MS, `took ${Date.now() - started} ms`);
    } finally {
      await sources.get('corp')!.close();
    }
  });

  test('CORP\\alice through the realm router reaches LDAP after a local record without password', async () => {
    const sources = createLdapSources({ corp: template() });
    const local = { check: (name: string) => ({ ok: false as const, reason: Reason.NoPassword, name }) };
    const ff = createRealmFirstFactor({
      sources: new Map<string, FirstFactorSource>([['local', local], ...sources]),
      defaultSources: ['local'],
      realmMap: { CORP: ['local', 'corp'] },
      localGroups: (name) => (name === 'alice' ? ['admins'] : []),
    });
    try {
      const result = await ff.check('CORP\\alice', pw('alicepw'));
      assert.deepEqual(result, {
        ok: true,
        identity: { name: 'alice', groups: ['vpn', 'admins'], source: 'corp' },
      });
    } finally {
      await ff.close?.();
    }
  });

  test('createLdapSource maps a directory that throws to INTERNAL_ERROR', async () => {
    const source = createLdapSource('corp', {
      authenticate: () => Promise.reject(new Error('bug')),
      close: async () => {},
    });
    assert.deepEqual(await source.check('alice', pw('x')), {
      ok: false,
      reason: Reason.InternalError,
      name: 'alice',
    });
  });
});

describe('ldapOptionsFromConfig', () => {
  const base = { url: 'ldap://127.0.0.1:389' };

  test('a non-empty bindDnTemplate selects the template lookup; memberOf groups by default', () => {
    const options = ldapOptionsFromConfig('corp', entry({ ...base, bindDnTemplate: 'uid={user},dc=x' }));
    assert.deepEqual(options.userLookup, { kind: 'template', bindDnTemplate: 'uid={user},dc=x' });
    assert.deepEqual(options.groups, { kind: 'memberOf', attribute: 'memberOf' });
    assert.deepEqual(options.disabledCheck, { kind: 'none' });
    assert.equal(options.tlsCaFile, undefined);
    assert.equal(options.timeoutMs, 5000);
    assert.equal(options.poolSize, 4);
  });

  test('search lookup reads the service password file and trims one trailing newline', (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assent-ldap-options-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'pw');
    fs.writeFileSync(file, 's3cret \r\n');
    const options = ldapOptionsFromConfig(
      'ad',
      entry({ ...base, serviceDn: 'cn=svc', servicePasswordFile: file, searchBase: 'dc=x' }),
    );
    assert.deepEqual(options.userLookup, {
      kind: 'search',
      serviceDn: 'cn=svc',
      servicePassword: 's3cret ',
      searchBase: 'dc=x',
      searchFilter: '(uid={user})',
    });
  });

  test('an unreadable servicePasswordFile names directories.<name>.servicePasswordFile', () => {
    const missing = path.join(os.tmpdir(), 'assent-no-such-dir', 'pw');
    assert.throws(
      () =>
        ldapOptionsFromConfig(
          'ad',
          entry({ ...base, serviceDn: 'cn=svc', servicePasswordFile: missing, searchBase: 'dc=x' }),
        ),
      { message: `directories.ad.servicePasswordFile: cannot read "${missing}" (ENOENT)` },
    );
  });

  test('an empty servicePasswordFile, or none at all, is refused', (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assent-ldap-options-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '\n');
    const make = (servicePasswordFile: string) =>
      entry({ ...base, serviceDn: 'cn=svc', servicePasswordFile, searchBase: 'dc=x' });
    assert.throws(
      () => ldapOptionsFromConfig('ad', make(empty)),
      /^LdapConfigError: directories\.ad\.servicePasswordFile: .* is empty/,
    );
    assert.throws(
      () => ldapOptionsFromConfig('ad', make('')),
      /^LdapConfigError: directories\.ad\.servicePasswordFile: expected/,
    );
  });

  test('neither a template nor a service account is refused, naming bindDnTemplate', () => {
    assert.throws(() => ldapOptionsFromConfig('corp', entry(base)), {
      message: /^directories\.corp\.bindDnTemplate: expected a DN template, or serviceDn/,
    });
  });

  test('search lookup without searchBase or serviceDn names the missing key', () => {
    assert.throws(() => ldapOptionsFromConfig('corp', entry({ ...base, serviceDn: 'cn=svc' })), {
      message: /^directories\.corp\.searchBase: /,
    });
    assert.throws(() => ldapOptionsFromConfig('corp', entry({ ...base, searchBase: 'dc=x' })), {
      message: /^directories\.corp\.serviceDn: /,
    });
  });

  test('option checks of the LDAP layer are reported under directories.<name>', () => {
    const bad = entry({ ...base, url: 'http://x', bindDnTemplate: 'uid={user}' });
    assert.throws(() => ldapOptionsFromConfig('corp', bad), {
      message: /^directories\.corp\.url: expected ldap:/,
    });
    const noPlaceholder = entry({ ...base, bindDnTemplate: 'uid=fixed,dc=x' });
    assert.throws(() => ldapOptionsFromConfig('corp', noPlaceholder), {
      message: /^directories\.corp\.bindDnTemplate: expected a DN containing \{user\}/,
    });
  });

  test('groups "search" needs groupSearchBase; disabledCheck "attribute" needs attribute and value', () => {
    const t = { ...base, bindDnTemplate: 'uid={user},dc=x' };
    assert.throws(() => ldapOptionsFromConfig('c', entry({ ...t, groups: 'search' })), {
      message: /^directories\.c\.groupSearchBase: /,
    });
    assert.throws(() => ldapOptionsFromConfig('c', entry({ ...t, disabledCheck: 'attribute' })), {
      message: /^directories\.c\.disabledAttribute: /,
    });
    const ad = ldapOptionsFromConfig('c', entry({ ...t, disabledCheck: 'userAccountControl' }));
    assert.deepEqual(ad.disabledCheck, { kind: 'userAccountControl' });
  });

  test('an unreadable tlsCaFile names directories.<name>.tlsCaFile', () => {
    const missing = path.join(os.tmpdir(), 'assent-no-such-dir', 'ca.pem');
    assert.throws(
      () =>
        ldapOptionsFromConfig(
          'corp',
          entry({ url: 'ldaps://127.0.0.1:636', bindDnTemplate: 'uid={user}', tlsCaFile: missing }),
        ),
      { message: /^directories\.corp\.tlsCaFile: cannot read/ },
    );
  });

  test('createLdapSources reports the failing entry by name', () => {
    assert.throws(
      () => createLdapSources({ good: entry({ ...base, bindDnTemplate: 'uid={user}' }), bad: entry(base) }),
      {
        message: /^directories\.bad\.bindDnTemplate: /,
      },
    );
  });
});
