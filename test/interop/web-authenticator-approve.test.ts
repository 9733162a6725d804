// Issue 15 in Chromium: the web authenticator enrolls from the activation link, gets the server's signed request
// by push (CDP ServiceWorker.deliverPushMessage with the envelope the server sent a Web Push subscriber, opened by
// the Python decryptor) and by polling, answers it, and a radclient login held at the server gets Access-Accept or
// Access-Reject; WebAuthn user verification runs on a CDP virtual authenticator.
// Screenshots of every screen go to tmp/test-output/web-authenticator (docs/authenticator.md).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Browser, BrowserContext } from 'playwright-core';
import type { PushSite } from '../support/push-site.js';
import {
  app,
  askPush,
  challenge,
  complaints,
  heading,
  startWebAuthenticatorSite,
  text,
  watch,
} from '../support/web-authenticator-site.js';
import { phoneContext, registrationId, screens, withTimeout } from '../support/web-browser.js';

let site: PushSite;
let browser: Browser;
let alice: BrowserContext;

before(async () => {
  ({ site, browser, alice } = await startWebAuthenticatorSite());
});

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

test('no console errors or CSP violations on any screen above', () => {
  assert.deepEqual(complaints, [], 'no console errors or CSP violations');
});
