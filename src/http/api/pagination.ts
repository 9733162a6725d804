// Owns list pagination of the REST API: `limit` and an `after` cursor (the last key of the previous page).
import { type TSchema, Type } from 'typebox';

export const PageQuery = Type.Object(
  {
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Items per page.' }),
    ),
    after: Type.Optional(
      Type.String({ maxLength: 256, description: 'The `next` of the previous page: items after this key.' }),
    ),
  },
  { additionalProperties: false },
);

/** A page of `item`: `next` is the cursor of the following page, null on the last one. */
export const Page = (item: TSchema) =>
  Type.Object(
    { items: Type.Array(item), next: Type.Union([Type.String(), Type.Null()]) },
    { additionalProperties: false },
  );

/**
 * One page of `sorted` (ascending by `keyOf`). A cursor is a key, not an offset, so an item added or removed
 * between two pages neither repeats nor skips one.
 */
export function pageOf<T, W>(
  sorted: readonly T[],
  query: { limit?: number | undefined; after?: string | undefined },
  keyOf: (item: T) => string,
  wire: (item: T) => W,
): { items: W[]; next: string | null } {
  const limit = query.limit ?? 100;
  const after = query.after;
  const start = after === undefined ? 0 : sorted.findIndex((item) => keyOf(item) > after);
  const from = start === -1 ? sorted.length : start;
  const slice = sorted.slice(from, from + limit);
  const more = from + limit < sorted.length;
  return { items: slice.map(wire), next: more && slice.length > 0 ? keyOf(slice[slice.length - 1]!) : null };
}
