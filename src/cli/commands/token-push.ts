// Owns the push parts of `assent token`: an activation link for a new authenticator, listing and revoking devices.
import type { Command } from 'commander';
import QRCode from 'qrcode';
import { createActivation } from '../../auth/enroll-device.js';
import { effectivePublicUrl } from '../../config/public-url.js';
import { DEVICE_ID_PATTERN } from '../../domain/push-device.js';
import { HolderSpellings } from '../../domain/token-admission.js';
import type { Stores } from '../../store/open-stores.js';
import { withStores } from '../cli-context.js';
import { CliError, ExitCode } from '../cli-error.js';

/**
 * `token add --type push`: a single-use activation link for `user`, valid 10 minutes (SECURITY A8.9), printed with
 * its QR code. The device registers its own key with it (docs/push.md §3); nothing secret is stored here.
 */
export async function addPushToken(
  options: { user: string; label?: string },
  command: Command,
): Promise<void> {
  let certFile = '';
  const activation = await withStores(command, (stores, config) => {
    certFile = config.http.public.certFile;
    if (!config.push.enabled) {
      throw new CliError(
        'push.enabled is false: enable push before enrolling authenticators',
        ExitCode.Usage,
      );
    }
    refuseSecondSpelling(stores, options.user);
    const { url, derived } = effectivePublicUrl(config);
    if (derived) {
      process.stderr.write(
        `warning: push.publicUrl is not set; the link uses ${url}, which the phone must be able to reach\n`,
      );
    }
    return createActivation(stores.pushDevices, url, options.user, options.label ?? '', new Date());
  });
  const out = process.stdout;
  out.write(`activation link for ${options.user} (single use, valid until ${activation.expiresAt}):\n`);
  out.write(`${activation.url}\n`);
  out.write(await QRCode.toString(activation.url, { type: 'terminal', small: true }));
  out.write(`On the device: assent-authenticator enroll '${activation.url}'\n`);
  // The certificate made at first start is self-signed: the command-line authenticator must be told to trust it.
  out.write(`  (while the listener uses its self-signed certificate, add: --ca ${certFile})\n`);
}

/** Issue 12: tokens and devices of one user stay under one spelling of the name. */
function refuseSecondSpelling(stores: Stores, user: string): void {
  const spellings = new HolderSpellings([
    ...stores.tokens.list().map((t) => t.userName),
    ...stores.pushDevices.list().map((d) => d.userName),
  ]);
  for (const other of spellings.of(user)) {
    if (other !== user) {
      throw new CliError(
        `token add: second factors are held under ${JSON.stringify(other)}, which differs from ` +
          `${JSON.stringify(user)} only in case, spaces or width: enrol under that name`,
        ExitCode.Failed,
      );
    }
  }
}

/** The rows `token list` prints for push devices (never a key or a subscription secret). */
export function pushDeviceRows(stores: Stores, user: string | undefined) {
  const devices = user === undefined ? stores.pushDevices.list() : stores.pushDevices.listForUser(user);
  return devices.map((d) => ({
    serial: d.id,
    user: d.userName,
    type: 'push' as const,
    delivery: d.delivery.kind,
    label: d.label,
    createdAt: d.createdAt,
    lastSeenAt: d.lastSeenAt,
  }));
}

/** `token remove ASNP…`: revokes a device; its next answer or poll is refused (SECURITY C11). */
export function isPushDeviceId(serial: string): boolean {
  return DEVICE_ID_PATTERN.test(serial);
}
