// Issue 15 end to end with real encryption: Firefox ESR subscribes through a fake Mozilla push server on loopback,
// Assent encrypts the signed request to that subscription (RFC 8291) and posts it to the push service, which
// forwards it; Firefox decrypts it, the app's service worker verifies and stores the request and tells the open app,
// the test approves it there, and the held RADIUS login gets Access-Accept.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type FakeMozillaPush, startFakeMozillaPush } from '../support/fake-mozilla-push.js';
import { type Firefox, launchFirefox } from '../support/firefox-bidi.js';
import { type PushSite, startPushSite } from '../support/push-site.js';
import { OUTPUT } from '../support/web-browser.js';

let site: PushSite;
let mozilla: FakeMozillaPush;
let firefox: Firefox;
let scratch: string;

before(async () => {
  site = await startPushSite({
    users: [{ name: 'alice', password: 'alice-pw' }],
    config: { push: { timeoutSeconds: 25, numberMatching: true } },
  });
  mozilla = await startFakeMozillaPush(site.push);
  scratch = mkdtempSync(join(tmpdir(), 'assent-firefox-'));
  firefox = await launchFirefox(scratch, {
    'dom.push.serverURL': mozilla.url,
    'dom.push.testing.allowInsecureServerURL': true,
    'dom.push.enabled': true,
    'dom.push.connection.enabled': true,
    'dom.serviceWorkers.enabled': true,
    'dom.serviceWorkers.testing.enabled': true,
    'permissions.default.desktop-notification': 1,
    'browser.shell.checkDefaultBrowser': false,
    // Headless Firefox has no system notification service: showNotification() fails (NS_ERROR_FAILURE) without this.
    'alerts.useSystemBackend': false,
  });
});
after(async () => {
  await firefox?.close();
  await mozilla?.stop();
  await site?.stop();
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out: ${what}; push server saw ${mozilla.log.join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const mainText = async () =>
  String(await firefox.evaluate("document.getElementById('main')?.textContent ?? ''"));

test('Firefox ESR: a real Web Push subscription; Assent encrypts, the fake Mozilla push server forwards, Firefox decrypts, approve → Access-Accept', async () => {
  await firefox.navigate(`${site.publicUrl}/authenticator/#/add`);
  await until('the add screen', async () =>
    (await mainText()).includes('Add an account') ? true : undefined,
  );
  const link = await site.activationLink('alice');
  await firefox.evaluate(
    `document.getElementById('link').value = ${JSON.stringify(link)}; document.querySelector('form.paste').requestSubmit()`,
  );
  const added = await until('the account', async () => {
    const text = await mainText();
    return /Account added|Notifications are blocked|Can't reach/.test(text) ? text : undefined;
  });
  assert.match(added, /Sign-in requests will arrive as notifications/, added);
  const enrolled = site.server.logs.find((l) => l.event === 'push.enrolled');
  assert.equal(enrolled?.delivery, 'webpush');

  await firefox.navigate(`${site.publicUrl}/authenticator/#/`);
  // What the service worker tells the open app after a push: the proof that Firefox decrypted it and the app
  // verified and stored it. The screen alone is no proof: the open app also polls every 3 s and may find the
  // request on the server before the push arrives.
  await firefox.evaluate(
    `window.pushMessages = []; navigator.serviceWorker.addEventListener('message', (e) => { if (e.data?.type === 'push') window.pushMessages.push(e.data); }); true`,
  );
  const r = await site.radclient('User-Name = "alice"\nUser-Password = "alice-pw"\n');
  const state = /State = (0x[0-9a-f]+)/.exec(r.stdout.slice(r.stdout.indexOf('Received')))![1]!;
  const number = /\(number (\d\d)\)/.exec(r.stdout)![1]!;
  const held = site.radclient(`User-Name = "alice"\nUser-Password = ""\nState = ${state}\n`, 30);
  // Generous: on a loaded CI machine Firefox's service worker has taken over 15 s to wake for the push.
  const pushed = await until(
    "the service worker's message about the push",
    async () => {
      const messages = (await firefox.evaluate('window.pushMessages')) as
        | { session: string; stored: boolean; problems: string[] }[]
        | null;
      return messages?.length ? messages[0] : undefined;
    },
    28_000,
  );
  assert.deepEqual(pushed.problems, [], 'the push was handled without a problem');
  assert.equal(pushed.stored, true, 'the verified request is in the inbox');
  assert.notEqual(pushed.session, '');
  await until('the request screen', async () => {
    const shown = await firefox.evaluate("document.querySelector('section.request')?.dataset.session ?? ''");
    return shown === pushed.session ? true : undefined;
  });
  assert.ok(mozilla.acked.length >= 1, 'Firefox acknowledged the pushed message');
  mkdirSync(OUTPUT, { recursive: true });
  writeFileSync(join(OUTPUT, 'firefox-request.png'), await firefox.screenshot());
  await firefox.evaluate(
    `const n = document.getElementById('number'); n.value = ${JSON.stringify(number)}; n.dispatchEvent(new Event('input'));
     document.querySelector('button.approve').click()`,
  );
  const reply = await held;
  assert.match(reply.stdout, /Received Access-Accept/, reply.stdout + reply.stderr);
});
