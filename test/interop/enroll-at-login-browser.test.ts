// Issue 18 in Chromium: a user without a second factor logs in with radclient, the challenge carries the link, the
// browser opens its page and either enrolls the web authenticator (the NAS's empty answer is held, the server's
// push envelope is delivered to the service worker over CDP, approved in the page → Access-Accept with the group's
// attributes) or shows a TOTP key whose first code, from oathtool, completes the login once and never again.
// Screenshots go to tmp/test-output/web-authenticator (enroll-*.png).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import jsQRModule from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { enrollLinkIn } from '../support/enroll-link.js';
import { type PushSite, startPushSite } from '../support/push-site.js';
import { runPeer } from '../support/run-peer.js';
import {
  launchChromium,
  phoneContext,
  registrationId,
  screens,
  withTimeout,
} from '../support/web-browser.js';

let site: PushSite;
let browser: Browser;
let phone: BrowserContext;
/** Console errors and CSP violations: the pages must cause none. */
const complaints: string[] = [];

function watch(page: Page): Page {
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Push API in incognito|status of 40[14]/.test(m.text()))
      complaints.push(m.text());
  });
  page.on('pageerror', (e) => complaints.push(`pageerror: ${e.message}`));
  return page;
}

before(async () => {
  site = await startPushSite({
    users: [
      { name: 'carol', password: 'carol-pw', groups: ['staff'] },
      { name: 'dave', password: 'dave-pw', groups: ['staff'] },
    ],
    config: {
      push: { timeoutSeconds: 25 },
      secondFactor: { requireForAll: true, enrollAtLogin: true },
      replyAttributes: {
        staff: [
          { name: 'Fortinet-Group-Name', value: 'vpn-users' },
          { name: 'Class', value: 'staff' },
        ],
      },
    },
  });
  browser = await launchChromium(site.serverCert);
  phone = await phoneContext(browser, site.publicUrl);
});
after(async () => {
  await browser?.close();
  await site?.stop();
});

const received = (stdout: string) => stdout.slice(stdout.indexOf('Received'));
const heading = (page: Page, name: string | RegExp) =>
  page.getByRole('heading', { name, level: 1 }).waitFor({ timeout: 15_000 });

/** radclient: the password → Access-Challenge naming the link; returns the State, the link and the text. */
async function challenge(user: string): Promise<{ state: string; link: string; text: string }> {
  const r = await site.radclient(
    `User-Name = "${user}"\nUser-Password = "${user}-pw"\nCalling-Station-Id = "198.51.100.30"\n`,
  );
  assert.match(r.stdout, /Received Access-Challenge/, r.stdout + r.stderr);
  const text = /Reply-Message = "([^"]*)"/.exec(received(r.stdout))![1]!;
  return { state: /State = (0x[0-9a-f]+)/.exec(received(r.stdout))![1]!, link: enrollLinkIn(text), text };
}

/**
 * What a camera would read from the page's QR code: the SVG drawn on a canvas in a blank page (the enrollment page's
 * CSP rightly forbids loading it as an image there), decoded by jsQR here.
 */
async function readQr(svg: string): Promise<string | undefined> {
  const blank = await phone.newPage();
  try {
    const size = 300;
    const pixels = (await blank.evaluate(`(async (svg) => {
      const img = new Image();
      // Only a viewBox: the image needs a size to be drawn.
      img.src = 'data:image/svg+xml;base64,' + btoa(svg.replace('<svg ', '<svg width="${size}" height="${size}" '));
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = ${size};
      canvas.height = ${size};
      const g = canvas.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, ${size}, ${size});
      g.drawImage(img, 0, 0, ${size}, ${size});
      return Array.from(g.getImageData(0, 0, ${size}, ${size}).data);
    })(${JSON.stringify(svg)})`)) as number[];
    return jsQR(Uint8ClampedArray.from(pixels), size, size)?.data;
  } finally {
    await blank.close();
  }
}

// jsQR is CommonJS: under Node its function is the module's `default` export.
const jsQR = (jsQRModule as unknown as { default: typeof jsQRModule.default }).default;

const answer = (user: string, password: string, state: string, wait = 1) =>
  site.radclient(`User-Name = "${user}"\nUser-Password = "${password}"\nState = ${state}\n`, wait);

