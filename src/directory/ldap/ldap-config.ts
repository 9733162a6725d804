// Owns the typed options of the LDAP / Active Directory first factor and their start-up validation.

/** How the user's DN is found: a fixed template, or a search made with a service account. */
export type LdapUserLookup =
  | {
      readonly kind: 'template';
      /** e.g. `uid={user},ou=people,dc=example,dc=test`; `{user}` is RFC 4514-escaped. */
      readonly bindDnTemplate: string;
    }
  | {
      readonly kind: 'search';
      readonly serviceDn: string;
      readonly servicePassword: string;
      readonly searchBase: string;
      /** e.g. `(uid={user})` or `(sAMAccountName={user})`; `{user}` is RFC 4515-escaped. */
      readonly searchFilter: string;
    };

/** Where group names come from. */
export type LdapGroupSource =
  | { readonly kind: 'none' }
  /** The `memberOf` attribute of the user entry (AD, or OpenLDAP's memberof overlay). */
  | { readonly kind: 'memberOf'; readonly attribute?: string }
  | {
      readonly kind: 'search';
      readonly groupSearchBase: string;
      /** e.g. `(member={dn})`; `{dn}` and `{user}` are RFC 4515-escaped. */
      readonly groupFilter: string;
      /** Attribute holding the group name; default `cn`. */
      readonly groupNameAttribute?: string;
    };

/** How a disabled account is recognised once its password has verified. */
export type LdapDisabledCheck =
  | { readonly kind: 'none' }
  /** Active Directory: `userAccountControl` bit 0x2 (ACCOUNTDISABLE). */
  | { readonly kind: 'userAccountControl' }
  /** The account is disabled when `attribute` holds `value` (case-insensitive). */
  | { readonly kind: 'attribute'; readonly attribute: string; readonly value: string };

export interface LdapOptions {
  /** `ldap://host:port` or `ldaps://host:port`. */
  readonly url: string;
  /** RFC 4513 §3: upgrade an `ldap://` connection with StartTLS before any bind. */
  readonly startTls: boolean;
  /** PEM CA bundle to verify the server certificate (LDAPS and StartTLS); system CAs when absent. */
  readonly tlsCaFile?: string;
  readonly userLookup: LdapUserLookup;
  /**
   * The attribute whose stored value is the user's canonical name (tokens, lockouts and policy are keyed by it);
   * default: the attribute that `{user}` fills in the template or filter, e.g. `uid` or `sAMAccountName`.
   */
  readonly nameAttribute?: string;
  readonly groups: LdapGroupSource;
  readonly disabledCheck: LdapDisabledCheck;
  /** Budget for one whole authentication: connect, TLS, binds and searches. */
  readonly timeoutMs: number;
  /** Service-account connections kept open for searches (search lookup only). */
  readonly poolSize: number;
}

export class LdapConfigError extends Error {
  override readonly name = 'LdapConfigError';
}

/**
 * Checks options that would otherwise fail on every login.
 * @throws LdapConfigError naming the field and what was expected
 */
export function validateLdapOptions(options: LdapOptions): void {
  const fail = (field: string, expected: string): never => {
    throw new LdapConfigError(`ldap.${field}: expected ${expected}`);
  };
  if (!/^ldaps?:\/\/[^/]+\/?$/i.test(options.url)) fail('url', 'ldap://host[:port] or ldaps://host[:port]');
  if (options.startTls && /^ldaps:/i.test(options.url)) fail('startTls', 'false with an ldaps:// url');
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 10) fail('timeoutMs', 'an integer >= 10');
  if (!Number.isInteger(options.poolSize) || options.poolSize < 1) fail('poolSize', 'an integer >= 1');
  const lookup = options.userLookup;
  if (lookup.kind === 'template') {
    if (!lookup.bindDnTemplate.includes('{user}')) fail('bindDnTemplate', 'a DN containing {user}');
  } else {
    if (!lookup.searchFilter.includes('{user}')) fail('searchFilter', 'a filter containing {user}');
    if (!/^\(.*\)$/s.test(lookup.searchFilter)) fail('searchFilter', 'a parenthesised filter');
    // RFC 4513 §5.1.2: an empty password would make the service bind an unauthenticated one that "succeeds".
    if (lookup.serviceDn === '' || lookup.servicePassword === '')
      fail('servicePassword', 'a non-empty DN and password');
  }
  if (nameAttributeOf(options) === undefined) {
    fail(
      'nameAttribute',
      'the attribute holding the user name (e.g. uid or sAMAccountName), because {user} fills several or none',
    );
  }
  const groups = options.groups;
  if (groups.kind === 'search' && !/^\(.*\)$/s.test(groups.groupFilter)) {
    fail('groupFilter', 'a parenthesised filter such as (member={dn})');
  }
}

/**
 * The attribute whose stored value names the user: `nameAttribute` when set, else the one attribute that `{user}`
 * fills in `attr={user}` of the DN template or `(attr={user})` of the search filter; undefined when that is not one.
 */
export function nameAttributeOf(
  options: Pick<LdapOptions, 'nameAttribute' | 'userLookup'>,
): string | undefined {
  if (options.nameAttribute !== undefined && options.nameAttribute !== '') return options.nameAttribute;
  const lookup = options.userLookup;
  const text = lookup.kind === 'template' ? lookup.bindDnTemplate : lookup.searchFilter;
  const pattern =
    lookup.kind === 'template'
      ? /([A-Za-z][\w-]*)\s*=\s*\{user\}/g
      : /\(\s*([A-Za-z][\w-]*)\s*=\s*\{user\}\s*\)/g;
  const found = new Set([...text.matchAll(pattern)].map((m) => m[1]!.toLowerCase()));
  return found.size === 1 ? [...found][0] : undefined;
}
