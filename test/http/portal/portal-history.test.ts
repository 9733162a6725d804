// The portal's sign-in history (docs/self-service.md): the user's last 20, newest first; "this wasn't me" mutes
// pushes as the same answer on the phone does (SECURITY A7.8) and is audited; another user's entry is unknown.
// Also: `portal.allowRemovingLast`, and a portal without a sign-in store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addOtpToken } from '../../../src/admin/token-admin.js';
import type { NewSignIn } from '../../../src/domain/sign-in.js';
import { type PortalSite, startPortalSite } from '../../support/portal-site.js';

let site: PortalSite;

before(async () => {
  site = await startPortalSite({
    users: ['gus', 'hal'].map((name) => ({ name, password: `${name}-pw` })),
    config: { portal: { allowRemovingLast: true }, push: { muteMinutes: 30 } },
  });
});
after(() => site?.close());

const entry = (user: string, minute: number, extra: Partial<NewSignIn> = {}): NewSignIn => ({
  userName: user,
  at: new Date(Date.UTC(2026, 0, 1, 8, minute)).toISOString(),
  client: 'vpn-fw1',
  userIp: '198.51.100.77',
  result: 'accepted',
  how: 'push',
  reason: '',
  txn: `txn-${user}-${minute}`,
  ...extra,
});

test('the last 20 sign-ins, newest first, with what the user needs to judge them', async () => {
  site.signIns.append(Array.from({ length: 25 }, (_, i) => entry('gus', i)));
  site.signIns.append([
    entry('gus', 30, { result: 'rejected', how: '', reason: 'PUSH_DENIED' }),
    entry('hal', 31),
  ]);
  const b = site.browser('192.0.2.1');
  await site.signIn(b, 'gus', 'gus-pw');
  // Enrol a phone so that gus signs in with a push later, and so the portal session is a full one.
  const device = await site.enrollDevice(
    (await site.call(b, 'POST', '/devices/push', {})).json().activationUrl,
  );
  await site.call(b, 'POST', '/sign-out', {});
  const full = site.browser('192.0.2.1');
  await site.signIn(full, 'gus', 'gus-pw');
  await site.call(full, 'POST', '/second-factor/push', {});
  await site.answerPush(device, 'gus', 'approve');
  assert.equal((await site.call(full, 'GET', '/second-factor/push')).json().state, 'signed-in');

  const r = await site.call(full, 'GET', '/sign-ins');
  assert.equal(r.statusCode, 200);
  const rows = r.json().signIns as Record<string, unknown>[];
  assert.equal(rows.length, 20);
  assert.deepEqual(Object.keys(rows[0]!).sort(), [
    'at',
    'client',
    'how',
    'id',
    'notMe',
    'reason',
    'result',
    'userIp',
  ]);
  assert.equal(rows[0]!.client, 'portal', 'the portal sign-in just made is the newest');
  assert.equal(rows[0]!.userIp, '192.0.2.1');
  assert.equal(rows[1]!.how, 'password', 'then the password-only sign-in that enrolled the phone');
  assert.equal(rows[2]!.reason, 'PUSH_DENIED');
  assert.equal(rows[3]!.at, entry('gus', 24).at);
  assert.ok(!rows.some((row) => row.at === entry('hal', 31).at), "hal's newer sign-in is not gus's");
});

test("this wasn't me: marked, pushes to the user muted, audited; another user's entry is not found", async () => {
  const b = site.browser('192.0.2.2');
  await site.signIn(b, 'gus', 'gus-pw');
  const bypass = site.signIns.rows.find((r) => r.txn === 'txn-gus-24')!;
  // gus still has to sign in; backup codes as an administrator would give them do it without a push.
  const stores = { users: site.users, tokens: site.tokens, pushDevices: site.devices };
  const codes = await addOtpToken(stores, { user: 'gus', type: 'backup' });
  assert.equal(
    (await site.call(b, 'POST', '/second-factor/code', { code: codes.backupCodes![0] })).statusCode,
    200,
  );

  const r = await site.call(b, 'POST', `/sign-ins/${bypass.id}/not-me`, {});
  assert.equal(r.statusCode, 200, r.body);
  const mutedUntil = Date.parse(r.json().mutedUntil);
  assert.ok(Math.abs(mutedUntil - (site.clock.now() + 30 * 60_000)) < 1000);
  assert.equal(
    (await site.call(b, 'GET', '/sign-ins')).json().signIns.find((s: { id: number }) => s.id === bypass.id)
      .notMe,
    true,
  );
  const audit = site.logs.find((l) => l.event === 'audit.sign_in_not_me');
  assert.deepEqual(
    { user: audit?.user, src: audit?.src, txn: audit?.txn, signIn: audit?.signIn },
    { user: 'gus', src: '192.0.2.2', txn: bypass.txn, signIn: bypass.id },
  );

  // The mute is the one a "this wasn't me" push answer sets: the next push to gus is refused.
  const next = site.browser('192.0.2.3');
  await site.signIn(next, 'gus', 'gus-pw');
  const refused = await site.call(next, 'POST', '/second-factor/push', {});
  assert.equal(refused.statusCode, 429);
  assert.equal(refused.json().error, 'push_limited');
  assert.ok(site.logs.some((l) => l.event === 'portal.push_refused' && l.reason === 'PUSH_MUTED'));

  const hals = site.signIns.rows.find((row) => row.userName === 'hal')!;
  assert.equal((await site.call(b, 'POST', `/sign-ins/${hals.id}/not-me`, {})).statusCode, 404);
  assert.equal((await site.call(b, 'POST', '/sign-ins/abc/not-me', {})).statusCode, 404);
  assert.equal(site.signIns.get(hals.id)?.notMeAt, null);
});

test('portal.allowRemovingLast: the last device may go', async () => {
  const b = site.browser('192.0.2.4');
  await site.signIn(b, 'hal', 'hal-pw');
  const stores = { users: site.users, tokens: site.tokens, pushDevices: site.devices };
  const added = await addOtpToken(stores, { user: 'hal', type: 'backup' });
  const full = site.browser('192.0.2.4');
  await site.signIn(full, 'hal', 'hal-pw');
  await site.call(full, 'POST', '/second-factor/code', { code: added.backupCodes![0] });
  const device = await site.enrollDevice(
    (await site.call(full, 'POST', '/devices/push', {})).json().activationUrl,
  );
  assert.equal((await site.call(full, 'GET', '/devices')).json().canRemoveLast, true);
  assert.equal((await site.call(full, 'DELETE', `/devices/${device.id}`)).statusCode, 204);
  assert.equal(site.devices.get(device.id), undefined);
});

test('without a sign-in store the history routes are not served', async () => {
  const bare = await startPortalSite({ users: [{ name: 'ida', password: 'ida-pw' }], history: false });
  try {
    const b = bare.browser('192.0.2.5');
    await bare.signIn(b, 'ida', 'ida-pw');
    const r = await bare.call(b, 'GET', '/sign-ins');
    assert.equal(r.statusCode, 404);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(typeof r.json().message, 'string');
  } finally {
    await bare.close();
  }
});
