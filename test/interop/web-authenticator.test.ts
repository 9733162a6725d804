// Issue 15 in Chromium: the web authenticator enrolls from the activation link, gets the server's signed request
// by push (CDP ServiceWorker.deliverPushMessage with the envelope the server sent a Web Push subscriber, opened by
// the Python decryptor) and by polling, answers it, and a radclient login held at the server gets Access-Accept or
// Access-Reject; its TOTP code equals oathtool's; WebAuthn user verification runs on a CDP virtual authenticator.
// Screenshots of every screen go to tmp/test-output/web-authenticator (docs/authenticator.md).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { encodeBase32 } from '../../src/otp/base32.js';
import { type PushSite, startPushSite } from '../support/push-site.js';
import { writeQrVideo } from '../support/qr-video.js';
import { runPeer } from '../support/run-peer.js';
import {
  CHROMIUM,
  launchChromium,
  PHONE,
  phoneContext,
  registrationId,
  screens,
  spkiHash,
  withTimeout,
} from '../support/web-browser.js';

let site: PushSite;
let browser: Browser;
let alice: BrowserContext;
let scratch: string;
const totpSecret = new Uint8Array(randomBytes(20));
const otpauth = `otpauth://totp/ACME:alice@example.com?secret=${encodeBase32(totpSecret)}&issuer=ACME&algorithm=SHA1&digits=6&period=30`;
/** Console errors and CSP violations: the app must cause none. */
const complaints: string[] = [];

