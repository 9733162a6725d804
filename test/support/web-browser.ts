// Browsers for the web authenticator's tests: Debian's Chromium through playwright-core (DEPENDENCIES trap 15: no
// downloaded browsers), trusting the test server's self-signed certificate by its key, launched with a timeout and
// closed by the caller; and screenshots of a page at phone and desktop size, light and dark, for docs/screenshots.
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go: $ASSENT_TEST_OUTPUT, else tmp/test-output in the work tree (ignored by git). */
export const OUTPUT = join(
  process.env.ASSENT_TEST_OUTPUT ?? fileURLToPath(new URL('../../tmp/test-output/', import.meta.url)),
  'web-authenticator',
);

/** SHA-256 of the certificate's SubjectPublicKeyInfo, base64: what --ignore-certificate-errors-spki-list takes. */
export function spkiHash(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Chromium that treats `certificatePem` as valid (service workers refuse pages with certificate errors, so
 * ignoring errors is not enough). `extraArgs`: e.g. a fake camera.
 */
export function launchChromium(certificatePem: string, extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [`--ignore-certificate-errors-spki-list=${spkiHash(certificatePem)}`, ...extraArgs],
  });
}

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;

/**
 * Saves `name` at phone and desktop size, light and dark: `<dir>/<name>-{phone,desktop}-{light,dark}.png`.
 * Leaves the page at phone size, light.
 */
export async function screens(page: Page, name: string, dir: string = OUTPUT): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [size, viewport] of [
    ['phone', PHONE],
    ['desktop', DESKTOP],
  ] as const) {
    await page.setViewportSize(viewport);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({ path: join(dir, `${name}-${size}-${scheme}.png`), fullPage: true });
    }
  }
  await page.setViewportSize(PHONE);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The service worker registration id of `origin`, from CDP (for ServiceWorker.deliverPushMessage). */
export async function registrationId(cdp: CDPSession, scopeUrl: string): Promise<string> {
  const found = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', (event) => {
      const match = event.registrations.find((r) => r.scopeURL === scopeUrl && !r.isDeleted);
      if (match !== undefined) resolve(match.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  return withTimeout(found, 10_000, `no service worker registration for ${scopeUrl}`);
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A fresh incognito-like context at phone size that may notify (Chromium refuses push subscriptions in it). */
export async function phoneContext(browser: Browser, origin: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: PHONE, locale: 'en-GB', timezoneId: 'UTC' });
  await context.grantPermissions(['notifications'], { origin });
  return context;
}
