// The portal's devices (docs/self-service.md, SECURITY A12): an authenticator app added and confirmed with oathtool's
// code (which then cannot be used again), a push activation, rename, remove and the last-device rule, backup codes
// that replace the old set, the lost-phone walk, and what a password-only session may not do.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addOtpToken } from '../../../src/admin/token-admin.js';
import { generateTotp } from '../../../src/otp/totp.js';
import { type Browser, newSeed, type PortalSite, startPortalSite } from '../../support/portal-site.js';
import { runPeer } from '../../support/run-peer.js';

let site: PortalSite;
const oldPhoneSeed = newSeed();

/** oathtool's code for a base32 secret at the site's clock. */
async function oath(base32: string): Promise<string> {
  const at = Math.floor(site.clock.now() / 1000);
  const r = await runPeer('oathtool', ['--totp', '-b', base32, '-N', `@${at}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

before(async () => {
  site = await startPortalSite({
    users: ['amy', 'ben', 'cat', 'don', 'eve', 'fay', 'gus'].map((name) => ({
      name,
      password: `${name}-pw`,
    })),
    tokens: [
      ...['T-gus-1', 'T-gus-2'].map((serial) => ({
        serial,
        userName: 'gus',
        type: 'totp' as const,
        secret: newSeed(),
        algorithm: 'SHA1' as const,
        digits: 6,
        period: 30,
      })),
      {
        serial: 'T-don-old',
        userName: 'don',
        type: 'totp',
        secret: oldPhoneSeed,
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
      },
    ],
  });
});
after(() => site?.close());

/** A browser signed in on the password alone (the user holds no second factor yet). */
async function enrolling(user: string, ip: string): Promise<Browser> {
  const b = site.browser(ip);
  const r = await site.signIn(b, user, `${user}-pw`);
  assert.equal(r.json().enrollOnly, true, r.body);
  return b;
}

test("an authenticator app: QR and secret shown, stored only once oathtool's first code verifies; that code is used up", async () => {
  const b = await enrolling('amy', '203.0.113.1');
  const started = await site.call(b, 'POST', '/devices/totp', { label: 'Work phone' });
  assert.equal(started.statusCode, 201, started.body);
  const { pendingId, uri, secret, qrSvg, expiresAt } = started.json();
  assert.match(secret, /^[A-Z2-7]{32}$/);
  assert.equal(new URL(uri).searchParams.get('secret'), secret);
  assert.match(uri, /^otpauth:\/\/totp\/Assent:amy\?/);
  assert.match(qrSvg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal(Date.parse(expiresAt), site.clock.now() + 10 * 60_000);
  assert.equal(site.tokens.listForUser('amy').length, 0, 'nothing stored before the first code');
  assert.ok(!JSON.stringify(site.logs).includes(secret), 'the secret is never logged');

  const wrong = await site.call(b, 'POST', '/devices/totp/confirm', { pendingId, code: '000000' });
  assert.equal(wrong.statusCode, 400);
  assert.equal(wrong.json().error, 'code_wrong');
  const code = await oath(secret);
  const confirmed = await site.call(b, 'POST', '/devices/totp/confirm', { pendingId, code });
  assert.equal(confirmed.statusCode, 201, confirmed.body);
  const device = confirmed.json().device;
  assert.equal(device.type, 'totp');
  assert.equal(device.label, 'Work phone');
  assert.match(device.id, /^ASNT\d{8}$/);
  assert.equal(device.lastUsedAt === null, false, 'the confirming code counts as its first use');
  assert.equal((await site.call(b, 'POST', '/devices/totp/confirm', { pendingId, code })).statusCode, 404);
  // The code that confirmed it cannot sign in at a NAS or here (RFC 6238 §5.2, A6.4).
  assert.deepEqual(await site.nasCode('amy', code), { ok: false, reason: 'CODE_REPLAYED' });
  const fresh = site.browser('203.0.113.1');
  await site.signIn(fresh, 'amy', 'amy-pw');
  assert.equal((await site.call(fresh, 'POST', '/second-factor/code', { code })).statusCode, 401);
  site.clock.advance(30_000);
  const next = await site.call(fresh, 'POST', '/second-factor/code', { code: await oath(secret) });
  assert.equal(next.statusCode, 200, 'the next code signs in');
  assert.ok(
    site.logs.some(
      (l) => l.event === 'audit.portal_token_added' && l.user === 'amy' && l.serial === device.id,
    ),
  );
  const other = await enrolling('ben', '203.0.113.2');
  assert.equal(
    (await site.call(other, 'POST', '/devices/totp/confirm', { pendingId: 'x'.repeat(22), code })).statusCode,
    404,
  );
});

test('a push activation: the link, its expiry and a QR code; opening it leads to the web authenticator', async () => {
  const b = await enrolling('ben', '203.0.113.3');
  const r = await site.call(b, 'POST', '/devices/push', {});
  assert.equal(r.statusCode, 201, r.body);
  const { activationUrl, expiresAt, qrSvg } = r.json();
  assert.match(activationUrl, /^https:\/\/portal\.test:4433\/device\/v1\/activation\/[A-Za-z0-9_-]{22}$/);
  assert.equal(Date.parse(expiresAt), site.clock.now() + 10 * 60_000);
  assert.match(qrSvg, /<svg /);
  const device = await site.enrollDevice(activationUrl);
  const listed = (await site.call(b, 'GET', '/devices')).json();
  assert.deepEqual(
    listed.devices.map((d: { id: string; type: string }) => [d.id, d.type]),
    [[device.id, 'push']],
  );
  assert.equal(listed.canRemoveLast, false);
  assert.ok(site.logs.some((l) => l.event === 'audit.portal_push_activation' && l.user === 'ben'));
});

test('rename, remove, and the last way to sign in stays (A12.7)', async () => {
  const b = await enrolling('cat', '203.0.113.4');
  const add = async (browser: Browser, label: string) => {
    const { pendingId, secret } = (await site.call(browser, 'POST', '/devices/totp', { label })).json();
    site.clock.advance(30_000);
    const confirm = { pendingId, code: await oath(secret) };
    return (await site.call(browser, 'POST', '/devices/totp/confirm', confirm)).json().device as {
      id: string;
    };
  };
  const first = await add(b, 'Phone');
  // A password-only session may list and add, nothing else (A12.5): sign in with the new factor for the rest.
  assert.equal((await site.call(b, 'DELETE', `/devices/${first.id}`)).json().error, 'enroll_only');
  await site.call(b, 'POST', '/sign-out', {});
  const full = site.browser('203.0.113.4');
  await site.signIn(full, 'cat', 'cat-pw');
  site.clock.advance(30_000);
  const token = site.tokens.getBySerial(first.id)!;
  const code = generateTotp(token.secret, site.clock.now() / 1000, {
    digits: 6,
    period: 30,
    algorithm: 'SHA1',
  });
  assert.equal((await site.call(full, 'POST', '/second-factor/code', { code })).statusCode, 200);

  const renamed = await site.call(full, 'PATCH', `/devices/${first.id}`, { label: '  Pixel 8  ' });
  assert.equal(renamed.statusCode, 200, renamed.body);
  assert.equal(renamed.json().device.label, 'Pixel 8');
  assert.equal(site.tokens.getBySerial(first.id)?.label, 'Pixel 8');
  const bad = await site.call(full, 'PATCH', `/devices/${first.id}`, { label: 'a\u202eb' });
  assert.equal(bad.statusCode, 400);
  assert.equal((await site.call(full, 'PATCH', '/devices/T-don-old', { label: 'mine' })).statusCode, 404);

  const last = await site.call(full, 'DELETE', `/devices/${first.id}`);
  assert.equal(last.statusCode, 409);
  assert.deepEqual(last.json(), {
    error: 'last_device',
    message: 'This is your only way to sign in. Add another first.',
  });
  const backup = await site.call(full, 'POST', '/backup-codes', {});
  assert.equal(backup.statusCode, 201);
  assert.equal(
    (await site.call(full, 'DELETE', `/devices/${first.id}`)).statusCode,
    409,
    'backup codes do not count as a way to sign in',
  );
  const second = await add(full, 'Tablet');
  assert.equal((await site.call(full, 'DELETE', `/devices/${first.id}`)).statusCode, 204);
  assert.equal(site.tokens.getBySerial(first.id), undefined);
  assert.equal((await site.call(full, 'DELETE', `/devices/${first.id}`)).statusCode, 404);
  assert.equal((await site.call(full, 'DELETE', `/devices/${second.id}`)).statusCode, 409);
  assert.equal(
    (await site.call(full, 'DELETE', `/devices/${backup.json().serial}`)).statusCode,
    204,
    'backup codes can always go',
  );
  assert.equal(
    (await site.call(full, 'DELETE', '/devices/T-don-old')).statusCode,
    404,
    "another user's is unknown",
  );
  assert.ok(
    site.logs.some((l) => l.event === 'audit.portal_device_removed' && l.serial === first.id && l.src),
  );
  assert.ok(site.logs.some((l) => l.event === 'audit.portal_device_renamed' && l.label === 'Pixel 8'));
});

test('two removals of the last two ways at once, as from two tabs: one goes, the other is 409 last_device (A12.7)', async () => {
  const b = site.browser('203.0.113.8');
  await site.signIn(b, 'gus', 'gus-pw');
  const { secret } = site.tokens.getBySerial('T-gus-1')!;
  const code = generateTotp(secret, site.clock.now() / 1000, { digits: 6, period: 30, algorithm: 'SHA1' });
  assert.equal((await site.call(b, 'POST', '/second-factor/code', { code })).statusCode, 200);
  const answers = await Promise.all(
    ['T-gus-1', 'T-gus-2'].map((id) => site.call(b, 'DELETE', `/devices/${id}`)),
  );
  assert.deepEqual(answers.map((r) => r.statusCode).sort(), [204, 409]);
  assert.equal(site.tokens.listForUser('gus').length, 1, 'one way in stays');
});

test('new backup codes: ten, shown once; the old set stops working at once', async () => {
  const b = await enrolling('eve', '203.0.113.5');
  const first = (await site.call(b, 'POST', '/backup-codes', {})).json();
  assert.equal(first.codes.length, 10);
  for (const code of first.codes) assert.match(code, /^\d{10}$/);
  const listed = (await site.call(b, 'GET', '/devices')).json().devices;
  assert.deepEqual(
    listed.map((d: { type: string; unusedCodes: number }) => [d.type, d.unusedCodes]),
    [['backup', 10]],
  );
  const second = await site.call(b, 'POST', '/backup-codes', {});
  assert.equal(second.statusCode, 201);
  assert.notEqual(second.json().serial, first.serial);
  assert.equal(site.tokens.getBySerial(first.serial), undefined, 'the old set is removed');
  const audit = site.logs.find(
    (l) => l.event === 'audit.portal_backup_codes' && l.serial === second.json().serial,
  );
  assert.deepEqual(audit?.revoked, [first.serial]);
  assert.ok(!JSON.stringify(site.logs).includes(first.codes[0]), 'no code in the log');

  const withOld = site.browser('203.0.113.5');
  assert.equal((await site.signIn(withOld, 'eve', 'eve-pw')).json().state, 'second-factor');
  const refused = await site.call(withOld, 'POST', '/second-factor/code', { code: first.codes[0] });
  assert.equal(refused.statusCode, 401, 'an old code no longer signs in');
  const accepted = await site.call(withOld, 'POST', '/second-factor/code', { code: second.json().codes[3] });
  assert.equal(accepted.statusCode, 200);
  assert.equal(accepted.json().how, 'backup');
});

test('lost phone: sign in with a backup code, enrol the new phone, remove the old one in the same visit', async () => {
  // Before the loss: don's phone and his backup codes.
  const codes = await makeBackupCodes('don');
  const b = site.browser('203.0.113.6');
  assert.deepEqual((await site.signIn(b, 'don', 'don-pw')).json().methods, ['code']);
  const inside = await site.call(b, 'POST', '/second-factor/code', {
    code: `${codes[0]!.slice(0, 5)} ${codes[0]!.slice(5)}`,
  });
  assert.equal(inside.statusCode, 200, inside.body);
  assert.equal(inside.json().how, 'backup');
  const { pendingId, secret } = (await site.call(b, 'POST', '/devices/totp', { label: 'New phone' })).json();
  site.clock.advance(30_000);
  const added = await site.call(b, 'POST', '/devices/totp/confirm', { pendingId, code: await oath(secret) });
  assert.equal(added.statusCode, 201);
  assert.equal((await site.call(b, 'DELETE', '/devices/T-don-old')).statusCode, 204);
  const left = (await site.call(b, 'GET', '/devices')).json().devices as {
    id: string;
    type: string;
    unusedCodes?: number;
  }[];
  assert.deepEqual(left.map((d) => d.type).sort(), ['backup', 'totp']);
  assert.equal(left.find((d) => d.type === 'backup')?.unusedCodes, 9, 'the code used is spent');
});

test('a password-only session lists, adds and makes backup codes; renames, removals and history are refused', async () => {
  const b = await enrolling('fay', '203.0.113.7');
  assert.equal((await site.call(b, 'GET', '/devices')).statusCode, 200);
  assert.equal((await site.call(b, 'POST', '/devices/push', { label: 'Phone' })).statusCode, 201);
  assert.equal((await site.call(b, 'POST', '/devices/totp', {})).statusCode, 201);
  const backup = await site.call(b, 'POST', '/backup-codes', {});
  assert.equal(backup.statusCode, 201);
  for (const [method, path, body] of [
    ['PATCH', `/devices/${backup.json().serial}`, { label: 'x' }],
    ['DELETE', `/devices/${backup.json().serial}`, undefined],
    ['GET', '/sign-ins', undefined],
    ['POST', '/sign-ins/1/not-me', {}],
  ] as const) {
    const r = await site.call(b, method, path, body);
    assert.equal(r.statusCode, 403, `${method} ${path}`);
    assert.equal(r.json().error, 'enroll_only');
  }
});

/** Backup codes for `user` as an administrator makes them (`assent token add --type backup`). */
async function makeBackupCodes(user: string): Promise<string[]> {
  const added = await addOtpToken(
    { users: site.users, tokens: site.tokens, pushDevices: site.devices },
    { user, type: 'backup', count: 10 },
  );
  return [...added.backupCodes!];
}
