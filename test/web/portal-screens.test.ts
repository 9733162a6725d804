// The user portal's screens in headless Chromium against a fake of its JSON API (portal-fake-api.ts), for the
// outcomes the real server gives only slowly or never on demand: a push denied, timed out or unreachable, the
// number to type, the last device refused, an expired setup, the session ended by its idle timeout; and the
// keyboard and screen-reader rules (labels, focus on each new screen's heading, live messages), with no CSP
// violation or console error anywhere. test/interop/portal-browser.test.ts walks the same app against the server.
// With ASSENT_PORTAL_SCREENSHOTS=1 it saves the sign-in history's screens, from the fake's fixed history.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/web-browser.js';
import { type FakePortal, startFakePortal } from './portal-fake-api.js';
import { portalShots } from './portal-screenshots.js';

let fake: FakePortal;
let browser: Browser;
const complaints: string[] = [];

before(async () => {
  fake = await startFakePortal();
  browser = await launchChromium(fake.cert);
});
after(async () => {
  await browser?.close();
  await fake?.stop();
});

/** A new browser context on the portal, the fake's data as it was at the start. */
async function open(): Promise<Page> {
  fake.reset();
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    // A refused request is logged by Chromium itself; the screen shows it. Everything else is a fault.
    if (m.type() === 'error' && !/status of (40[0-9]|429|503)/.test(m.text())) complaints.push(m.text());
  });
  page.on('pageerror', (e) => complaints.push(`pageerror: ${e.message}`));
  await page.goto(`${fake.url}/my/`);
  return page;
}

/** The focused element's heading text, when a heading has the focus. */
const focusedHeading = (page: Page) =>
  page.evaluate('document.activeElement?.tagName === "H1" ? document.activeElement.textContent : null');
const heading = (page: Page, name: string | RegExp) =>
  page.getByRole('heading', { name, level: 1 }).waitFor({ timeout: 10_000 });
const mainText = async (page: Page) => (await page.locator('main').textContent()) ?? '';

