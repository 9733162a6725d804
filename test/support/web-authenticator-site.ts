// Owns the web authenticator tests' shared set-up: a push site with number matching, Chromium whose fake camera
// shows an otpauth QR code, alice's phone context, and the page and RADIUS steps the tests share.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { encodeBase32 } from '../../src/otp/base32.js';
import { type PushSite, startPushSite } from './push-site.js';
import { writeQrVideo } from './qr-video.js';
import { launchChromium, phoneContext } from './web-browser.js';

let site: PushSite | undefined;
let browser: Browser | undefined;
let scratch: string | undefined;
/** The secret of the QR code the fake camera shows. */
export const totpSecret = new Uint8Array(randomBytes(20));
const otpauth = `otpauth://totp/ACME:alice@example.com?secret=${encodeBase32(totpSecret)}&issuer=ACME&algorithm=SHA1&digits=6&period=30`;
/** Console errors and CSP violations of every watched page: the app must cause none. */
export const complaints: string[] = [];

export function watch(page: Page): Page {
  page.on('console', (m) => {
    if (
      m.type() === 'error' &&
      !/Push API in incognito|status of 40[14]|ERR_INTERNET_DISCONNECTED/.test(m.text())
    )
      complaints.push(m.text());
  });
  page.on('pageerror', (e) => complaints.push(`pageerror: ${e.message}`));
  return page;
}

/**
 * The file's one site and browser, the same in every web authenticator test file; `alice` may notify and use the
 * camera. Closed by the file's `after`.
 */
export async function startWebAuthenticatorSite(): Promise<{
  site: PushSite;
  browser: Browser;
  alice: BrowserContext;
  scratch: string;
}> {
  site = await startPushSite({
    users: [
      { name: 'alice', password: 'alice-pw' },
      { name: 'bob', password: 'bob-pw' },
      { name: 'carol', password: 'carol-pw' },
    ],
    config: { push: { timeoutSeconds: 25, numberMatching: true, maxPerUser: 50 } },
  });
  scratch = mkdtempSync(join(tmpdir(), 'assent-web-'));
  const video = join(scratch, 'otpauth-qr.y4m');
  writeQrVideo(video, otpauth);
  browser = await launchChromium(site.serverCert, [
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  const alice = await phoneContext(browser, site.publicUrl);
  await alice.grantPermissions(['notifications', 'camera'], { origin: site.publicUrl });
  return { site, browser, alice, scratch };
}

after(async () => {
  await browser?.close();
  await site?.stop();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

function started(): PushSite {
  if (site === undefined) throw new Error('startWebAuthenticatorSite() has not run');
  return site;
}

export const app = (path = '') => `${started().publicUrl}/authenticator/${path}`;
/** The visible text of a locator (textContent: what the user reads, without layout). */
export const text = async (locator: Locator) => (await locator.textContent()) ?? '';
export const heading = (page: Page, name: string | RegExp) =>
  page.getByRole('heading', { name, level: 1 }).waitFor({ timeout: 15_000 });

/** radclient: password → Access-Challenge with `(number NN)`; returns the State and the number. */
export async function challenge(user: string): Promise<{ state: string; number: string }> {
  const r = await started().radclient(
    `User-Name = "${user}"\nUser-Password = "${user}-pw"\nCalling-Station-Id = "198.51.100.7"\n`,
  );
  assert.match(r.stdout, /Received Access-Challenge/, r.stdout + r.stderr);
  const text = r.stdout.slice(r.stdout.indexOf('Received'));
  return {
    state: /State = (0x[0-9a-f]+)/.exec(text)![1]!,
    number: /\(number (\d\d)\)/.exec(text)?.[1] ?? '',
  };
}

/** The empty answer that starts the push; resolves when the server answers the held request. */
export const askPush = (user: string, state: string) =>
  started().radclient(`User-Name = "${user}"\nUser-Password = ""\nState = ${state}\n`, 30);

/** Adds `user`'s account to the app in `context` from a new activation link, as the user taps through it. */
export async function addAccount(context: BrowserContext, user: string): Promise<void> {
  const page = watch(await context.newPage());
  await page.goto(await started().activationLink(user));
  await page.getByRole('button', { name: 'Add account' }).click();
  await heading(page, 'Account added');
  await page.close();
}
