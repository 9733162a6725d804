// Owns turning one `directories.<name>` config entry into LDAP options and an LDAP directory into a user source.
import fs from 'node:fs';
import type { FirstFactorResult } from '../../domain/first-factor.js';
import { Reason } from '../../domain/reason.js';
import type { RequestContext } from '../../domain/request-context.js';
import {
  LdapConfigError,
  type LdapDisabledCheck,
  type LdapGroupSource,
  type LdapOptions,
  type LdapUserLookup,
  validateLdapOptions,
} from './ldap-config.js';
import type { LdapDirectory } from './ldap-directory.js';
import { LdapFailure } from './ldap-failure.js';

/** One `directories.<name>` entry after defaults (mirrors `src/config/policy-schema.ts`; see docs/ldap.md). */
export interface LdapDirectoryConfig {
  readonly url: string;
  readonly startTls: boolean;
  readonly tlsCaFile: string;
  readonly bindDnTemplate: string;
  readonly serviceDn: string;
  readonly servicePasswordFile: string;
  readonly searchBase: string;
  readonly searchFilter: string;
  readonly nameAttribute: string;
  readonly groups: 'none' | 'memberOf' | 'search';
  readonly groupAttribute: string;
  readonly groupSearchBase: string;
  readonly groupFilter: string;
  readonly groupNameAttribute: string;
  readonly disabledCheck: 'none' | 'userAccountControl' | 'attribute';
  readonly disabledAttribute: string;
  readonly disabledValue: string;
  readonly timeoutMs: number;
  readonly poolSize: number;
}

/** A user source backed by one directory; structurally a `FirstFactorSource` of src/auth/realm-first-factor.ts. */
export interface LdapSource {
  check(name: string, password: Uint8Array, context?: RequestContext): Promise<FirstFactorResult>;
  close(): Promise<void>;
}

const REASONS: Record<LdapFailure, Reason> = {
  [LdapFailure.UserUnknown]: Reason.UserUnknown,
  [LdapFailure.BadPassword]: Reason.BadPassword,
  [LdapFailure.UserDisabled]: Reason.UserDisabled,
  [LdapFailure.DirectoryUnavailable]: Reason.DirectoryUnavailable,
  [LdapFailure.DirectoryTimeout]: Reason.DirectoryTimeout,
  [LdapFailure.IdentityAmbiguous]: Reason.IdentityAmbiguous,
};

/** Reads a file named by the config, so a wrong path fails at start-up with the key that names it. */
function readConfigFile(key: string, file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new LdapConfigError(`${key}: cannot read "${file}" (${typeof code === 'string' ? code : error})`, {
      cause: error,
    });
  }
}

function readSecretFile(key: string, file: string): string {
  // Files written by `echo` or an editor end in a newline that is not part of the password.
  const secret = readConfigFile(key, file).replace(/\r?\n$/, '');
  if (secret === '') throw new LdapConfigError(`${key}: "${file}" is empty; expected the service password`);
  return secret;
}

/**
 * Builds the options of `directories.<name>`: a non-empty `bindDnTemplate` means the DN template lookup,
 * otherwise search-then-bind with the service account (whose password file is read now).
 * @throws LdapConfigError whose message starts with the offending key, `directories.<name>.<key>: …`
 */
export function ldapOptionsFromConfig(name: string, config: LdapDirectoryConfig): LdapOptions {
  const key = (field: string) => `directories.${name}.${field}`;
  const fail = (field: string, expected: string): never => {
    throw new LdapConfigError(`${key(field)}: expected ${expected}`);
  };

  let userLookup: LdapUserLookup;
  if (config.bindDnTemplate !== '') {
    userLookup = { kind: 'template', bindDnTemplate: config.bindDnTemplate };
  } else if (config.serviceDn !== '' || config.searchBase !== '') {
    if (config.serviceDn === '') fail('serviceDn', 'the DN of the service account that searches for users');
    if (config.searchBase === '') fail('searchBase', 'the base DN under which users are searched');
    if (config.servicePasswordFile === '') fail('servicePasswordFile', 'a file holding the service password');
    userLookup = {
      kind: 'search',
      serviceDn: config.serviceDn,
      servicePassword: readSecretFile(key('servicePasswordFile'), config.servicePasswordFile),
      searchBase: config.searchBase,
      searchFilter: config.searchFilter,
    };
  } else {
    return fail(
      'bindDnTemplate',
      'a DN template, or serviceDn + searchBase + servicePasswordFile for search',
    );
  }

  let groups: LdapGroupSource;
  if (config.groups === 'none') groups = { kind: 'none' };
  else if (config.groups === 'memberOf') groups = { kind: 'memberOf', attribute: config.groupAttribute };
  else {
    if (config.groupSearchBase === '') fail('groupSearchBase', 'a base DN when groups is "search"');
    groups = {
      kind: 'search',
      groupSearchBase: config.groupSearchBase,
      groupFilter: config.groupFilter,
      groupNameAttribute: config.groupNameAttribute,
    };
  }

  let disabledCheck: LdapDisabledCheck;
  if (config.disabledCheck === 'attribute') {
    if (config.disabledAttribute === '')
      fail('disabledAttribute', 'an attribute when disabledCheck is "attribute"');
    if (config.disabledValue === '') fail('disabledValue', 'a value when disabledCheck is "attribute"');
    disabledCheck = { kind: 'attribute', attribute: config.disabledAttribute, value: config.disabledValue };
  } else disabledCheck = { kind: config.disabledCheck };

  const options: LdapOptions = {
    url: config.url,
    startTls: config.startTls,
    ...(config.tlsCaFile === '' ? {} : { tlsCaFile: config.tlsCaFile }),
    userLookup,
    ...(config.nameAttribute === '' ? {} : { nameAttribute: config.nameAttribute }),
    groups,
    disabledCheck,
    timeoutMs: config.timeoutMs,
    poolSize: config.poolSize,
  };
  try {
    validateLdapOptions(options);
  } catch (error) {
    // The validator speaks of `ldap.<field>`; the operator's file says `directories.<name>.<key>`.
    if (error instanceof LdapConfigError) {
      const field = /^ldap\.servicePassword:/.test(error.message) ? 'servicePasswordFile' : undefined;
      const message = error.message.replace(/^ldap\.(\w+)/, (_, f: string) => key(field ?? f));
      throw new LdapConfigError(message, { cause: error });
    }
    throw error;
  }
  if (options.tlsCaFile !== undefined) readConfigFile(key('tlsCaFile'), options.tlsCaFile);
  return options;
}

/**
 * Wraps a directory as the user source `name`: LDAP failures become reasons, groups are group names,
 * and the identity's source is the directory name.
 */
export function createLdapSource(name: string, directory: LdapDirectory): LdapSource {
  return {
    async check(user, password, context) {
      try {
        const result = await directory.authenticate(user, password, context);
        // Issue 12: the identity is the name the directory stores, not what was typed (`LARA`, ` lara`, `ｌａｒａ`).
        if (result.ok)
          return { ok: true, identity: { name: result.name, groups: result.groups, source: name } };
        return { ok: false, reason: REASONS[result.reason], name: user };
      } catch {
        // authenticate() promises not to throw; if it does, fail closed.
        return { ok: false, reason: Reason.InternalError, name: user };
      }
    },
    close: () => directory.close(),
  };
}
