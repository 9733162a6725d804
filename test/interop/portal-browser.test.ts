// Issue 18 in Chromium: the user portal at /my/ against the real server. Alice signs in with a code from oathtool,
// adds an authenticator app confirmed with its first code, renames it, adds a phone that the command-line
// authenticator enrolls from the link, makes backup codes, signs out, signs in by push (denied, then approved with
// the number), loses her phone and signs in with a backup code, removes the old devices (the last one is refused),
// reads her sign-in history and reports one; a forged CSRF token is refused on screen; Erin (no second factor)
// gets the enrolment-only portal, and her idle session ends by itself into the session-ended screen. No screen
// causes a CSP violation or a console error. With ASSENT_PORTAL_SCREENSHOTS=1 every screen is saved at phone and
// desktop size, light and dark, as docs/screenshots/portal-<screen>-<size>-<theme>.png (docs/portal-screens.md).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { encodeBase32 } from '../../src/otp/base32.js';
import { type PushSite, startPushSite } from '../support/push-site.js';
import { runPeer } from '../support/run-peer.js';
import { totpToken } from '../support/totp-token.js';
import { launchChromium, PHONE } from '../support/web-browser.js';
import { portalShots } from '../web/portal-screenshots.js';

let site: PushSite;
let browser: Browser;
let alice: BrowserContext;
let page: Page;
let erin: Page;
let erinSignedInAt = 0;
const aliceSecret = new Uint8Array(randomBytes(20));
/** Console errors and CSP violations: the portal must cause none (refused requests are Chromium's own lines). */
const complaints: string[] = [];

function watch(p: Page): Page {
  p.on('console', (m) => {
    if (m.type() === 'error' && !/the server responded with a status of 40[0-9]/.test(m.text()))
      complaints.push(m.text());
  });
  p.on('pageerror', (e) => complaints.push(`pageerror: ${e.message}`));
  return p;
}

const totp = async (secret: Uint8Array | string) => {
  const key = typeof secret === 'string' ? secret : encodeBase32(secret);
  return (await runPeer('oathtool', ['--totp', '-b', key])).stdout.trim();
};
const heading = (p: Page, name: string | RegExp) =>
  p.getByRole('heading', { name, level: 1 }).waitFor({ timeout: 15_000 });
const mainText = async (p: Page) => (await p.locator('main').textContent()) ?? '';
const portalUrl = () => `${site.publicUrl}/my/`;
const navLink = (p: Page, name: string) =>
  p.getByRole('navigation', { name: 'My account' }).getByRole('link', { name, exact: true });

async function tokensOf(user: string): Promise<{ serial: string; type: string; label: string }[]> {
  const r = await site.assent(['token', 'list', '--user', user, '--json']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { serial: string; type: string; label: string });
}

async function password(p: Page, user: string, secret: string): Promise<void> {
  await heading(p, 'Sign in to your account');
  await p.getByLabel('Name').fill(user);
  await p.getByLabel('Password').fill(secret);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

/** `assent-authenticator approve|deny --latest …`, again until the push has reached it (it polls). */
async function onPhone(answer: 'approve' | 'deny', extra: readonly string[] = []): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const r = await site.authenticator([answer, '--latest', ...extra]);
    if (r.code === 0) return r.stdout;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail('the push never reached the command-line authenticator');
}

before(async () => {
  site = await startPushSite({
    users: [
      { name: 'alice', password: 'alice-pw' },
      { name: 'erin', password: 'erin-pw' },
    ],
    tokens: [totpToken('alice', aliceSecret, 'T-alice')],
    config: {
      push: { timeoutSeconds: 25, numberMatching: true, maxPerUser: 50 },
      portal: { idleMinutes: 1 },
    },
  });
  browser = await launchChromium(site.serverCert);
  alice = await browser.newContext({ viewport: PHONE, locale: 'en-GB', timezoneId: 'Europe/Paris' });
  page = watch(await alice.newPage());
});
after(async () => {
  await browser?.close();
  await site?.stop();
});