function watch(page: Page): Page {
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

before(async () => {
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
  alice = await phoneContext(browser, site.publicUrl);
  await alice.grantPermissions(['notifications', 'camera'], { origin: site.publicUrl });
});
after(async () => {
  await browser?.close();
  await site?.stop();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

const app = (path = '') => `${site.publicUrl}/authenticator/${path}`;
/** The visible text of a locator (textContent: what the user reads, without layout). */
const text = async (locator: Locator) => (await locator.textContent()) ?? '';
const heading = (page: Page, name: string | RegExp) =>
  page.getByRole('heading', { name, level: 1 }).waitFor({ timeout: 15_000 });

/** radclient: password → Access-Challenge with `(number NN)`; returns the State and the number. */
async function challenge(user: string): Promise<{ state: string; number: string }> {
  const r = await site.radclient(
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
const askPush = (user: string, state: string) =>
  site.radclient(`User-Name = "${user}"\nUser-Password = ""\nState = ${state}\n`, 30);

test('enroll from the activation link opened in the browser: non-extractable P-256 key, polling when push is refused', async () => {
  const page = watch(await alice.newPage());
  await page.goto(app());
  await heading(page, 'Assent authenticator').catch(() => undefined);
  await page.getByRole('heading', { name: 'Nothing here yet' }).waitFor();
  await screens(page, 'home-empty');
  await page.goto(await site.activationLink('alice'));
  assert.match(
    page.url(),
    /\/authenticator\/#\/add\/[A-Za-z0-9_-]{22}$/,
    "the link became the app's add screen",
  );
  await heading(page, 'Add this account?');
  await screens(page, 'add-confirm');
  await page.getByRole('button', { name: 'Add account' }).click();
  await heading(page, 'Account added');
  // Chromium refuses push subscriptions in incognito contexts at once: the app enrolls to poll and says why.
  assert.match(
    await text(page.locator('main')),
    /Notifications are off \(this browser refused a push subscription\)/,
  );
  await screens(page, 'account-added');
  const enrolled = site.server.logs.find((l) => l.event === 'push.enrolled' && l.user === 'alice');
  assert.equal(enrolled?.delivery, 'poll');
  // SECURITY A10.1: the private key is a CryptoKey that cannot be exported.
  // (Strings: the test's TypeScript has no DOM library; this runs in the page.)
  const key = await page.evaluate(`(async () => {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('assent-authenticator');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const account = await new Promise((resolve) => {
      const r = db.transaction('accounts').objectStore('accounts').getAll();
      r.onsuccess = () => resolve(r.result[0]);
    });
    const k = account.privateKey;
    const exported = await crypto.subtle.exportKey('pkcs8', k).then(() => 'exported', (e) => e.name);
    return { extractable: k.extractable, curve: k.algorithm.namedCurve, usages: k.usages, exported };
  })()`);
  assert.deepEqual(key, {
    extractable: false,
    curve: 'P-256',
    usages: ['sign'],
    exported: 'InvalidAccessError',
  });
  await page.close();
});

test('push: the envelope delivered to the service worker becomes a notification; the request opens with its context; Approve with the number → Access-Accept', async () => {
  // A second device of alice's with a Web Push subscription the test holds the keys of: the server encrypts the
  // request to it, the Python peer decrypts it, and CDP hands the same envelope to the browser's worker.
  const subscriber = await site.enrollWebPush('alice');
  const origin = site.publicUrl;
  const blank = await alice.newPage();
  const cdp = await alice.newCDPSession(blank);
  const registration = await registrationId(cdp, `${origin}/authenticator/`);
  const { state, number } = await challenge('alice');
  assert.match(number, /^\d\d$/, 'number matching is on');
  const held = askPush('alice', state);
  const { envelope } = await site.decrypt(await site.push.next(), subscriber.subscription);
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: `${origin}/`,
    registrationId: registration,
    data: JSON.stringify(envelope),
  });
  const probe = await alice.newPage();
  await probe.goto(app('config.json'));
  const shown = await withTimeout(
    (async () => {
      for (;;) {
        const list = (await probe.evaluate(`(async () => {
          const r = await navigator.serviceWorker.getRegistration('/authenticator/');
          return ((await r?.getNotifications()) ?? []).map((n) => ({ title: n.title, body: n.body, data: n.data }));
        })()`)) as { title: string; body: string; data: { url: string } }[];
        if (list.length > 0) return list;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })(),
    10_000,
    'the notification',
  );
  assert.equal(shown[0]!.title, 'Sign-in request');
  assert.doesNotMatch(shown[0]!.body, /alice|198\.51/, 'the notification text is generic');
  // Tapping it opens this URL (notificationclick); the page verifies the stored envelope again before showing it.
  const page = watch(await alice.newPage());
  await page.goto(`${origin}${shown[0]!.data.url}`);
  await heading(page, 'Is this you signing in to local?');
  const screen = await text(page.locator('main'));
  assert.match(screen, /arrived as a notification/);
  for (const part of ['alice', '198.51.100.7', 'Time left', 'Number shown where you are signing in'])
    assert.ok(screen.includes(part), `${part} in ${screen}`);
  await screens(page, 'request');
  await page.getByRole('button', { name: 'Approve' }).click();
  assert.match(await text(page.getByRole('alert')), /Type the 2-digit number/);
  await page.getByLabel('Number shown where you are signing in').fill(number);
  await screens(page, 'request-number');
  await page.getByRole('button', { name: 'Approve' }).click();
  await heading(page, 'Approved');
  await screens(page, 'approved');
  const reply = await held;
  assert.match(reply.stdout, /Received Access-Accept/, reply.stdout + reply.stderr);
  const decided = site.server.logs.filter((l) => l.event === 'push.decided').at(-1)!;
  assert.notEqual(decided.device, subscriber.deviceId, 'the browser answered, not the helper device');
  await Promise.all([blank.close(), probe.close(), page.close()]);
  await site.assent(['token', 'remove', subscriber.deviceId]);
});

test('polling while open: a login shows up by itself; Deny → Access-Reject', async () => {
  const page = watch(await alice.newPage());
  await page.goto(app());
  await page.getByRole('heading', { name: 'Sign-in approval' }).waitFor();
  const { state } = await challenge('alice');
  const held = askPush('alice', state);
  await heading(page, 'Is this you signing in to local?');
  assert.match(await text(page.locator('main')), /found on the server/);
  await page.getByRole('button', { name: 'Deny' }).click();
  await heading(page, 'Denied');
  await screens(page, 'denied');
  assert.match((await held).stdout, /Received Access-Reject/);
  assert.ok(site.server.logs.some((l) => l.event === 'radius.decision' && l.reason === 'PUSH_DENIED'));
  await page.close();
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

test('WebAuthn user verification (CDP virtual authenticator, on localhost): an account on another origin; approve after verifying → Access-Accept; a failed check has its screen', async () => {
  // The app is served from https://localhost:P while bob's server is https://127.0.0.1:P: every device call is
  // cross-origin (an account on a second server), and WebAuthn needs a host name, not an IP address.
  const localhost = site.publicUrl.replace('127.0.0.1', 'localhost');
  const context = await phoneContext(browser, localhost);
  try {
    const page = watch(await context.newPage());
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    await page.goto(`${localhost}/authenticator/#/add`);
    await heading(page, 'Add an account');
    await page.getByLabel('Or paste the link').fill(await site.activationLink('bob'));
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await heading(page, 'Account added');
    await page.goto(`${localhost}/authenticator/#/settings`);
    await heading(page, 'Settings');
    await page.getByLabel('Screen lock, fingerprint or face').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await screens(page, 'settings');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1, 'a platform credential was made for the app');

    const approve = async () => {
      const { state, number } = await challenge('bob');
      const held = askPush('bob', state);
      await page.goto(`${localhost}/authenticator/#/`);
      await heading(page, 'Is this you signing in to local?');
      await page.getByLabel('Number shown where you are signing in').fill(number);
      await page.waitForTimeout(100); // the challenge for this number is made as it is typed
      await page.getByRole('button', { name: 'Approve' }).click();
      return held;
    };
    const held = await approve();
    await heading(page, 'Approved');
    assert.match((await held).stdout, /Received Access-Accept/);
    const signCount = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0]!
      .signCount;
    assert.ok(signCount >= 1, 'the approval used the credential');

    // A failed verification sends nothing; its screen (Chromium answers a failed WebAuthn check only at its
    // timeout, bounded by the request's time left, so the test shows the screen by its route instead).
    await page.goto(`${localhost}/authenticator/#/problem/verify-failed`);
    await heading(page, "Couldn't verify it's you");
    await screens(page, 'problem-verify-failed');
  } finally {
    await context.close();
  }
});

test("This wasn't me → Access-Reject, the user is muted and audited", async () => {
  const page = watch(await alice.newPage());
  await page.goto(app());
  const { state } = await challenge('alice');
  const held = askPush('alice', state);
  await heading(page, 'Is this you signing in to local?');
  await page.getByRole('button', { name: "This wasn't me" }).click();
  await heading(page, 'Reported');
  await screens(page, 'reported');
  assert.match((await held).stdout, /Received Access-Reject/);
  assert.ok(site.server.logs.some((l) => l.event === 'audit.push_not_me' && l.user === 'alice'));
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
