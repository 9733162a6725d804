// Owns adding an account from an activation link (docs/push.md §3): a new non-extractable device key, a Web Push
// subscription with the server's VAPID key where the browser gives one (else polling), the activation call, and
// keeping the account. Also tells the app's two kinds of QR code apart.
import { type Account, put } from './db.js';
import { activate, serverHints } from './device-api.js';
import { generateDeviceKey, importServerKey } from './protocol.js';
import { askNotifications, chooseDelivery } from './push-subscribe.js';

/** docs/push.md §3: `<publicUrl>/device/v1/activation/<22 base64url>`. */
const ACTIVATION = /^(https:\/\/[^/?#\s]+(?:\/[^?#\s]*?)?)\/device\/v1\/activation\/([A-Za-z0-9_-]{22})$/;

export type Scanned =
  | { readonly kind: 'activation'; readonly url: string; readonly origin: string }
  | { readonly kind: 'otpauth'; readonly uri: string }
  | { readonly kind: 'unknown'; readonly text: string };

/** What a scanned or pasted text is. */
export function classify(text: string): Scanned {
  const trimmed = text.trim();
  const match = ACTIVATION.exec(trimmed);
  if (match !== null) return { kind: 'activation', url: trimmed, origin: new URL(trimmed).origin };
  if (/^otpauth:\/\//i.test(trimmed)) return { kind: 'otpauth', uri: trimmed };
  return { kind: 'unknown', text: trimmed };
}

/** A label the server lists the device under (`assent token list`), e.g. "Web authenticator (Android)". */
export function defaultLabel(): string {
  const ua = navigator.userAgent;
  const platform = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : 'browser';
  return `Web authenticator (${platform})`;
}

export interface Enrolled {
  readonly account: Account;
  /** The user or browser refused notifications (the app then shows how to allow them). */
  readonly pushRefused: boolean;
}

/**
 * Enrolls with the link. Call it from the click handler: the notification prompt needs that gesture.
 * @throws ApiFailure (`refused`: the link is unknown, used or expired; `unreachable`), or Error
 */
export async function enroll(
  link: { url: string; origin: string },
  label: string,
  notifications = true,
): Promise<Enrolled> {
  const permission = notifications ? askNotifications() : Promise.resolve('unsupported' as const);
  const hints = await serverHints(link.origin);
  const choice = await chooseDelivery(hints.vapidPublicKey, await permission);
  const key = await generateDeviceKey();
  let body: Record<string, unknown>;
  try {
    body = await activate(link.url, {
      public_key: key.publicKey,
      ...(label === '' ? {} : { label: label.slice(0, 64) }),
      delivery: choice.delivery,
    });
  } catch (error) {
    // A subscription that no server knows would only collect messages nobody sends; drop it unless it was reused.
    await choice.subscription?.unsubscribe().catch(() => false);
    throw error;
  }
  const serverKey = typeof body.server_key === 'string' ? body.server_key : '';
  if ((await importServerKey(serverKey)) === undefined || typeof body.device_id !== 'string') {
    throw new Error('the server answered without a valid server key or device id');
  }
  const account: Account = {
    deviceId: body.device_id,
    user: String(body.user ?? ''),
    serverName: String(body.server_name ?? (hints.serverName || 'Assent')),
    replyTo: String(body.reply_to ?? link.origin).replace(/\/+$/, ''),
    serverKey,
    privateKey: key.privateKey,
    publicKey: key.publicKey,
    label,
    delivery: choice.delivery.kind,
    pushNote: choice.note,
    enrolledAt: new Date().toISOString(),
  };
  await put('accounts', account);
  return { account, pushRefused: choice.refused === true };
}
