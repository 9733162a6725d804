// Issue 15 in Chromium, the web authenticator beyond answering requests: a TOTP QR code scanned through a fake
// camera shows oathtool's code; every failure has its clear screen; the app is installable, starts offline from
// its service worker, and falls back to polling when a push subscription never completes.
// Screenshots of every screen go to tmp/test-output/web-authenticator (docs/authenticator.md).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { encodeBase32 } from '../../src/otp/base32.js';
import type { PushSite } from '../support/push-site.js';
import { runPeer } from '../support/run-peer.js';
import {
  addAccount,
  app,
  complaints,
  heading,
  startWebAuthenticatorSite,
  text,
  totpSecret,
  watch,
} from '../support/web-authenticator-site.js';
import { CHROMIUM, PHONE, screens, spkiHash } from '../support/web-browser.js';

let site: PushSite;
let browser: Browser;
let alice: BrowserContext;
let scratch: string;

before(async () => {
  ({ site, browser, alice, scratch } = await startWebAuthenticatorSite());
  // The failure screens of an enrolled browser (server unreachable, device removed) need alice's account in it.
  await addAccount(alice, 'alice');
});

test("a TOTP code generator scanned with the camera (jsQR) shows oathtool's code and its countdown", async () => {
  const page = watch(await alice.newPage());
  await page.goto(app('#/add'));
  await heading(page, 'Add an account');
  await screens(page, 'add');
  await page.getByRole('button', { name: 'Scan with the camera' }).click();
  await heading(page, 'Code generator added');
  await page.getByRole('button', { name: 'Done' }).click();
  const code = page.locator('.token .code');
  await code.waitFor();
  for (let attempt = 0; ; attempt++) {
    const shown = (await code.getAttribute('data-code')) ?? '';
    const expected = (await runPeer('oathtool', ['--totp', '-b', encodeBase32(totpSecret)])).stdout.trim();
    if (shown === expected) break;
    // A step boundary between the two readings: read both again.
    assert.ok(attempt < 2, `the app shows ${shown}, oathtool says ${expected}`);
    await page.waitForTimeout(1_100);
  }
  assert.match(await text(page.locator('.token .seconds')), /^\d{1,2} s$/);
  await screens(page, 'home');
  await page.close();
});

test('a clear screen for every failure: expired, used link, not a link, offline, notifications blocked, iOS not installed, no camera, key lost', async () => {
  const page = watch(await alice.newPage());
  await page.goto(app('#/request/AAAAAAAAAAAAAAAAAAAAAA'));
  await heading(page, 'This sign-in request has expired');
  await screens(page, 'problem-expired');

  await page.goto(app('#/add'));
  await page.getByLabel('Or paste the link').fill('hello');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await heading(page, "That's not an Assent link");
  await screens(page, 'problem-not-a-link');

  // A link used once does not work twice.
  const used = await site.activationLink('carol');
  const once = watch(await alice.newPage());
  await once.goto(used);
  await once.getByRole('button', { name: 'Add account' }).click();
  await heading(once, 'Account added');
  await once.goto(used);
  await once.getByRole('button', { name: 'Add account' }).click();
  await heading(once, 'This activation link does not work');
  await screens(once, 'problem-link-refused');
  await once.close();

  await page.goto(app());
  await page.getByRole('heading', { name: 'Sign-in approval' }).waitFor();
  await alice.setOffline(true);
  await page.getByRole('button', { name: 'Check now' }).click();
  await page
    .getByRole('link', { name: /Can't reach 127\.0\.0\.1/ })
    .first()
    .click();
  await heading(page, /Can't reach 127\.0\.0\.1/);
  await screens(page, 'problem-unreachable');
  await alice.setOffline(false);

  // The administrator removes alice's browser device: the next check says so, and how to recover.
  const list = await site.assent(['token', 'list', '--user', 'alice']);
  for (const serial of list.stdout.match(/ASNP\d{8}/g) ?? []) await site.assent(['token', 'remove', serial]);
  await page.goto(app());
  await page
    .getByRole('link', { name: /No longer enrolled/ })
    .first()
    .click();
  await heading(page, 'This device is no longer enrolled');
  await screens(page, 'problem-key-lost');
  await page.close();

  // A browser that may not notify: the account is added to poll, and the app says how to allow notifications.
  const quiet = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const iphone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  });
  try {
    const blocked = watch(await quiet.newPage());
    await blocked.goto(await site.activationLink('carol'));
    await blocked.getByRole('button', { name: 'Add account' }).click();
    await heading(blocked, 'Notifications are blocked');
    await screens(blocked, 'problem-push-refused');

    const ios = watch(await iphone.newPage());
    await ios.goto(await site.activationLink('carol'));
    await ios.getByRole('button', { name: 'Add account' }).click();
    await heading(ios, 'Add Assent to your Home Screen first');
    await screens(ios, 'problem-ios-install');
    await ios.getByRole('button', { name: 'Continue without notifications' }).click();
    await heading(ios, 'Account added');
    assert.match(await text(ios.locator('main')), /not added to the Home Screen/);

    await ios.goto(app('#/add'));
    await ios.getByRole('button', { name: 'Scan with the camera' }).click();
    await heading(ios, 'The camera is not available');
    await screens(ios, 'problem-camera');
  } finally {
    await quiet.close();
    await iphone.close();
  }
  assert.deepEqual(complaints, [], 'no console errors or CSP violations');
});

test('installable (no installability errors), offline from the service worker, and a push subscription that never completes times out into polling', async () => {
  // Only a persistent profile is installable, and only there does subscribe() wait for Google's push service.
  const profile = join(scratch, 'profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    timeout: 30_000,
    viewport: PHONE,
    args: [`--ignore-certificate-errors-spki-list=${spkiHash(site.serverCert)}`],
  });
  try {
    await context.grantPermissions(['notifications'], { origin: site.publicUrl });
    const page = watch(context.pages()[0] ?? (await context.newPage()));
    await page.goto(app());
    await page.evaluate('navigator.serviceWorker.ready.then(() => true)');
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors, [], 'Chromium would offer to install the app');
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, []);

    await page.goto(await site.activationLink('carol'));
    // Timed from the click: loading the page (and the CLI making the link) is not the subscribe() wait.
    const started = Date.now();
    await page.getByRole('button', { name: 'Add account' }).click();
    await heading(page, 'Account added');
    const waited = Date.now() - started;
    assert.match(await text(page.locator('main')), /push service did not answer/);
    assert.ok(waited >= 8_000 && waited < 20_000, `subscribe() was given up after ${waited} ms`);

    // Codes work offline: the app's files come from the service worker's cache.
    await page.goto(app());
    await context.setOffline(true);
    await page.reload();
    await page.getByRole('heading', { name: 'Sign-in approval' }).waitFor();
    await context.setOffline(false);
  } finally {
    await context.close();
  }
});