test('a user without a second factor gets the enrolment-only portal: the banner, devices and backup codes only', async () => {
  const context = await browser.newContext({
    viewport: PHONE,
    locale: 'en-US',
    timezoneId: 'America/New_York',
  });
  erin = watch(await context.newPage());
  await erin.goto(portalUrl());
  await password(erin, 'erin', 'erin-pw');
  await heading(erin, 'Your devices');
  erinSignedInAt = Date.now();
  await erin.getByRole('heading', { name: 'Set up your second factor' }).waitFor();
  assert.deepEqual(
    await erin.getByRole('navigation', { name: 'My account' }).getByRole('link').allTextContents(),
    ['Devices', 'Backup codes'],
  );
  await portalShots(erin, 'enroll-only');
  // Left alone from here: the last test finds the session ended by its idle timeout (portal.idleMinutes: 1).
});

test('sign in with a code from oathtool; a wrong password is said in an alert', async () => {
  await page.goto(portalUrl());
  await heading(page, 'Sign in to your account');
  await portalShots(page, 'sign-in');
  await password(page, 'alice', 'not-her-password');
  await page.getByText('The name or password is not right').waitFor();
  await portalShots(page, 'sign-in-refused');
  await page.getByLabel('Password').fill('alice-pw');
  await page.keyboard.press('Enter');
  await heading(page, "Confirm it's you");
  assert.match(await mainText(page), /Lost your phone\? Use a backup code/);
  assert.equal(
    await page.getByRole('button', { name: 'Send a request to my phone' }).count(),
    0,
    'no push device',
  );
  await portalShots(page, 'second-factor');
  await page.getByLabel('Code', { exact: true }).fill(await totp(aliceSecret));
  await page.keyboard.press('Enter');
  await heading(page, 'Your devices');
  assert.equal(new URL(page.url()).hash, '#/devices');
  assert.equal(await page.locator('li.device').count(), 1);
  await portalShots(page, 'devices');
  assert.ok(site.server.logs.some((l) => l.event === 'audit.portal_signed_in' && l.user === 'alice'));
});

test('add an authenticator app confirmed with its first code, then rename it', async () => {
  await page.getByRole('link', { name: /An authenticator app/ }).click();
  await heading(page, 'Add an authenticator app');
  await portalShots(page, 'add-app');
  await page.getByLabel('Name').fill('Aegis');
  await page.getByRole('button', { name: 'Show the QR code' }).click();
  await heading(page, 'Scan this with the app');
  const secret = ((await page.locator('.secret code').textContent()) ?? '').replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  assert.equal(
    await page.evaluate(`document.querySelector('img.qr').decode().then(() => true)`),
    true,
    'the QR code is an image the browser draws',
  );
  await portalShots(page, 'app-scan');
  const right = await totp(secret);
  const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
  await page.getByLabel('The code the app shows now').fill(wrong);
  await page.keyboard.press('Enter');
  await page
    .locator('main [role=alert]')
    .getByText(/not right/)
    .waitFor();
  await portalShots(page, 'app-code-wrong');
  await page.getByLabel('The code the app shows now').fill(right);
  await page.keyboard.press('Enter');
  await heading(page, 'Authenticator app added');
  await portalShots(page, 'app-added');
  await page.getByRole('link', { name: 'Done' }).click();
  await heading(page, 'Your devices');
  const added = (await tokensOf('alice')).find((t) => t.label === 'Aegis');
  assert.ok(added, 'the server holds the new token');

  await page.getByRole('button', { name: 'Rename Aegis' }).click();
  await page.getByLabel('New name for Aegis').fill('Aegis on my phone');
  await portalShots(page, 'devices-rename');
  await page.keyboard.press('Enter');
  await page.locator('main').getByText('Renamed to “Aegis on my phone”.').waitFor();
  assert.equal((await tokensOf('alice')).find((t) => t.serial === added.serial)?.label, 'Aegis on my phone');
});

