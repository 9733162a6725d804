// Owns getting a Web Push subscription for enrollment (RFC 8030 via the Push API), with the server's VAPID key
// (RFC 8292), and deciding to poll instead when that is not possible; the reason is kept and shown.
import { buffer, fromBase64url } from './b64.js';

export type Delivery =
  | { readonly kind: 'webpush'; readonly endpoint: string; readonly keys: { p256dh: string; auth: string } }
  | { readonly kind: 'poll' };

export interface DeliveryChoice {
  readonly delivery: Delivery;
  /** Empty with push; else why the device polls, for the user. */
  readonly note: string;
  /** Undone when the enrollment fails, so the browser keeps no orphan subscription. */
  readonly subscription?: PushSubscription;
  /** The user (or the browser) refused notifications: the app says how to allow them. */
  readonly refused?: boolean;
}

/**
 * A subscribe that never answers is normal, not rare: Chromium without its push service (offline, or no Google
 * services) waits forever, so the app waits this long and then polls (docs/authenticator.md).
 */
export const SUBSCRIBE_TIMEOUT_MS = 8_000;

/** iPhone and iPad Safari (also iPadOS that says it is a Mac). */
export function isIos(): boolean {
  const ua = navigator.userAgent;
  return /iPhone|iPad|iPod/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1);
}

/** Running as an installed app (home screen / app window), not in a browser tab. */
export function isInstalled(): boolean {
  const standalone = (navigator as Navigator & { standalone?: boolean }).standalone;
  return standalone === true || matchMedia('(display-mode: standalone)').matches;
}

/** iOS 16.4+ gives Web Push only to apps added to the home screen; in Safari the Push API is simply absent. */
export const iosNeedsInstall = () => isIos() && !isInstalled();

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const poll = (note: string, refused = false): DeliveryChoice => ({
  delivery: { kind: 'poll' },
  note,
  ...(refused ? { refused } : {}),
});

const pushApi = () => 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;

/**
 * Asks for permission to notify. Call it synchronously inside the click that enrolls, before anything is awaited:
 * Safari and Firefox show the prompt only within a user gesture.
 */
export function askNotifications(): Promise<NotificationPermission | 'unsupported'> {
  if (!pushApi()) return Promise.resolve('unsupported');
  if (Notification.permission !== 'default') return Promise.resolve(Notification.permission);
  return Notification.requestPermission();
}

/** A subscription with the server's VAPID key when the permission was given and the browser answers in time. */
export async function chooseDelivery(
  vapidPublicKey: string,
  permission: NotificationPermission | 'unsupported',
  timeoutMs = SUBSCRIBE_TIMEOUT_MS,
) {
  if (vapidPublicKey === '') return poll('this server does not send notifications');
  if (permission === 'unsupported') {
    return poll(iosNeedsInstall() ? 'not added to the Home Screen' : 'this browser has no Web Push');
  }
  if (permission !== 'granted') return poll('notifications are not allowed', true);
  const key = fromBase64url(vapidPublicKey);
  if (key === undefined) return poll('the server sent a bad notification key');
  try {
    const registration = await navigator.serviceWorker.ready;
    const existing = await registration.pushManager.getSubscription();
    // One subscription per app and VAPID key: a second server with another key needs the old one gone.
    if (existing !== null && !sameKey(existing, key))
      return poll('notifications already go to another server');
    const subscribing = registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: buffer(key),
    });
    const subscription = existing ?? (await withTimeout(subscribing, timeoutMs));
    if (subscription === 'timeout') return poll("the browser's push service did not answer");
    const json = subscription.toJSON();
    const p256dh = json.keys?.p256dh;
    const auth = json.keys?.auth;
    if (json.endpoint === undefined || p256dh === undefined || auth === undefined) {
      return poll('the browser gave an incomplete subscription');
    }
    return {
      delivery: { kind: 'webpush', endpoint: json.endpoint, keys: { p256dh, auth } },
      note: '',
      ...(existing === null ? { subscription } : {}),
    } satisfies DeliveryChoice;
  } catch (error) {
    // Chromium refuses at once in incognito ("permission denied"), Firefox without a push server.
    console.warn('push subscription refused', error);
    return poll('this browser refused a push subscription');
  }
}

function sameKey(subscription: PushSubscription, key: Uint8Array): boolean {
  const current = subscription.options.applicationServerKey;
  if (current === null) return false;
  const bytes = new Uint8Array(current);
  return bytes.length === key.length && bytes.every((b, i) => b === key[i]);
}
