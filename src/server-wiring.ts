// Owns turning the configuration into the server's parts and checking it: dictionaries, user sources, warnings.

import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { LOCAL_SOURCE, type LocalFirstFactor } from './auth/local-first-factor.js';
import { createRealmFirstFactor, type FirstFactorSource } from './auth/realm-first-factor.js';
import { graceDateProblem } from './auth/second-factor-policy.js';
import type { Config } from './config/config-schema.js';
import { createLdapSources } from './directory/ldap/ldap-sources.js';
import type { Client } from './domain/client.js';
import type { FirstFactor } from './domain/first-factor.js';
import { pushConfigProblems } from './push-delivery-wiring.js';
import { standardDictionary } from './radius/dictionary.js';
import { loadDictionaryFile } from './radius/dictionary-file.js';
import { encodeNamedAttributes } from './radius/reply-attributes.js';

/** Loads extra vendor dictionaries; a bad file stops the start with its name and line. */
export function loadDictionary(config: Config) {
  const dictionary = standardDictionary();
  for (const file of config.radius.dictionaries) {
    const loaded = loadDictionaryFile(dictionary, readFileSync(file, 'utf8'));
    if (!loaded.ok) throw new Error(`radius.dictionaries: ${file}: ${loaded.errors.join('; ')}`);
  }
  return dictionary;
}

/** The local users alone, names taken whole (no realms): the default, and the REST API's password check. */
export function localOnlyFirstFactor(local: LocalFirstFactor): FirstFactor {
  return {
    resolveName: (typed) => ({ ok: true, name: typed }),
    check: local.check,
    groupsOf: local.groupsOf,
  };
}

/**
 * Local users, LDAP directories and realms. Without directories or realm map, names pass through whole, so local
 * users named like `alice@example.com` keep working as before realms existed.
 */
export function buildFirstFactor(config: Config, local: LocalFirstFactor, logger: Logger): FirstFactor {
  const realmsUsed = Object.keys(config.directories).length > 0 || Object.keys(config.realms.map).length > 0;
  if (!realmsUsed && config.realms.default.length === 1 && config.realms.default[0] === LOCAL_SOURCE) {
    return localOnlyFirstFactor(local);
  }
  if (LOCAL_SOURCE in config.directories) {
    throw new Error(
      `directories.${LOCAL_SOURCE}: the name "${LOCAL_SOURCE}" is reserved for the local users`,
    );
  }
  const ldap = createLdapSources(config.directories, logger);
  return createRealmFirstFactor({
    sources: new Map<string, FirstFactorSource>([[LOCAL_SOURCE, local], ...ldap]),
    defaultSources: config.realms.default,
    realmMap: config.realms.map,
    localGroups: local.groupsOf,
  });
}

/**
 * Checks what the schema alone cannot: dictionary files load, reply attributes exist in the dictionary, realms
 * name known sources. `serve` refuses to start on any of these and `assent config check` lists them all.
 */
export function checkWiring(config: Config): string[] {
  const problems: string[] = [];
  let dictionary: ReturnType<typeof standardDictionary> | undefined;
  try {
    dictionary = loadDictionary(config);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (dictionary !== undefined) {
    for (const [group, attributes] of Object.entries(config.replyAttributes)) {
      const encoded = encodeNamedAttributes(dictionary, attributes);
      if (!encoded.ok) problems.push(`replyAttributes.${group}: ${encoded.error}`);
    }
  }
  // Issue 18: a grace date the calendar does not have would silently mean "no grace".
  const graceDates: [string, string][] = [
    ['secondFactor.graceUntil', config.secondFactor.graceUntil],
    ...Object.entries(config.secondFactor.groups).map(([group, o]): [string, string] => [
      `secondFactor.groups.${group}.graceUntil`,
      o.graceUntil ?? '',
    ]),
  ];
  for (const [key, date] of graceDates) {
    const problem = graceDateProblem(date);
    if (problem !== undefined) problems.push(`${key}: ${problem}`);
  }
  const known = new Set([LOCAL_SOURCE, ...Object.keys(config.directories)]);
  if (LOCAL_SOURCE in config.directories) {
    problems.push(`directories.${LOCAL_SOURCE}: the name "${LOCAL_SOURCE}" is reserved for the local users`);
  }
  const sourceLists: [string, readonly string[]][] = [
    ['realms.default', config.realms.default],
    ...Object.entries(config.realms.map).map(([realm, list]): [string, readonly string[]] => [
      `realms.map.${realm}`,
      list,
    ]),
  ];
  for (const [key, list] of sourceLists) {
    for (const source of list) {
      if (!known.has(source)) {
        problems.push(`${key}: unknown source "${source}"; expected one of: ${[...known].join(', ')}`);
      }
    }
  }
  // Issue 12: what `serve` would fail to bind is caught by `config check` too.
  for (const [key, address] of [
    ...config.radius.bind.map((a, i): [string, string] => [`radius.bind[${i}]`, a]),
    ['http.public.bind', config.http.public.bind] as [string, string],
    ['http.admin.bind', config.http.admin.bind] as [string, string],
  ]) {
    if (isIP(address) === 0) problems.push(`${key}: expected an IPv4 or IPv6 address, got "${address}"`);
  }
  problems.push(...pushConfigProblems(config));
  for (const name of Object.keys(config.secondFactor.clients)) {
    if (config.secondFactor.clients[name]?.mode === 'otp-only' && config.secondFactor.clients[name]?.exempt) {
      problems.push(
        `secondFactor.clients.${name}: otp-only and exempt together would let anyone in with no factor`,
      );
    }
  }
  return problems;
}

/**
 * Issue 12: `secondFactor.clients.<name>` naming no RADIUS client is probably a typo, but clients may be added
 * later, so it is a warning (here, at SIGHUP and in `config check`), not an error.
 */
export function unknownPolicyClients(config: Config, clients: readonly Client[]): string[] {
  const names = new Set(clients.map((c) => c.name));
  return Object.keys(config.secondFactor.clients)
    .filter((name) => !names.has(name))
    .map(
      (name) =>
        `secondFactor.clients.${name}: no RADIUS client is named "${name}" (yet); its settings apply to none`,
    );
}

export function warnAboutPolicyClients(config: Config, clients: readonly Client[], logger: Logger): void {
  for (const warning of unknownPolicyClients(config, clients)) {
    logger.warn({ event: 'config.unknown_client' }, warning);
  }
}

/** SECURITY A2.4, A5.1, A5.3: say at start which clients run with weakened protection. */
export function warnAboutClients(clients: readonly Client[], logger: Logger): void {
  for (const client of clients) {
    if (!client.requireMessageAuthenticator && !client.limitProxyState) {
      logger.warn(
        { event: 'config.unsafe', client: client.name },
        'client has requireMessageAuthenticator and limitProxyState off: open to BlastRADIUS (CVE-2024-3596) forgery',
      );
    }
    if (client.secret.length <= 12) {
      logger.warn(
        { event: 'config.unsafe', client: client.name },
        'client shared secret is 12 octets or shorter',
      );
    }
  }
}
