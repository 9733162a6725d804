// Owns the PushSender port: how a push request reaches a device's push service (Web Push, ntfy/UnifiedPush).

/** A Web Push subscription as PushManager.subscribe() returns it (keys base64url, RFC 8291 §3). */
export interface WebPushSubscription {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

/**
 * A device reached through a push service (docs/push.md §6). Both kinds carry the same RFC 8291 message to an
 * RFC 8030 endpoint; they differ in how the server identifies itself to the service.
 */
export type PushServiceDelivery =
  /** A browser's subscription: the server signs each request with its VAPID key (RFC 8292). */
  | { readonly kind: 'webpush'; readonly subscription: WebPushSubscription }
  /**
   * A ntfy (UnifiedPush) topic: no VAPID. ntfy does not implement it (ntfy issue #1544) and reads `Authorization`
   * as its own user credentials (a VAPID header got UnifiedPush messages refused with 401, ntfy issue #629).
   */
  | { readonly kind: 'ntfy'; readonly subscription: WebPushSubscription };

/** One delivery, as the sender concludes it after its own retries. */
export type DeliveryResult =
  /** The push service took the message (2xx). */
  | { readonly kind: 'sent'; readonly status: number }
  /** RFC 8030 §7.3: 404/410, the subscription is gone: the device's subscription should be removed. */
  | { readonly kind: 'gone'; readonly status: number }
  /** 400/401/403/413: our request or our VAPID identity is wrong; a configuration error, the device is kept. */
  | { readonly kind: 'rejected'; readonly status: number; readonly detail: string }
  /** Network errors, 5xx, 429 or 507 that did not clear before the deadline. */
  | { readonly kind: 'failed'; readonly status?: number; readonly detail: string };

export interface DeliveryOptions {
  /** Seconds the push service may keep the message (RFC 8030 §5.2 TTL). */
  readonly ttlSeconds: number;
  /** RFC 8030 §5.4: a newer message with the same topic replaces an undelivered older one. ≤ 32 base64url. */
  readonly topic: string;
  /** Epoch ms after which no retry is made (the push window's end). */
  readonly deadline: number;
}

/** Sends one encrypted message; never throws for delivery failures (they are results). */
export interface PushSender {
  /** Whether this sender can deliver to `kind` (Web Push needs a configured VAPID identity; ntfy needs none). */
  reaches(kind: PushServiceDelivery['kind']): boolean;
  send(delivery: PushServiceDelivery, payload: string, options: DeliveryOptions): Promise<DeliveryResult>;
}
