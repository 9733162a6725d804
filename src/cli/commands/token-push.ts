// Owns the push parts of `assent token`: an activation link for a new authenticator, listing and revoking devices.
import type { Command } from 'commander';
import QRCode from 'qrcode';
import { addPushActivation, TokenInputError } from '../../admin/token-admin.js';
import { effectivePublicUrl } from '../../config/public-url.js';
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
  const activation = await withStores(command, async (stores, config) => {
    certFile = config.http.public.certFile;
    if (!config.push.enabled) {
      throw new CliError(
        'push.enabled is false: enable push before enrolling authenticators',
        ExitCode.Usage,
      );
    }
    const { url, derived } = effectivePublicUrl(config);
    if (derived) {
      process.stderr.write(
        `warning: push.publicUrl is not set; the link uses ${url}, which the phone must be able to reach\n`,
      );
    }
    try {
      return await addPushActivation(stores, url, options.user, options.label ?? '', new Date());
    } catch (error) {
      if (error instanceof TokenInputError)
        throw new CliError(`token add: ${error.message}`, ExitCode.Failed);
      throw error;
    }
  });
  const out = process.stdout;
  out.write(`activation link for ${options.user} (single use, valid until ${activation.expiresAt}):\n`);
  out.write(`${activation.url}\n`);
  out.write(await QRCode.toString(activation.url, { type: 'terminal', small: true }));
  out.write(`On the device: assent-authenticator enroll '${activation.url}'\n`);
  // The certificate made at first start is self-signed: the command-line authenticator must be told to trust it.
  out.write(`  (while the listener uses its self-signed certificate, add: --ca ${certFile})\n`);
}
