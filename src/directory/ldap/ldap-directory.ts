// Owns the LDAP / Active Directory first factor: find the user, bind as the user, read groups and disabled state.
import type { Client, Entry } from 'ldapts';
import { nameKey } from '../../domain/name-key.js';
import { logFieldsOf, type RequestContext } from '../../domain/request-context.js';
import { type LdapOptions, nameAttributeOf, validateLdapOptions } from './ldap-config.js';
import { destroy, openConnection, tlsOptionsFor, withDeadline } from './ldap-connection.js';
import { escapeDnValue, escapeFilterValue, fillTemplate, firstRdnValue } from './ldap-escape.js';
import { classifyLdapError, LdapFailure } from './ldap-failure.js';
import { createServicePool, type ServicePool } from './ldap-pool.js';

export type LdapResult =
  | {
      readonly ok: true;
      readonly dn: string;
      /** The user's name as the entry stores it (`nameAttribute`), whatever spelling was typed. */
      readonly name: string;
      readonly groups: string[];
    }
  | { readonly ok: false; readonly reason: LdapFailure; readonly detail: string };

/** pino-compatible: merge object first, message second. */
export interface LdapLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface LdapDirectory {
  /** Never throws for expected failures (bad password, unknown user, server down, timeout). */
  /** `context` names the request on its log lines (txn, client). */
  authenticate(user: string, password: Uint8Array, context?: RequestContext): Promise<LdapResult>;
  close(): Promise<void>;
}

const MAX_USER_LENGTH = 256;
const utf8 = new TextDecoder('utf-8', { fatal: true });

