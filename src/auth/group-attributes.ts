// Owns the group → reply attribute mapping: what an Access-Accept carries for a user's groups (PROTOCOL §3).
import type { ReplyAttribute } from '../domain/decision.js';

/** The group that applies to every user. */
export const EVERYONE = '*';

export type GroupAttributes = (groups: readonly string[]) => readonly ReplyAttribute[];

/**
 * Builds the mapping from `replyAttributes` (group → attributes). The result lists `*` first, then the user's
 * groups in their order; an attribute given by two groups with the same value is sent once. Users whose groups
 * map to nothing share one frozen empty list, so the common case allocates nothing.
 */
export function createGroupAttributes(
  byGroup: Readonly<Record<string, readonly ReplyAttribute[]>>,
): GroupAttributes {
  const everyone = Object.freeze([...(byGroup[EVERYONE] ?? [])]);
  const mapped = new Map(
    Object.entries(byGroup).filter(([group, list]) => group !== EVERYONE && list.length > 0),
  );
  // A cached user's groups are one stable array: the same list object back lets the reply encoding be memoised.
  const memo = new WeakMap<readonly string[], readonly ReplyAttribute[]>();
  const build = (groups: readonly string[]): readonly ReplyAttribute[] => {
    let out: ReplyAttribute[] | undefined;
    for (const group of groups) {
      const list = mapped.get(group);
      if (list === undefined) continue;
      out ??= [...everyone];
      for (const attribute of list) {
        if (!out.some((seen) => seen.name === attribute.name && seen.value === attribute.value))
          out.push(attribute);
      }
    }
    return out ?? everyone;
  };
  return (groups) => {
    if (groups.length === 0) return everyone;
    let list = memo.get(groups);
    if (list === undefined) {
      list = Object.freeze(build(groups));
      memo.set(groups, list);
    }
    return list;
  };
}