async function signIn(page: Page, user = 'alice'): Promise<void> {
  await heading(page, 'Sign in to your account');
  await page.getByLabel('Name').fill(user);
  await page.getByLabel('Password').fill(`${user}-pw`);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('sign-in: labelled fields, a refusal said in an alert with the focus back on the password; focus on each new heading', async () => {
  const page = await open();
  await heading(page, 'Sign in to your account');
  assert.equal(await focusedHeading(page), 'Sign in to your account');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match((await page.getByRole('alert').textContent()) ?? '', /Type your name and your password/);
  await page.getByLabel('Name').fill('alice');
  await page.getByLabel('Password').fill('wrong');
  await page.keyboard.press('Enter');
  await page.getByText('The name or password is not right').waitFor();
  assert.equal(await page.evaluate('document.activeElement.id'), 'password');
  assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Password').fill('alice-pw');
  await page.keyboard.press('Enter');
  await heading(page, "Confirm it's you");
  assert.equal(await focusedHeading(page), "Confirm it's you");
  assert.match(await mainText(page), /Lost your phone\? Use a backup code/);
  assert.equal(
    await page.getByLabel('Code', { exact: true }).getAttribute('aria-describedby'),
    'code-hint',
    'the hint is read with the field',
  );
  await page.getByRole('button', { name: 'Start over' }).click();
  await heading(page, 'Sign in to your account');
  assert.equal(fake.requests.at(-1)?.path, '/sign-out', 'the half-open session was ended on the server');
  await page.context().close();
});

test('second factor: a wrong code, then push denied, unreachable and timed out, each said; then approved with the number', async () => {
  const page = await open();
  await signIn(page);
  await heading(page, "Confirm it's you");
  await page.getByLabel('Code', { exact: true }).fill('12345');
  await page.getByRole('button', { name: 'Verify' }).click();
  assert.match((await page.locator('.code-form [role=alert]').textContent()) ?? '', /6 to 8 digits/);
  await page.getByLabel('Code', { exact: true }).fill('111111');
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByText('That code is not right.').waitFor();

  for (const [outcome, said] of [
    ['deny', /denied on your phone/],
    ['unreachable', /could not be reached/],
    ['timeout', /did not answer in time/],
    ['limited', /Too many requests/],
  ] as const) {
    fake.push = { outcome, number: null, pendingPolls: 0 };
    await page.getByRole('button', { name: 'Send a request to my phone' }).click();
    await page.locator('.notice.error').getByText(said).waitFor();
    await heading(page, "Confirm it's you");
  }

  fake.push = { outcome: 'approve', number: '42', pendingPolls: 2 };
  await page.getByRole('button', { name: 'Send a request to my phone' }).click();
  await heading(page, 'Check your phone');
  assert.equal(await page.locator('.match-number').textContent(), '42');
  await heading(page, 'Your devices');
  assert.equal(new URL(page.url()).hash, '#/devices');
  assert.ok(
    fake.requests.filter((r) => r.method === 'GET' && r.path === '/second-factor/push').length >= 3,
    'pending answers were polled again',
  );
  await page.context().close();
});

test("five wrong codes end the session: the session-ended screen gives the server's reason", async () => {
  const page = await open();
  await signIn(page);
  const before = fake.requests.length;
  const tries = () => fake.requests.slice(before).filter((r) => r.path === '/second-factor/code').length;
  for (let i = 1; i <= 4; i++) {
    await page.getByLabel('Code', { exact: true }).fill('000000');
    await page.keyboard.press('Enter');
    while (tries() < i) await page.waitForTimeout(20);
    await page.getByText('That code is not right.').waitFor();
  }
  await page.getByLabel('Code', { exact: true }).fill('000000');
  await page.keyboard.press('Enter');
  await heading(page, 'Your session ended');
  assert.match(await mainText(page), /Too many wrong codes: sign in again\./);
  await page.context().close();
});

test('"Use a code instead" leaves the push wait; a backup code signs in', async () => {
  const page = await open();
  await signIn(page);
  fake.push = { outcome: 'approve', number: null, pendingPolls: 100 };
  await page.getByRole('button', { name: 'Send a request to my phone' }).click();
  await heading(page, 'Check your phone');
  assert.match(await mainText(page), /Open the sign-in request on your phone/);
  await page.getByRole('button', { name: 'Use a code instead' }).click();
  await heading(page, "Confirm it's you");
  await page.getByLabel('Code', { exact: true }).fill('01234 56789');
  await page.keyboard.press('Enter');
  await heading(page, 'Your devices');
  await page.waitForTimeout(600);
  await heading(page, 'Your devices'); // the abandoned poll did not take the screen back
  await page.context().close();
});

test('devices: rename in place (Escape cancels), remove after a confirmation, the last device refused in its card', async () => {
  const page = await open();
  await signIn(page);
  await page.getByLabel('Code', { exact: true }).fill('123456');
  await page.keyboard.press('Enter');
  await heading(page, 'Your devices');
  const cards = page.locator('li.device');
  assert.equal(await cards.count(), 3);
  assert.match(
    (await cards.first().textContent()) ?? '',
    /Pixel 8Phone: approves sign-ins.*Added1 Dec 2026, 09:12.*Last used5 Dec 2026, 08:14/,
  );
  assert.match((await cards.nth(2).textContent()) ?? '', /Codes left8/);

  await page.getByRole('button', { name: 'Rename Aegis' }).click();
  assert.equal(await page.evaluate('document.activeElement.id'), 'new-label-ASNT00000002');
  await page.keyboard.press('Escape');
  assert.equal(await page.evaluate('document.activeElement.id'), 'rename-ASNT00000002');
  await page.keyboard.press('Enter');
  await page.getByLabel('New name for Aegis').fill('Aegis on the tablet');
  await page.keyboard.press('Enter');
  await page.locator('main').getByText('Renamed to “Aegis on the tablet”.').waitFor();
  assert.equal(
    await page.evaluate('document.activeElement.id'),
    'rename-ASNT00000002',
    'the focus stays on the card',
  );
  assert.equal(fake.devices('alice')[1]!.label, 'Aegis on the tablet');

  await page.getByRole('button', { name: 'Remove Pixel 8' }).click();
  assert.equal(
    await page.evaluate('document.activeElement.textContent'),
    'Keep it',
    'the safe answer has the focus',
  );
  await page.getByRole('button', { name: 'Yes, remove' }).click();
  await page.locator('main').getByText('Removed Pixel 8.').waitFor();
  assert.equal(await cards.count(), 2);

  await page.getByRole('button', { name: 'Remove Aegis on the tablet' }).click();
  await page.getByRole('button', { name: 'Yes, remove' }).click();
  await page.getByText('This is your only way to sign in. Add another first.').waitFor();
  assert.equal(await cards.count(), 2, 'still there');
  await page.context().close();
});

test('adding: the phone link with its QR code, the phone arriving; an app confirmed after a wrong first code', async () => {
  const page = await open();
  await signIn(page);
  await page.getByLabel('Code', { exact: true }).fill('123456');
  await page.keyboard.press('Enter');
  await heading(page, 'Your devices');
  await page.getByRole('link', { name: /A phone that approves sign-ins/ }).click();
  await heading(page, 'Add a phone');
  await page.getByLabel('Name of the phone').fill('Work phone');
  await page.getByRole('button', { name: 'Make the link' }).click();
  await heading(page, 'Open this on your phone');
  const qr = page.getByRole('img', { name: 'QR code of the activation link' });
  assert.ok(((await qr.getAttribute('src')) ?? '').startsWith('data:image/svg+xml,'));
  const drawn = await page.evaluate(`(async () => {
    const img = document.querySelector('img.qr');
    await img.decode();
    return img.getBoundingClientRect().height;
  })()`);
  assert.equal(drawn, 240, 'the QR code is drawn at its size');
  await page.getByRole('link', { name: /\/device\/v1\/activation\// }).waitFor();
  fake.addPhone('alice', 'Work phone');
  await page.locator('main').getByText('Added “Work phone”.').waitFor({ timeout: 8_000 });
  await page.getByRole('link', { name: 'Done' }).click();
  await heading(page, 'Your devices');

  await page.getByRole('link', { name: /An authenticator app/ }).click();
  await heading(page, 'Add an authenticator app');
  await page.getByRole('button', { name: 'Show the QR code' }).click();
  await heading(page, 'Scan this with the app');
  assert.match(await mainText(page), /JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP/);
  await page.getByLabel('The code the app shows now').fill('000000');
  await page.keyboard.press('Enter');
  await page.getByText('That code is not right.').waitFor();
  await page.getByLabel('The code the app shows now').fill('654321');
  await page.keyboard.press('Enter');
  await heading(page, 'Authenticator app added');
  await page.getByRole('link', { name: 'Done' }).click();
  await heading(page, 'Your devices');
  assert.equal(fake.devices('alice').filter((d) => d.type === 'totp').length, 2);
  await page.context().close();
});

test('backup codes: the warning that the old set stops working, the new codes once; history: "This wasn\'t me" after a confirmation', async () => {
  const page = await open();
  await signIn(page);
  await page.getByLabel('Code', { exact: true }).fill('123456');
  await page.keyboard.press('Enter');
  await heading(page, 'Your devices');
  await page
    .getByRole('navigation', { name: 'My account' })
    .getByRole('link', { name: 'Backup codes' })
    .click();
  await heading(page, 'Backup codes');
  assert.match(await mainText(page), /You have \d+ unused codes/);
  assert.match(await mainText(page), /your old codes stop working at once/);
  assert.equal(
    await page.getByRole('link', { name: 'Backup codes' }).getAttribute('aria-current'),
    'page',
    'the navigation marks the current page',
  );
  await page.getByRole('button', { name: 'Make new codes' }).click();
  await heading(page, 'Your new backup codes');
  assert.equal(await page.locator('.backup-codes li').count(), 10);
  assert.match((await page.locator('.backup-codes li').first().textContent()) ?? '', /^\d{5} \d{5}$/);
  assert.match(await mainText(page), /shown only this once/);

  await page.getByRole('link', { name: 'Sign-ins', exact: true }).click();
  await heading(page, 'Recent sign-ins');
  const entries = page.locator('li.sign-in');
  assert.equal(await entries.count(), 6);
  assert.match(
    (await entries.first().textContent()) ?? '',
    /5 Dec 2026, 08:14Accepted: approved on a phone.*vpn-fw1.*203\.0\.113\.9/,
  );
  assert.match((await entries.nth(1).textContent()) ?? '', /Refused: wrong code/);
  assert.match((await entries.nth(3).textContent()) ?? '', /Reported as not you/);
  assert.equal(await entries.nth(1).getByRole('button').count(), 0, 'no report button on a refusal');
  await portalShots(page, 'sign-ins');
  await entries
    .first()
    .getByRole('button', { name: /This wasn't me/ })
    .click();
  assert.equal(await page.evaluate('document.activeElement.textContent'), 'Cancel');
  await portalShots(page, 'sign-ins-confirm');
  await page.getByRole('button', { name: 'Yes, report it' }).click();
  await page
    .locator('main')
    .getByText(/Reported\. Approval requests to your phones are paused until \d\d:\d\d\./)
    .waitFor();
  await portalShots(page, 'sign-ins-reported');
  assert.equal(
    await page.locator('#status').textContent(),
    await page.locator('li.sign-in .notice').textContent(),
  );
  await page.context().close();
});

test('a CSRF refusal is shown as an error; the ended session shows its screen; sign out says so', async () => {
  const page = await open();
  await signIn(page);
  await page.getByLabel('Code', { exact: true }).fill('123456');
  await page.keyboard.press('Enter');
  await heading(page, 'Your devices');
  await page.route('**/my/api/devices/*', (route) =>
    route.continue({ headers: { ...route.request().headers(), 'x-csrf-token': 'forged' } }),
  );
  await page.getByRole('button', { name: 'Rename Pixel 8' }).click();
  await page.getByLabel('New name for Pixel 8').fill('Mine');
  await page.keyboard.press('Enter');
  await page.getByText('This request was refused: reload the page and try again.').waitFor();
  assert.equal(fake.requests.at(-1)!.csrf, 'wrong');
  await page.unroute('**/my/api/devices/*');

  fake.expireSessions();
  await page.getByRole('link', { name: 'Sign-ins', exact: true }).click();
  await heading(page, 'Your session ended');
  assert.match(await mainText(page), /Sign in again to go on/);
  assert.doesNotMatch(
    await mainText(page),
    /Your session ended;/,
    'the usual sentence does not repeat the heading',
  );
  assert.equal(
    await page.getByRole('navigation', { name: 'My account' }).count(),
    0,
    'no navigation without a session',
  );
  await page.getByRole('button', { name: 'Sign in again' }).click();
  await signIn(page);
  await page.getByLabel('Code', { exact: true }).fill('123456');
  await page.keyboard.press('Enter');
  await heading(page, 'Recent sign-ins'); // back where the user was
  await page.getByRole('button', { name: 'Sign out' }).click();
  await heading(page, 'You are signed out');
  await page.reload();
  await heading(page, 'Sign in to your account');
  await page.context().close();
});

test('a password-only session (no second factor yet) sees the banner, devices and backup codes only', async () => {
  const page = await open();
  await signIn(page, 'erin');
  await heading(page, 'Your devices');
  await page.getByRole('heading', { name: 'Set up your second factor' }).waitFor();
  assert.match(await mainText(page), /No devices yet\./);
  assert.deepEqual(
    await page.getByRole('navigation', { name: 'My account' }).getByRole('link').allTextContents(),
    ['Devices', 'Backup codes'],
  );
  const asked = () => fake.requests.filter((r) => r.path === '/sign-ins').length;
  const before = asked();
  await page.goto(`${fake.url}/my/#/sign-ins`);
  await heading(page, 'Your devices');
  assert.equal(asked(), before, 'the history was never asked for');
  await page.context().close();
});

test('keyboard only: every control is reached with Tab and has a name; the focus ring shows', async () => {
  const page = await open();
  await signIn(page);
  await page.getByLabel('Code', { exact: true }).fill('123456');
  await page.keyboard.press('Enter');
  await heading(page, 'Your devices');
  const reached: string[] = [];
  await page.locator('.skip').focus(); // from the top of the page
  for (let i = 0; i < 40; i++) {
    const info = (await page.evaluate(`(() => {
      const e = document.activeElement;
      if (e === document.body) return null;
      const style = getComputedStyle(e);
      return { name: e.getAttribute('aria-label') || e.textContent.trim().slice(0, 40), ring: style.outlineStyle };
    })()`)) as { name: string; ring: string } | null;
    if (info === null) break; // past the last control
    await page.keyboard.press('Tab');
    assert.notEqual(info.name, '', 'every focusable control has a name');
    assert.notEqual(info.ring, 'none', `${info.name} shows where the focus is`);
    reached.push(info.name);
  }
  for (const name of [
    'Skip to content',
    'Sign out',
    'Devices',
    'Sign-ins',
    'Rename Pixel 8',
    'Remove Pixel 8',
    'Rename Backup codes',
  ])
    assert.ok(reached.includes(name), `${name} in ${reached.join(' | ')}`);
  assert.ok(reached.some((n) => n.startsWith('An authenticator app')));
  await page.context().close();
  assert.deepEqual(complaints, [], 'no console errors or CSP violations');
});
