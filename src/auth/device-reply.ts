// Owns the shape of what the device use cases answer, before the HTTP layer sends it (docs/push.md §3, §5, §6).

/** A status and a JSON body; the HTTP layer maps nothing else. */
export interface DeviceReply {
  readonly status: 200 | 201 | 400 | 401 | 409 | 429;
  readonly body: unknown;
}

/** SECURITY A8.6: every failed proof gets exactly this, whatever failed; the log says which check it was. */
export const UNAUTHORIZED: DeviceReply = Object.freeze({
  status: 401,
  body: Object.freeze({ error: 'unauthorized' }),
});

export const badRequest = (detail: string): DeviceReply => ({
  status: 400,
  body: { error: 'bad_request', detail },
});

/** Reads `body` as an object whose listed fields are all strings (and no others); undefined otherwise. */
export function stringFields<K extends string>(
  body: unknown,
  required: readonly K[],
  optional: readonly K[] = [],
): Record<K, string> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const allowed = new Set<string>([...required, ...optional]);
  for (const key of Object.keys(record)) if (!allowed.has(key)) return undefined;
  const out: Record<string, string> = {};
  for (const key of allowed) {
    const value = record[key];
    if (value === undefined && !required.includes(key as K)) {
      out[key] = '';
      continue;
    }
    if (typeof value !== 'string' || value.length > 512) return undefined;
    out[key] = value;
  }
  return out as Record<K, string>;
}

/** docs/push.md §2: an ISO 8601 UTC time within `skewMs` of `now`; its epoch ms, or undefined. */
export function freshTime(text: string, now: number, skewMs: number): number | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isFinite(at) && Math.abs(at - now) <= skewMs ? at : undefined;
}
