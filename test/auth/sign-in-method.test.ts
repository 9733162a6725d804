// Every Access-Accept says how the login passed (`via`, the sign-in history's "how", issue 18), on every path.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Authenticate } from '../../src/auth/authenticate.js';
import { createCheckCredentials } from '../../src/auth/check-credentials.js';
import type { LoginRequest } from '../../src/auth/login-request.js';
import type { Decision } from '../../src/domain/decision.js';
import { hashBackupCode } from '../../src/domain/token.js';
import { MemoryGraceLoginStore } from '../../src/store/memory/memory-grace-login-store.js';
import { authFixture, login, pap, text } from '../support/auth-fixture.js';

const settle = async (a: Authenticate, r: LoginRequest): Promise<Decision> => await a(r);
const viaOf = (d: Decision) => (d.kind === 'accept' ? (d.via ?? 'none') : `${d.kind}`);

async function answerChallenge(f: ReturnType<typeof authFixture>, user: string, code: string) {
  const c = await settle(f.authenticate, login(user, pap('pw')));
  assert.equal(c.kind, 'challenge', JSON.stringify(c));
  return settle(f.authenticate, login(user, pap(code), (c as { state: Uint8Array }).state));
}

test('no second factor needed, or exempt: password', async () => {
  const open = authFixture();
  assert.equal(viaOf(await settle(open.authenticate, login('bob', pap('pw')))), 'password');
  const exempt = authFixture({ settings: { exemptUsers: ['alice'] } });
  exempt.addTotp('alice');
  assert.equal(viaOf(await settle(exempt.authenticate, login('alice', pap('pw')))), 'password');
  const concatExempt = authFixture({ settings: { mode: 'concat', exemptUsers: ['alice'] } });
  concatExempt.addTotp('alice');
  assert.equal(viaOf(await settle(concatExempt.authenticate, login('alice', pap('pw')))), 'password');
});

test('a grace sign-in (date or count): grace', async () => {
  const byDate = authFixture({ settings: { requireForAll: true, graceUntil: '2026-11-24' } });
  assert.equal(viaOf(await settle(byDate.authenticate, login('bob', pap('pw')))), 'grace');
  const byCount = authFixture({
    settings: { requireForAll: true, graceLogins: 2 },
    graceLogins: new MemoryGraceLoginStore(),
  });
  assert.equal(viaOf(await settle(byCount.authenticate, login('bob', pap('pw')))), 'grace');
});

test('a code answering the challenge: the type of the token that matched (totp, hotp, backup)', async () => {
  const f = authFixture();
  f.addTotp('alice');
  assert.equal(viaOf(await answerChallenge(f, 'alice', f.totpNow())), 'totp');

  const h = authFixture();
  h.addTotp('alice', { type: 'hotp' });
  assert.equal(viaOf(await answerChallenge(h, 'alice', h.hotp(1))), 'hotp');

  const b = authFixture();
  const salt = text('backup-salt-0123456789');
  b.tokens.add({
    serial: 'B1',
    userName: 'bob',
    type: 'backup',
    secret: salt,
    algorithm: 'SHA1',
    digits: 10,
    backupCodeHashes: [hashBackupCode(salt, '1234567890')],
  });
  assert.equal(viaOf(await answerChallenge(b, 'bob', '1234567890')), 'backup');
});

test('concat and otp-only modes: the code’s token type', async () => {
  const concat = authFixture({ settings: { mode: 'concat' } });
  concat.addTotp('alice');
  assert.equal(
    viaOf(await settle(concat.authenticate, login('alice', pap(`pw${concat.totpNow()}`)))),
    'totp',
  );
  const otpOnly = authFixture({ settings: { mode: 'otp-only' } });
  otpOnly.addTotp('alice', { type: 'hotp' });
  assert.equal(viaOf(await settle(otpOnly.authenticate, login('alice', pap(otpOnly.hotp(1))))), 'hotp');
});

test('a push approval: push; a code typed while the push waits: the code’s type', async () => {
  const f = authFixture({ push: {} });
  f.addTotp('alice');
  f.addPushDevice('alice');
  const c = await settle(f.authenticate, login('alice', pap('pw')));
  const state = (c as { state: Uint8Array; transactionId: string }).state;
  await settle(f.authenticate, login('alice', pap(''), state));
  const typed = await settle(f.authenticate, login('alice', pap(f.totpNow()), state));
  assert.equal(viaOf(typed), 'totp');

  const g = authFixture({ push: {} });
  g.addPushDevice('alice');
  const d = (await settle(g.authenticate, login('alice', pap('pw')))) as {
    state: Uint8Array;
    transactionId: string;
  };
  await settle(g.authenticate, login('alice', pap(''), d.state));
  const decided = g.transactions.decide(d.transactionId, { status: 'approved', decidedBy: 'ASNP00000001' });
  assert.ok(decided.won);
  g.waits.settled(decided.transaction);
  assert.equal(viaOf(g.decisions[0]![1]), 'push');
});

test('the REST API’s password-only check: password (its code checks go the concat and otp-only ways)', async () => {
  const f = authFixture();
  f.addTotp('alice');
  const check = createCheckCredentials({
    firstFactor: {
      resolveName: (typed) => ({ ok: true, name: typed }),
      check: (typed, password) =>
        typed === 'alice' && new TextDecoder().decode(password) === 'pw'
          ? { ok: true, identity: { name: 'alice', groups: [], source: 'local' } }
          : { ok: false, reason: 'BAD_PASSWORD' },
      groupsOf: () => [],
    },
    authenticate: f.authenticate,
    lockouts: f.lockouts,
  });
  const base = { username: 'alice', transactionId: 'a'.repeat(32), caller: 'app' };
  assert.equal(viaOf(await check({ ...base, password: 'pw' })), 'password');
});