test('the web authenticator: the page enrolls it, the empty answer is held, the push reaches the service worker, Approve → Access-Accept with the attributes', async () => {
  const { state, link, text } = await challenge('carol');
  assert.match(
    text,
    /^Set up two-step sign-in: open https:\/\/127\.0\.0\.1:\d+\/e\/[2-9A-HJ-NP-Z]{8} on your phone/,
  );
  const page = watch(await phone.newPage());
  await page.goto(link);
  await heading(page, 'Set up two-step sign-in');
  await screens(page, 'enroll-choices');
  await page.getByRole('button', { name: 'Use this phone as the authenticator' }).click();
  await heading(page, 'Add this account?');
  assert.match(page.url(), /\/authenticator\/#\/add\/[A-Za-z0-9_-]{22}$/);
  await page.getByRole('button', { name: 'Add account' }).click();
  await heading(page, 'Account added');
  const enrolled = site.server.logs.find((l) => l.event === 'push.enrolled' && l.user === 'carol');
  assert.ok(enrolled, 'the browser enrolled for carol');

  // Chromium refuses push subscriptions in incognito contexts, so the browser enrolled to poll. The envelope
  // comes from a Web Push subscriber the test holds the keys of (as in web-authenticator-approve.test.ts): the
  // server encrypts its request to it, the Python peer opens it, and CDP hands the same envelope to the browser's
  // worker.
  const subscriber = await site.enrollWebPush('carol');
  const blank = await phone.newPage();
  const cdp = await phone.newCDPSession(blank);
  const registration = await registrationId(cdp, `${site.publicUrl}/authenticator/`);
  const held = answer('carol', '', state, 30);
  const { envelope } = await site.decrypt(await site.push.next(), subscriber.subscription);
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: `${site.publicUrl}/`,
    registrationId: registration,
    data: JSON.stringify(envelope),
  });
  const probe = await phone.newPage();
  await probe.goto(`${site.publicUrl}/authenticator/config.json`);
  const shown = await withTimeout(
    (async () => {
      for (;;) {
        const list = (await probe.evaluate(`(async () => {
          const r = await navigator.serviceWorker.getRegistration('/authenticator/');
          return ((await r?.getNotifications()) ?? []).map((n) => ({ title: n.title, data: n.data }));
        })()`)) as { title: string; data: { url: string } }[];
        if (list.length > 0) return list;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })(),
    10_000,
    'the notification',
  );
  assert.equal(shown[0]!.title, 'Sign-in request');
  const request = watch(await phone.newPage());
  await request.goto(`${site.publicUrl}${shown[0]!.data.url}`);
  await heading(request, 'Is this you signing in to local?');
  await request.getByRole('button', { name: 'Approve' }).click();
  await heading(request, 'Approved');
  const reply = await held;
  assert.match(reply.stdout, /Received Access-Accept/, reply.stdout + reply.stderr);
  assert.match(received(reply.stdout), /Fortinet-Group-Name = "vpn-users"/);
  assert.match(received(reply.stdout), /Class = 0x7374616666/);
  const decided = site.server.logs.filter((l) => l.event === 'push.decided').at(-1)!;
  assert.equal(decided.device, enrolled.device, 'the browser enrolled through the link answered');

  await page.goto(link);
  assert.match((await page.textContent('body')) ?? '', /unknown, used or expired/, 'the link was spent');
  await Promise.all([page.close(), blank.close(), probe.close(), request.close()]);
  await site.assent(['token', 'remove', subscriber.deviceId]);
});

test("a TOTP key: the page shows it, oathtool's first code completes the login with the attributes; the same code at the next login is refused", async () => {
  const { state, link } = await challenge('dave');
  const page = watch(await phone.newPage());
  await page.goto(link);
  await heading(page, 'Set up two-step sign-in');
  await page.getByRole('button', { name: 'Use an authenticator app (TOTP)' }).click();
  await heading(page, 'Scan this with your authenticator app');
  assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code is drawn');
  await screens(page, 'enroll-totp');
  const secret = ((await page.locator('#secret').textContent()) ?? '').replaceAll(' ', '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const svg = await page.evaluate(`document.querySelector('.qr svg').outerHTML`);
  assert.equal(
    await readQr(String(svg)),
    `otpauth://totp/Assent:dave?issuer=Assent&secret=${secret}&algorithm=SHA1&digits=6&period=30`,
    'the QR code holds the key shown as text',
  );
  const code = (await runPeer('oathtool', ['--totp', '-b', secret])).stdout.trim();
  const accepted = await answer('dave', code, state);
  assert.match(accepted.stdout, /Received Access-Accept/, accepted.stdout + accepted.stderr);
  assert.match(received(accepted.stdout), /Fortinet-Group-Name = "vpn-users"/);
  assert.ok(site.server.logs.some((l) => l.event === 'audit.enrollment_totp' && l.user === 'dave'));

  const next = await site.radclient('User-Name = "dave"\nUser-Password = "dave-pw"\n');
  assert.match(received(next.stdout), /Reply-Message = "Enter token code"/, 'dave now holds a token');
  const replay = await answer('dave', code, /State = (0x[0-9a-f]+)/.exec(received(next.stdout))![1]!);
  assert.match(replay.stdout, /Received Access-Challenge/, 'refused, re-challenged');
  assert.ok(site.server.logs.some((l) => l.user === 'dave' && l.reason === 'CODE_REPLAYED'));
  await page.close();
  assert.deepEqual(complaints, [], 'no console errors or CSP violations');
});
