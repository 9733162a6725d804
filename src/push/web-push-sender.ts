// Owns delivering one push request to a push service (Web Push, ntfy) with web-push, retries included.
import type { Agent } from 'node:https';
import webpush, { WebPushError } from 'web-push';
import type {
  DeliveryOptions,
  DeliveryResult,
  PushSender,
  PushServiceDelivery,
} from '../domain/push-delivery.js';

export interface WebPushSenderOptions {
  /** The VAPID identity for Web Push; undefined: no Web Push delivery (ntfy topics still get their messages). */
  readonly vapid?: { readonly subject: string; readonly publicKey: string; readonly privateKey: string };
  /** Extra trust for push services (a site's own ntfy server behind a private CA); undefined: the system's. */
  readonly agent?: Agent;
  /** Injectable for tests. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** A single request never waits longer than this for the push service. */
const REQUEST_TIMEOUT_MS = 10_000;
const FIRST_BACKOFF_MS = 500;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** RFC 9110 §10.2.3: Retry-After is delay-seconds or an HTTP date; ms to wait, or undefined when unreadable. */
function retryAfterMs(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/**
 * Sends with TTL, `Urgency: high` and `Topic` (RFC 8030 §5.2–5.4), body encrypted as `aes128gcm` (RFC 8291), and
 * for Web Push a VAPID JWT (RFC 8292). A ntfy topic gets the same request without `Authorization`: ntfy does not
 * implement VAPID and would read the header as its own credentials. Outcomes: 2xx sent; 404/410 gone (the
 * subscription or topic ended); 400/401/403/413 rejected (our request or identity is wrong: a configuration
 * problem, the device is kept); 429 waits its Retry-After; 5xx, 507 (ntfy: the UnifiedPush topic has had no
 * subscriber yet) and network errors are retried with backoff until the push's deadline.
 */
export function createWebPushSender(options: WebPushSenderOptions): PushSender {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? pause;
  const vapidDetails = options.vapid === undefined ? undefined : { ...options.vapid };

  const attempt = async (
    delivery: PushServiceDelivery,
    payload: string,
    settings: DeliveryOptions,
  ): Promise<DeliveryResult | { retry: number | undefined; status?: number; detail: string }> => {
    const left = settings.deadline - now();
    const { endpoint, keys } = delivery.subscription;
    try {
      // web-push adds Authorization only when vapidDetails is given (and no module-wide identity is set).
      const identity = delivery.kind === 'webpush' && vapidDetails !== undefined ? { vapidDetails } : {};
      const result = await webpush.sendNotification({ endpoint, keys: { ...keys } }, payload, {
        ...identity,
        TTL: settings.ttlSeconds,
        urgency: 'high',
        topic: settings.topic,
        contentEncoding: 'aes128gcm',
        timeout: Math.max(1, Math.min(REQUEST_TIMEOUT_MS, left)),
        ...(options.agent === undefined ? {} : { agent: options.agent }),
      });
      return { kind: 'sent', status: result.statusCode };
    } catch (error) {
      if (!(error instanceof WebPushError)) return { retry: undefined, detail: (error as Error).message };
      const status = error.statusCode;
      if (status === 404 || status === 410) return { kind: 'gone', status };
      if (status === 429) {
        return { retry: retryAfterMs(error.headers['retry-after'], now()), status, detail: 'rate limited' };
      }
      if (status >= 500) return { retry: undefined, status, detail: `push service answered ${status}` };
      return { kind: 'rejected', status, detail: error.body.slice(0, 200) };
    }
  };

  const reaches = (kind: PushServiceDelivery['kind']) => kind === 'ntfy' || vapidDetails !== undefined;

  return {
    reaches,
    async send(delivery, payload, settings) {
      // A Web Push service refuses a message without VAPID; sending one would only earn a misleading 401/403.
      if (!reaches(delivery.kind)) return { kind: 'failed', detail: 'no VAPID identity (push.vapidSubject)' };
      let backoff = FIRST_BACKOFF_MS;
      for (;;) {
        const outcome = await attempt(delivery, payload, settings);
        if ('kind' in outcome) return outcome;
        const wait = outcome.retry ?? backoff;
        backoff *= 2;
        // Within the push window only: a message that arrives after the login ended is useless.
        if (now() + wait >= settings.deadline) {
          return outcome.status === undefined
            ? { kind: 'failed', detail: outcome.detail }
            : { kind: 'failed', status: outcome.status, detail: outcome.detail };
        }
        await sleep(wait);
      }
    },
  };
}
