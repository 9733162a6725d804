// Owns the realm router: picks the first-factor sources for `user@realm` / `REALM\user` and tries them in order.
import { type Awaitable, whenReady } from '../domain/awaitable.js';
import type { FirstFactor, FirstFactorResult, Identity, ResolvedName } from '../domain/first-factor.js';
import { Reason } from '../domain/reason.js';
import type { RequestContext } from '../domain/request-context.js';
import { LOCAL_SOURCE } from './local-first-factor.js';

/** One user source (local database, one LDAP directory). Never throws for expected failures. */
export interface FirstFactorSource {
  /** Checks a bare name (realm already stripped). A plain value when all work was synchronous. */
  check(
    name: string,
    password: Uint8Array,
    context?: RequestContext,
  ): FirstFactorResult | Promise<FirstFactorResult>;
  close?(): Promise<void>;
}

export interface RealmFirstFactorDeps {
  /** Source name (`local`, or a `directories.<name>` key) → source. */
  readonly sources: ReadonlyMap<string, FirstFactorSource>;
  /** `realms.default`: sources for a name without a realm, in order. */
  readonly defaultSources: readonly string[];
  /** `realms.map`: realm (any case) → sources, in order. */
  readonly realmMap: Readonly<Record<string, readonly string[]>>;
  /** Groups of the local record of a bare name; empty when there is none. */
  readonly localGroups: (name: string) => Awaitable<readonly string[]>;
}

/** A typed name split into its realm (lower-cased, absent without one) and bare name. */
export type ParsedName =
  | { readonly ok: true; readonly name: string; readonly realm: string | undefined }
  | { readonly ok: false; readonly reason: Reason };

/**
 * Splits `alice@corp.example` (at the last `@`) and `CORP\alice` (at the first `\`). `@` wins when both
 * appear, so `CORP\alice@corp.example` is `CORP\alice` in realm `corp.example`. Empty parts are invalid.
 */
export function parseTypedName(typed: string): ParsedName {
  const at = typed.lastIndexOf('@');
  const slash = at === -1 ? typed.indexOf('\\') : -1;
  if (at === -1 && slash === -1) {
    return typed === ''
      ? { ok: false, reason: Reason.UserNameInvalid }
      : { ok: true, name: typed, realm: undefined };
  }
  const [name, realm] =
    at !== -1 ? [typed.slice(0, at), typed.slice(at + 1)] : [typed.slice(slash + 1), typed.slice(0, slash)];
  if (name === '' || realm === '') return { ok: false, reason: Reason.UserNameInvalid };
  return { ok: true, name, realm: realm.toLowerCase() };
}

/** Directory groups first, then local groups not already present. Keeps the identity when nothing is added. */
function withLocalGroups(identity: Identity, local: readonly string[]): Identity {
  const extra = local.filter((g) => !identity.groups.includes(g));
  if (extra.length === 0) return identity;
  return { ...identity, groups: [...new Set([...identity.groups, ...extra])] };
}

function checkSourceNames(
  key: string,
  names: readonly string[],
  sources: ReadonlyMap<string, FirstFactorSource>,
): void {
  for (const name of names) {
    if (!sources.has(name)) {
      const known = [...sources.keys()].join(', ') || '(none)';
      throw new Error(`${key}: unknown source "${name}"; expected one of: ${known}`);
    }
  }
}

/**
 * Builds the FirstFactor that routes a typed name to its sources. A source is skipped on USER_UNKNOWN or
 * NO_PASSWORD (a local record without password may exist only to hold tokens and groups of a directory user);
 * any other answer is final. Stays synchronous while every source answers synchronously.
 * @throws Error naming `realms.default` or `realms.map.<realm>` when it lists a source that does not exist,
 *   or when two realms differ only in case
 */
export function createRealmFirstFactor(deps: RealmFirstFactorDeps): FirstFactor {
  const { sources, localGroups } = deps;
  checkSourceNames('realms.default', deps.defaultSources, sources);
  const realms = new Map<string, readonly FirstFactorSource[]>();
  for (const [realm, names] of Object.entries(deps.realmMap)) {
    checkSourceNames(`realms.map.${realm}`, names, sources);
    const key = realm.toLowerCase();
    if (realms.has(key)) throw new Error(`realms.map.${realm}: another realm differs from it only in case`);
    realms.set(
      key,
      names.map((n) => sources.get(n)!),
    );
  }
  const defaults = deps.defaultSources.map((n) => sources.get(n)!);

  const route = (typed: string): { name: string; chain: readonly FirstFactorSource[] } | Reason => {
    const parsed = parseTypedName(typed);
    if (!parsed.ok) return parsed.reason;
    if (parsed.realm === undefined) return { name: parsed.name, chain: defaults };
    const chain = realms.get(parsed.realm);
    return chain === undefined ? Reason.RealmUnknown : { name: parsed.name, chain };
  };

  // A local identity already carries the local record's groups: no second lookup of the same user. A directory
  // identity's local record is the one of its stored name, not of the typed spelling (issue 12).
  const settle = (result: FirstFactorResult): Awaitable<FirstFactorResult> => {
    if (!result.ok || result.identity.source === LOCAL_SOURCE) return result;
    const identity = result.identity;
    return whenReady(
      localGroups(identity.name),
      (groups): FirstFactorResult => ({ ok: true, identity: withLocalGroups(identity, groups) }),
    );
  };

  const tryFrom = (
    chain: readonly FirstFactorSource[],
    index: number,
    name: string,
    password: Uint8Array,
    last: FirstFactorResult,
    context: RequestContext | undefined,
  ): FirstFactorResult | Promise<FirstFactorResult> => {
    for (let i = index; i < chain.length; i++) {
      let result: FirstFactorResult | Promise<FirstFactorResult>;
      try {
        result = chain[i]!.check(name, password, context);
      } catch {
        // A source broke its contract; fail closed rather than trying the next one with the same password.
        return { ok: false, reason: Reason.InternalError, name };
      }
      if (result instanceof Promise) {
        return result.then(
          (r) => (passOn(r) ? tryFrom(chain, i + 1, name, password, r, context) : settle(r)),
          (): FirstFactorResult => ({ ok: false, reason: Reason.InternalError, name }),
        );
      }
      if (!passOn(result)) return settle(result);
      last = result;
    }
    return last;
  };

  return {
    resolveName(typed): ResolvedName {
      const routed = route(typed);
      return typeof routed === 'string' ? { ok: false, reason: routed } : { ok: true, name: routed.name };
    },
    check(typed, password, context) {
      const routed = route(typed);
      if (typeof routed === 'string') return { ok: false, reason: routed };
      const { name, chain } = routed;
      // No source at all (`realms.default: []`): a realm is required.
      if (chain.length === 0) return { ok: false, reason: Reason.RealmUnknown, name };
      return tryFrom(chain, 0, name, password, { ok: false, reason: Reason.UserUnknown, name }, context);
    },
    groupsOf: (name) => localGroups(name),
    async close() {
      await Promise.all([...sources.values()].map((s) => s.close?.()));
    },
  };
}

function passOn(result: FirstFactorResult): boolean {
  return !result.ok && (result.reason === Reason.UserUnknown || result.reason === Reason.NoPassword);
}
