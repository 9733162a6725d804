// Owns how pushes reach devices: the push services' sender, starting a push, and what its deliveries tell others.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Logger } from 'pino';
import type { PushLimits } from './auth/push-limits.js';
import { createStartPush, type PushStartSettings, type StartPush } from './auth/start-push.js';
import type { Config } from './config/config-schema.js';
import type { DeliveryResult, PushSender } from './domain/push-delivery.js';
import type { PushDeviceStore } from './domain/push-device.js';
import type { PushTransaction, TransactionStore } from './domain/push-transaction.js';
import type { PushKeys } from './push/push-keys.js';
import { createWebPushSender } from './push/web-push-sender.js';

/** What delivering pushes needs from the push wiring. */
export interface PushDeliveryDeps {
  readonly config: Config;
  readonly keys: PushKeys;
  readonly devices: PushDeviceStore;
  readonly transactions: TransactionStore;
  readonly limits: PushLimits;
  /** Read at every start, so a derived address can learn the port bound later. */
  readonly site: PushStartSettings;
  readonly logger: Logger;
  /** The metrics sink of each delivery's result. */
  readonly countDelivery: (result: string) => void;
}

export interface PushDelivery {
  readonly sender: PushSender;
  readonly start: StartPush;
  /** Tells `listener` every delivery's result (one listener: the REST API's pushes). */
  onDelivered(listener: (transaction: PushTransaction, result: DeliveryResult) => void): void;
  /** A push service refused our last delivery within the last 10 minutes, with no success since. */
  deliveryFault(): string | undefined;
}

/** RFC 8292 §2.1: `sub` is a contact; Apple refuses placeholders (`.invalid`, `localhost`). */
export function pushConfigProblems(config: Config): string[] {
  const subject = config.push.vapidSubject;
  if (subject === '') return [];
  const ok = /^(mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https:\/\/[^\s/]+\.[^\s/]+(\/\S*)?)$/.test(subject);
  if (!ok || /localhost|\.invalid\b|\.example\b|\.test\b/i.test(subject)) {
    return [
      `push.vapidSubject: expected a real mailto: or https: contact (push services refuse placeholders), got "${subject}"`,
    ];
  }
  return [];
}

/**
 * One sender for every push service: Web Push only with a VAPID subject (RFC 8292 §2.1: browsers' services refuse
 * anonymous messages); ntfy topics always, as ntfy does not implement VAPID (docs/push.md §6).
 */
function senderFor(config: Config, keys: PushKeys): PushSender {
  const subject = config.push.vapidSubject;
  const ca = config.push.serviceCaFile;
  const agent =
    ca === ''
      ? undefined
      : new Agent({ ca: [...rootCertificates, readFileSync(ca, 'utf8')], keepAlive: true });
  return createWebPushSender({
    ...(subject === '' ? {} : { vapid: { subject, ...keys.vapid } }),
    ...(agent === undefined ? {} : { agent }),
  });
}

/** The sender and the push start, whose delivery events feed the log, the metrics, `/readyz` and the REST API. */
export function createPushDelivery(deps: PushDeliveryDeps): PushDelivery {
  const { config, keys, logger } = deps;
  const sender = senderFor(config, keys);
  let refusedDelivery: { at: number; text: string } | undefined;
  // The REST API's pushes learn each delivery's result from here (set once the API is built).
  let deliveredListener: (t: PushTransaction, result: DeliveryResult) => void = () => {};

  const start = createStartPush({
    devices: deps.devices,
    transactions: deps.transactions,
    limits: deps.limits,
    settings: deps.site,
    serverKey: keys.signingKey,
    sender,
    events: {
      started: (t, count) =>
        logger.info(
          { event: 'push.started', txn: t.id, user: t.userName, client: t.clientName, devices: count },
          'push started',
        ),
      sent: (t, device, result) => {
        deps.countDelivery(result.kind);
        deliveredListener(t, result);
        if (result.kind === 'sent') refusedDelivery = undefined;
        if (result.kind === 'rejected') {
          refusedDelivery = { at: Date.now(), text: `a push service refused delivery with ${result.status}` };
        }
        const line = {
          event: 'push.sent',
          txn: t.id,
          user: t.userName,
          device: device.id,
          delivery: device.delivery.kind,
          result: result.kind,
          status: 'status' in result ? result.status : undefined,
          detail: 'detail' in result ? result.detail : undefined,
        };
        if (result.kind === 'sent') logger.info(line, 'push delivered to the push service');
        else logger.warn(line, 'push delivery failed');
      },
    },
  });

  return {
    sender,
    start,
    onDelivered: (listener) => {
      deliveredListener = listener;
    },
    deliveryFault: () =>
      refusedDelivery !== undefined && Date.now() - refusedDelivery.at < 10 * 60_000
        ? refusedDelivery.text
        : undefined,
  };
}
