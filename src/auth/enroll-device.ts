// Owns push enrollment (docs/push.md §3): one-time activation codes, and a device registering its key with one.
import { createHash, randomBytes } from 'node:crypto';
import { StoreError, StoreErrorCode } from '../domain/ports.js';
import type { WebPushSubscription } from '../domain/push-delivery.js';
import { generateDeviceId, type PushDelivery, type PushDeviceStore } from '../domain/push-device.js';
import { base64url, publicKeyFromRaw } from '../domain/push-protocol.js';
import { badRequest, type DeviceReply, UNAUTHORIZED } from './device-reply.js';

/** SECURITY A8.9: activation links are valid 10 minutes. */
export const ACTIVATION_MS = 10 * 60_000;

export interface EnrollSettings {
  readonly publicUrl: string;
  readonly serverName: string;
  /** docs/push.md §3 `server_key`: the server's signing key, raw point. */
  readonly serverKey: Uint8Array;
  /** base64url VAPID public key (the applicationServerKey), or empty when Web Push is off. */
  readonly vapidPublicKey: string;
}

export interface EnrollEvents {
  refused(check: string, sourceIp: string): void;
  enrolled(userName: string, deviceId: string, delivery: PushDelivery['kind'], sourceIp: string): void;
}

const hashCode = (code: string) => new Uint8Array(createHash('sha256').update(code, 'utf8').digest());

/**
 * Makes a one-time activation for `userName` (`assent token add --type push`). The code is returned once and kept
 * only as its SHA-256 (SECURITY A8.4: 128 bits from the CSPRNG).
 */
export async function createActivation(
  devices: Pick<PushDeviceStore, 'addActivation'>,
  publicUrl: string,
  userName: string,
  label: string,
  now: Date,
): Promise<{ code: string; url: string; expiresAt: string }> {
  const code = base64url.encode(randomBytes(16));
  const expiresAt = new Date(now.getTime() + ACTIVATION_MS).toISOString();
  await devices.addActivation({ codeHash: hashCode(code), userName, label, expiresAt });
  return { code, url: `${publicUrl.replace(/\/+$/, '')}/device/v1/activation/${code}`, expiresAt };
}

/**
 * docs/push.md §3: `{"kind":"poll"}`, or a push service's endpoint with the keys its messages are encrypted to:
 * `{"kind":"webpush"|"ntfy","endpoint":…,"keys":{"p256dh":…,"auth":…}}` (a ntfy endpoint is a UnifiedPush topic
 * URL; it takes the same RFC 8291 message as Web Push, only without VAPID).
 */
function readDelivery(value: unknown): PushDelivery | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.kind === 'poll' && Object.keys(v).length === 1) return { kind: 'poll' };
  if (
    (v.kind !== 'webpush' && v.kind !== 'ntfy') ||
    typeof v.endpoint !== 'string' ||
    typeof v.keys !== 'object' ||
    v.keys === null
  ) {
    return undefined;
  }
  const keys = v.keys as Record<string, unknown>;
  if (typeof keys.p256dh !== 'string' || typeof keys.auth !== 'string') return undefined;
  // RFC 8291 §3: a 65-octet P-256 point and a 16-octet auth secret.
  if (base64url.decode(keys.p256dh)?.length !== 65 || base64url.decode(keys.auth)?.length !== 16)
    return undefined;
  let url: URL;
  try {
    url = new URL(v.endpoint);
  } catch {
    return undefined;
  }
  // RFC 8030 §8: push services are reached over https; plain http only to this host's own loopback (tests).
  const loopback = url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return undefined;
  const subscription: WebPushSubscription = {
    endpoint: v.endpoint,
    keys: { p256dh: keys.p256dh, auth: keys.auth },
  };
  return { kind: v.kind, subscription };
}

export type ActivateDevice = (code: string, body: unknown, sourceIp: string) => Promise<DeviceReply>;

export function createActivateDevice(
  devices: Pick<PushDeviceStore, 'takeActivation' | 'add'>,
  settings: EnrollSettings,
  events: EnrollEvents,
  now: () => Date = () => new Date(),
): ActivateDevice {
  return async (code, body, sourceIp) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return badRequest('expected a JSON object');
    const b = body as Record<string, unknown>;
    const unknown = Object.keys(b).filter((k) => !['public_key', 'label', 'delivery'].includes(k));
    if (unknown.length > 0) return badRequest(`unknown field ${JSON.stringify(unknown[0])}`);
    const raw = typeof b.public_key === 'string' ? base64url.decode(b.public_key) : undefined;
    if (raw === undefined || publicKeyFromRaw(raw) === undefined) {
      return badRequest('public_key: expected the base64url 65-octet P-256 point');
    }
    if (
      b.label !== undefined &&
      (typeof b.label !== 'string' || b.label.length > 64 || /[\u0000-\u001f]/.test(b.label))
    ) {
      return badRequest('label: expected text of at most 64 characters');
    }
    const delivery = readDelivery(b.delivery);
    if (delivery === undefined)
      return badRequest('delivery: expected {"kind":"poll"}, a Web Push subscription or a ntfy topic');
    if (!/^[A-Za-z0-9_-]{22}$/.test(code)) {
      events.refused('activation_code', sourceIp);
      return UNAUTHORIZED;
    }
    // SECURITY A8.9: single use, bound to one user, valid 10 minutes; a guessed or reused code learns nothing.
    const activation = await devices.takeActivation(hashCode(code), now());
    if (activation === undefined) {
      events.refused('activation_code', sourceIp);
      return UNAUTHORIZED;
    }
    const label = typeof b.label === 'string' && b.label !== '' ? b.label : activation.label;
    for (let attempt = 0; ; attempt++) {
      const id = generateDeviceId();
      try {
        await devices.add({ id, userName: activation.userName, publicKey: raw, delivery, label });
      } catch (error) {
        if (error instanceof StoreError && error.code === StoreErrorCode.AlreadyExists && attempt < 5)
          continue;
        throw error;
      }
      events.enrolled(activation.userName, id, delivery.kind, sourceIp);
      return {
        status: 201,
        body: {
          device_id: id,
          user: activation.userName,
          server_name: settings.serverName,
          server_key: base64url.encode(settings.serverKey),
          reply_to: settings.publicUrl,
          vapid_public_key: settings.vapidPublicKey,
        },
      };
    }
  };
}