test('add a phone: the link and its QR code; the command-line authenticator enrolls from the link and the page sees it', async () => {
  await page.getByRole('link', { name: /A phone that approves sign-ins/ }).click();
  await heading(page, 'Add a phone');
  await portalShots(page, 'add-phone');
  await page.getByLabel('Name of the phone').fill('Work phone');
  await page.getByRole('button', { name: 'Make the link' }).click();
  await heading(page, 'Open this on your phone');
  const link = await page.getByRole('link', { name: /\/device\/v1\/activation\// }).getAttribute('href');
  assert.match(link ?? '', /^https:\/\/127\.0\.0\.1:\d+\/device\/v1\/activation\/[A-Za-z0-9_-]{22}$/);
  await portalShots(page, 'phone-link');
  const enrolled = await site.authenticator(['enroll', link!, '--ca', site.certFile]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  await page
    .locator('main')
    .getByText(/^Added “.+”\./)
    .waitFor({ timeout: 10_000 });
  await portalShots(page, 'phone-added');
  await page.getByRole('link', { name: 'Done' }).click();
  await heading(page, 'Your devices');
  assert.equal(await page.locator('li.device').count(), 3);
});

let backupCodes: string[] = [];

test('backup codes: shown once, ten of them; the page then warns that new ones end the old', async () => {
  await navLink(page, 'Backup codes').click();
  await heading(page, 'Backup codes');
  assert.match(await mainText(page), /You have no backup codes yet/);
  await portalShots(page, 'backup-codes');
  await page.getByRole('button', { name: 'Make backup codes' }).click();
  await heading(page, 'Your new backup codes');
  backupCodes = (await page.locator('.backup-codes li').allTextContents()).map((c) => c.replace(/\s/g, ''));
  assert.equal(backupCodes.length, 10);
  assert.ok(backupCodes.every((c) => /^\d{10}$/.test(c)));
  await portalShots(page, 'backup-new');
  await page.getByRole('link', { name: 'Done' }).click();
  await heading(page, 'Your devices');
  await navLink(page, 'Backup codes').click();
  await heading(page, 'Backup codes');
  assert.match(await mainText(page), /You have 10 unused codes/);
  assert.match(await mainText(page), /your old codes stop working at once/);
  await portalShots(page, 'backup-codes-replace');
});

test('sign out; sign in by push: denied on the phone, then approved with the number shown', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await heading(page, 'You are signed out');
  await portalShots(page, 'signed-out');
  await page.getByRole('button', { name: 'Sign in again' }).click();
  await password(page, 'alice', 'alice-pw');
  await heading(page, "Confirm it's you");
  await portalShots(page, 'second-factor-push');

  await page.getByRole('button', { name: 'Send a request to my phone' }).click();
  await heading(page, 'Check your phone');
  assert.match(await onPhone('deny'), /denied/);
  await page.locator('.notice.error').getByText('The request was denied on your phone.').waitFor();
  await portalShots(page, 'push-denied');

  await page.getByRole('button', { name: 'Send a request to my phone' }).click();
  await heading(page, 'Check your phone');
  const number = (await page.locator('.match-number').textContent()) ?? '';
  assert.match(number, /^\d\d$/, 'number matching is on');
  await portalShots(page, 'check-phone');
  assert.match(await onPhone('approve', ['--number', number]), /approved/);
  await heading(page, 'Your devices');
});

test('lost phone: sign in with a backup code, remove the old devices; the last one is refused', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await heading(page, 'You are signed out');
  await page.getByRole('button', { name: 'Sign in again' }).click();
  await password(page, 'alice', 'alice-pw');
  await heading(page, "Confirm it's you");
  await page
    .getByLabel('Code', { exact: true })
    .fill(`${backupCodes[0]!.slice(0, 5)} ${backupCodes[0]!.slice(5)}`);
  await page.keyboard.press('Enter');
  await heading(page, 'Your devices');

  for (const name of ['T-alice', 'Work phone']) {
    const button = page.getByRole('button', { name: new RegExp(`^Remove ${name}`) });
    if ((await button.count()) === 0) continue; // a label the server gave differently is checked below
    await button.click();
    if (name === 'T-alice') await portalShots(page, 'devices-remove-confirm');
    await page.getByRole('button', { name: 'Yes, remove' }).click();
    await page
      .locator('main')
      .getByText(/^Removed /)
      .waitFor();
  }
  const left = await tokensOf('alice');
  assert.deepEqual(left.map((t) => t.type).sort(), ['backup', 'totp'], JSON.stringify(left));
  assert.equal(left.find((t) => t.type === 'totp')?.label, 'Aegis on my phone');

  await page.getByRole('button', { name: 'Remove Aegis on my phone' }).click();
  await page.getByRole('button', { name: 'Yes, remove' }).click();
  await page.getByText('This is your only way to sign in. Add another first.').waitFor();
  await portalShots(page, 'devices-last-refused');
  assert.equal((await tokensOf('alice')).length, 2, 'still there');
});

test('the history shows the sign-ins; "This wasn\'t me" reports one and pauses pushes', async () => {
  const entries = page.locator('li.sign-in');
  // The history is written in batches: look again until this session's own sign-in (by backup code) is there.
  let texts: string[] = [];
  for (let i = 0; i < 20; i++) {
    await navLink(page, 'Sign-ins').click();
    await heading(page, 'Recent sign-ins');
    texts = await entries.allTextContents();
    if (/Accepted: backup code/.test(texts[0] ?? '')) break;
    await navLink(page, 'Devices').click(); // away and back: the list is asked for again
    await heading(page, 'Your devices');
    await page.waitForTimeout(250);
  }
  // Alice's sign-ins at the portal, newest first: the backup code, the push, the code from oathtool.
  assert.match(texts[0] ?? '', /Accepted: backup code.*This portal/, texts.join('\n'));
  const accepted = texts.filter((t) => t.includes('Accepted'));
  const order = ['backup code', 'approved on a phone', 'code from an authenticator app'].map((how) =>
    accepted.findIndex((t) => t.includes(`Accepted: ${how}`)),
  );
  assert.ok(
    order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)),
    texts.join('\n'),
  );
  const pushed = entries.filter({ hasText: 'Accepted: approved on a phone' }).first();
  await pushed.getByRole('button', { name: /This wasn't me/ }).click();
  await page.getByRole('button', { name: 'Yes, report it' }).click();
  await page
    .locator('main')
    .getByText(/Reported\. Approval requests to your phones are paused until/)
    .waitFor();
  assert.ok(site.server.logs.some((l) => l.event === 'audit.sign_in_not_me' && l.user === 'alice'));
});

test('a forged CSRF token is refused and the refusal is shown', async () => {
  await navLink(page, 'Devices').click();
  await heading(page, 'Your devices');
  await page.route('**/my/api/devices/*', (route) =>
    route.continue({ headers: { ...route.request().headers(), 'x-csrf-token': 'forged' } }),
  );
  await page.getByRole('button', { name: 'Rename Aegis on my phone' }).click();
  await page.getByLabel('New name for Aegis on my phone').fill('Stolen');
  await page.keyboard.press('Enter');
  const alert = page.locator('li.device [role=alert]').filter({ hasText: /./ });
  await alert.waitFor();
  assert.notEqual((await alert.textContent())?.trim(), '');
  await portalShots(page, 'csrf-refused');
  await page.unroute('**/my/api/devices/*');
  assert.ok(!(await tokensOf('alice')).some((t) => t.label === 'Stolen'), 'nothing changed');
});

test('an idle session ends by itself: the page shows the session-ended screen; no CSP violation or console error anywhere', async () => {
  // Idle for a minute since her last request: the page asks the server 2 s after and shows the ending by itself.
  const left = 62_000 - (Date.now() - erinSignedInAt);
  await erin
    .getByRole('heading', { name: 'Your session ended', level: 1 })
    .waitFor({ timeout: Math.max(0, left) + 10_000 });
  assert.match(await mainText(erin), /Sign in again to go on/);
  assert.equal(await erin.getByRole('navigation', { name: 'My account' }).count(), 0);
  await portalShots(erin, 'session-ended');
  await erin.getByRole('button', { name: 'Sign in again' }).click();
  await heading(erin, 'Sign in to your account');
  assert.deepEqual(complaints, [], 'no console errors or CSP violations');
});
