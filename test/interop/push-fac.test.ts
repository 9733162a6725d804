// docs/push.md §10: FortiAuthenticator's answer route `POST /api/v1/pushauthresp/` (form or JSON): `validate` with the
// current token code approves (the code is used up), `alert` denies; signed by the device unless `code-only`.
import assert from 'node:assert/strict';
import { createECDH, createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';
import { request } from 'node:https';
import { after, before, test } from 'node:test';
import { call } from '../../src/authenticator/device-client.js';
import { base64url, FAC_ANSWER_LABEL, signEs256, signingInput } from '../../src/domain/push-protocol.js';
import { encodeBase32 } from '../../src/otp/base32.js';
import { type PushSite, startPushSite } from '../support/push-site.js';
import { runPeer } from '../support/run-peer.js';

const secret = new Uint8Array(randomBytes(20));
const sites: Record<'signed' | 'codeOnly', PushSite | undefined> = { signed: undefined, codeOnly: undefined };
const devices = new Map<PushSite, { id: string; key: KeyObject }>();

async function site(mode: 'signed' | 'code-only'): Promise<PushSite> {
  const s = await startPushSite({
    users: [{ name: 'alice', password: 'alice-pw' }],
    tokens: [
      {
        serial: 'T-alice',
        userName: 'alice',
        type: 'totp',
        secret,
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
      },
    ],
    config: { push: { timeoutSeconds: 20, fortiAnswers: mode, maxPerUser: 50 } },
  });
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const point = ecdh.getPublicKey();
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
      d: ecdh.getPrivateKey().toString('base64url'),
    },
    format: 'jwk',
  });
  const enrolled = await call('POST', await s.activationLink('alice'), s.serverCert, {
    public_key: point.toString('base64url'),
    delivery: { kind: 'poll' },
  });
  devices.set(s, { id: (enrolled.body as { device_id: string }).device_id, key });
  return s;
}

before(async () => {
  sites.signed = await site('signed');
  sites.codeOnly = await site('code-only');
});
after(async () => {
  await sites.signed?.stop();
  await sites.codeOnly?.stop();
});

const radclient = (s: PushSite, attributes: string, wait = 1) => s.radclient(attributes, wait);
const totp = async (offset = '') =>
  (
    await runPeer('oathtool', ['--totp', '-b', encodeBase32(secret), ...(offset ? ['-N', offset] : [])])
  ).stdout.trim();

/** A push for alice, held; its session id from a signed poll. */
async function pushFor(s: PushSite) {
  const first = await radclient(s, 'User-Name = "alice"\nUser-Password = "alice-pw"\n');
  const state = /State = (0x[0-9a-f]+)/.exec(first.stdout.slice(first.stdout.indexOf('Received')))?.[1];
  assert.ok(state, first.stdout);
  const held = radclient(s, `User-Name = "alice"\nState = ${state}\n`, 25);
  const device = devices.get(s)!;
  for (let i = 0; i < 50; i++) {
    const time = new Date().toISOString();
    const nonce = base64url.encode(randomBytes(16));
    const input = signingInput(['assent-poll-v1', device.id, time, nonce])!;
    const query = new URLSearchParams({
      device_id: device.id,
      time,
      nonce,
      signature: base64url.encode(signEs256(device.key, input)),
    });
    const r = await call('GET', `${s.publicUrl}/device/v1/pending?${query}`, s.serverCert);
    const open = (r.body as { requests: { request: string }[] }).requests;
    if (open.length > 0) {
      const sessionId = (
        JSON.parse(Buffer.from(open[0]!.request, 'base64url').toString()) as { session_id: string }
      ).session_id;
      return { sessionId, held };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('no push started');
}

/** FortiToken Mobile's form post, with Assent's device signature when `sign`. */
function pushauthresp(s: PushSite, fields: Record<string, string>, sign: boolean) {
  const device = devices.get(s)!;
  const all = { ...fields };
  if (sign) {
    const time = new Date().toISOString();
    const detail = fields.action === 'validate' ? fields.token_code! : fields.message!;
    const input = signingInput([
      FAC_ANSWER_LABEL,
      fields.session_id!,
      device.id,
      fields.action!,
      detail,
      time,
    ])!;
    Object.assign(all, {
      device_id: device.id,
      time,
      signature: base64url.encode(signEs256(device.key, input)),
    });
  }
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = request(
      `${s.publicUrl}/api/v1/pushauthresp/`,
      { method: 'POST', ca: s.serverCert, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(new URLSearchParams(all).toString());
  });
}

test("signed validate with the current code approves with FortiAuthenticator's body; the code is then used up", async () => {
  const s = sites.signed!;
  const { sessionId, held } = await pushFor(s);
  const code = await totp();
  const unsigned = await pushauthresp(
    s,
    { session_id: sessionId, action: 'validate', token_code: code },
    false,
  );
  assert.deepEqual(unsigned, { status: 401, body: { success: false, message: 'Invalid request.' } });
  const approved = await pushauthresp(
    s,
    { session_id: sessionId, action: 'validate', token_code: code },
    true,
  );
  assert.deepEqual(approved, {
    status: 200,
    body: { success: true, message: '[Verified] Login attempt approved.', sn: 'T-alice' },
  });
  assert.match((await held).stdout, /Received Access-Accept/);
  const next = await pushFor(s);
  const reused = await pushauthresp(
    s,
    { session_id: next.sessionId, action: 'validate', token_code: code },
    true,
  );
  assert.equal(reused.status, 401, 'a code is accepted once (SECURITY A6.4)');
  const denied = await pushauthresp(
    s,
    { session_id: next.sessionId, action: 'alert', message: 'deny:unknown_trigger' },
    true,
  );
  assert.deepEqual(denied, { status: 200, body: { success: true, message: 'Login attempt denied.' } });
  assert.match((await next.held).stdout, /Received Access-Reject/);
  assert.ok(s.server.logs.some((l) => l.event === 'audit.push_not_me' && l.user === 'alice'));
});

test('code-only (FortiAuthenticator mode): session id and the current code approve; a wrong code does not', async () => {
  const s = sites.codeOnly!;
  const { sessionId, held } = await pushFor(s);
  const wrong = await pushauthresp(
    s,
    { session_id: sessionId, action: 'validate', token_code: '000000' },
    false,
  );
  assert.equal(wrong.status, 401);
  const ok = await pushauthresp(
    s,
    { session_id: sessionId, action: 'validate', token_code: await totp('+30 seconds') },
    false,
  );
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.match((await held).stdout, /Received Access-Accept/);
  const twice = await pushauthresp(
    s,
    { session_id: sessionId, action: 'validate', token_code: await totp() },
    false,
  );
  assert.equal(twice.status, 401, 'the push is decided already');
});