class Failure extends Error {
  constructor(
    readonly reason: LdapFailure,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function asFailure(info: { reason: LdapFailure; detail: string }): Failure {
  return new Failure(info.reason, info.detail);
}

function values(entry: Entry | undefined, attribute: string): string[] {
  const key = Object.keys(entry ?? {}).find((k) => k.toLowerCase() === attribute.toLowerCase());
  const raw = key === undefined ? undefined : entry![key];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((v) => (typeof v === 'string' ? v : v.toString('utf8')));
}

/**
 * Creates the LDAP first factor. Options are checked now (a CA file is read now too).
 * @throws LdapConfigError for options that could never work
 */
export function createLdapDirectory(options: LdapOptions, logger?: LdapLogger): LdapDirectory {
  validateLdapOptions(options);
  const tls = tlsOptionsFor(options);
  const lookup = options.userLookup;
  const pool: ServicePool | undefined =
    lookup.kind === 'search'
      ? createServicePool(options, tls, lookup.serviceDn, lookup.servicePassword)
      : undefined;
  const memberOfAttribute =
    options.groups.kind === 'memberOf' ? (options.groups.attribute ?? 'memberOf') : undefined;
  const disabled = options.disabledCheck;
  const disabledAttribute =
    disabled.kind === 'userAccountControl'
      ? 'userAccountControl'
      : disabled.kind === 'attribute'
        ? disabled.attribute
        : undefined;
  const nameAttribute = nameAttributeOf(options)!;
  const wanted = [nameAttribute, memberOfAttribute, disabledAttribute].filter(
    (a): a is string => a !== undefined,
  );

  /**
   * Issue 12: the stored name of the entry. One value is the name; of several (a multi-valued `uid` holding
   * aliases), the one the entry's DN is named by, so every alias maps to the same identity.
   */
  const canonicalName = (dn: string, entry: Entry | undefined): string => {
    const stored = values(entry, nameAttribute);
    if (stored.length === 1) return stored[0]!;
    const rdn = firstRdnValue(dn, nameAttribute);
    const named = rdn === undefined ? [] : stored.filter((v) => nameKey(v) === nameKey(rdn));
    if (named.length === 1) return named[0]!;
    throw new Failure(
      LdapFailure.IdentityAmbiguous,
      `entry ${dn} has ${stored.length} values of ${nameAttribute}${stored.length > 1 ? ', none naming its DN' : ''}`,
    );
  };

  const isDisabled = (entry: Entry | undefined): boolean => {
    if (disabled.kind === 'userAccountControl') {
      // MS-ADTS §2.2.16: userAccountControl bit 0x2 is ACCOUNTDISABLE.
      return values(entry, 'userAccountControl').some((v) => (Number.parseInt(v, 10) & 0x2) !== 0);
    }
    if (disabled.kind === 'attribute') {
      return values(entry, disabled.attribute).some((v) => v.toLowerCase() === disabled.value.toLowerCase());
    }
    return false;
  };

  const findUser = async (
    user: string,
    deadline: number,
  ): Promise<{ dn: string; entry: Entry | undefined }> => {
    if (lookup.kind === 'template') {
      // RFC 4514 §2.4: the name becomes part of a DN, so it is escaped as an attribute value.
      return { dn: fillTemplate(lookup.bindDnTemplate, { user }, escapeDnValue), entry: undefined };
    }
    // RFC 4515 §3: the name goes into a filter; `*` or `)(` must not widen the search.
    const filter = fillTemplate(lookup.searchFilter, { user }, escapeFilterValue);
    const { searchEntries } = await pool!
      .use(deadline, (c) =>
        c.search(lookup.searchBase, { scope: 'sub', filter, attributes: wanted, sizeLimit: 2 }),
      )
      .catch((error: unknown) => {
        throw asFailure(classifyLdapError(error, 'user search'));
      });
    if (searchEntries.length === 0)
      throw new Failure(LdapFailure.UserUnknown, 'user search: no entry matched');
    if (searchEntries.length > 1) {
      throw new Failure(
        LdapFailure.UserUnknown,
        `user search: ${searchEntries.length} entries matched, refusing`,
      );
    }
    return { dn: searchEntries[0]!.dn, entry: searchEntries[0] };
  };

  const groupsOf = async (
    user: string,
    dn: string,
    entry: Entry | undefined,
    client: Client,
    deadline: number,
  ) => {
    const source = options.groups;
    if (source.kind === 'memberOf') {
      const nameAttribute = 'cn';
      return values(entry, memberOfAttribute!).map((g) => firstRdnValue(g, nameAttribute) ?? g);
    }
    if (source.kind !== 'search') return [];
    const filter = fillTemplate(source.groupFilter, { dn, user }, escapeFilterValue);
    const nameAttribute = source.groupNameAttribute ?? 'cn';
    const run = (c: Client) =>
      c.search(source.groupSearchBase, { scope: 'sub', filter, attributes: [nameAttribute] });
    const { searchEntries } = pool
      ? await pool.use(deadline, run)
      : await withDeadline(run(client), deadline, () => destroy(client));
    return searchEntries.flatMap((e) => values(e, nameAttribute));
  };

  const attempt = async (user: string, password: string, deadline: number): Promise<LdapResult> => {
    const found = await findUser(user, deadline);
    let client: Client;
    try {
      client = await openConnection(options, tls, deadline);
    } catch (error) {
      throw asFailure(classifyLdapError(error, 'connect'));
    }
    try {
      try {
        await withDeadline(client.bind(found.dn, password), deadline, () => destroy(client));
      } catch (error) {
        throw asFailure(classifyLdapError(error, 'user bind', true));
      }
      let entry = found.entry;
      try {
        if (entry === undefined) {
          // Template lookup: read the user's own entry with the user's own rights (its stored name at least).
          const read = client.search(found.dn, {
            scope: 'base',
            filter: '(objectClass=*)',
            attributes: wanted,
          });
          entry = (await withDeadline(read, deadline, () => destroy(client))).searchEntries[0];
        }
        if (isDisabled(entry))
          throw new Failure(LdapFailure.UserDisabled, `account disabled (${disabledAttribute})`);
        const name = canonicalName(entry?.dn ?? found.dn, entry);
        // `{user}` in a group filter is the stored name too (`memberUid` matches case-exactly).
        const groups = await groupsOf(name, found.dn, entry, client, deadline);
        return { ok: true, dn: found.dn, name, groups };
      } catch (error) {
        if (error instanceof Failure) throw error;
        throw asFailure(classifyLdapError(error, 'entry and group read'));
      }
    } finally {
      destroy(client);
    }
  };

  const fail = (
    user: string,
    reason: LdapFailure,
    detail: string,
    context: RequestContext | undefined,
  ): LdapResult => {
    // Issue 12 item 11: the line carries the request's txn and client, so one login reads as one thread.
    const fields = { ...logFieldsOf(context), user, reason, detail, url: options.url };
    if (reason === LdapFailure.DirectoryUnavailable || reason === LdapFailure.DirectoryTimeout) {
      logger?.warn(fields, `LDAP directory problem: ${detail}`);
    } else {
      logger?.info(fields, `LDAP login refused: ${detail}`);
    }
    return { ok: false, reason, detail };
  };

  return {
    async authenticate(user, passwordBytes, context) {
      // Refused before any network traffic; the reason costs nothing to compute.
      if (user === '' || user.length > MAX_USER_LENGTH || /[\u0000-\u001f\u007f]/.test(user)) {
        return fail(
          user,
          LdapFailure.UserUnknown,
          'user name empty, too long or with control characters',
          context,
        );
      }
      // RFC 4513 §5.1.2: a simple bind with a DN and an empty password is an unauthenticated bind, which
      // servers answer with success. Refuse it here, before any bind.
      if (passwordBytes.length === 0)
        return fail(user, LdapFailure.BadPassword, 'empty password refused before bind', context);
      let password: string;
      try {
        password = utf8.decode(passwordBytes);
      } catch {
        return fail(user, LdapFailure.BadPassword, 'password is not valid UTF-8 (RFC 4513 §5.1.1)', context);
      }
      const deadline = Date.now() + options.timeoutMs;
      try {
        return await attempt(user, password, deadline);
      } catch (error) {
        const failure =
          error instanceof Failure ? error : asFailure(classifyLdapError(error, 'authenticate'));
        return fail(user, failure.reason, failure.detail, context);
      }
    },
    async close() {
      await pool?.close();
    },
  };
}
