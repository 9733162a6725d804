// The attribute that names a directory user (issue 12): derived from where `{user}` goes, or required.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  LdapConfigError,
  type LdapOptions,
  nameAttributeOf,
  validateLdapOptions,
} from '../../../src/directory/ldap/ldap-config.js';

const base = {
  url: 'ldap://127.0.0.1:389',
  startTls: false,
  groups: { kind: 'none' },
  disabledCheck: { kind: 'none' },
  timeoutMs: 1000,
  poolSize: 1,
} as const;

const search = (searchFilter: string, nameAttribute?: string): LdapOptions => ({
  ...base,
  userLookup: {
    kind: 'search',
    serviceDn: 'cn=svc',
    servicePassword: 'pw',
    searchBase: 'dc=x',
    searchFilter,
  },
  ...(nameAttribute === undefined ? {} : { nameAttribute }),
});

test('nameAttribute defaults to the attribute {user} fills in a DN template or a search filter', () => {
  const template: LdapOptions = {
    ...base,
    userLookup: { kind: 'template', bindDnTemplate: 'uid={user},ou=p' },
  };
  assert.equal(nameAttributeOf(template), 'uid');
  assert.equal(nameAttributeOf(search('(uid={user})')), 'uid');
  assert.equal(nameAttributeOf(search('(&(objectClass=user)(sAMAccountName={user}))')), 'samaccountname');
  assert.equal(nameAttributeOf(search('(|(uid={user})(mail={user}))', 'uid')), 'uid');
});

test('a filter where {user} fills several attributes needs nameAttribute, named in the error', () => {
  assert.equal(nameAttributeOf(search('(|(uid={user})(mail={user}))')), undefined);
  assert.throws(
    () => validateLdapOptions(search('(|(uid={user})(mail={user}))')),
    (e: unknown) => e instanceof LdapConfigError && /^ldap\.nameAttribute: expected/.test(e.message),
  );
  validateLdapOptions(search('(|(uid={user})(mail={user}))', 'uid'));
});
