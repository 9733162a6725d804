// The challenge flow of the login use case: State rules (SECURITY A4, B4), codes, replay, lockout, modes, attributes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Authenticate } from '../../src/auth/authenticate.js';
import type { LoginRequest } from '../../src/auth/login-request.js';
import type { Decision } from '../../src/domain/decision.js';
import { hashBackupCode } from '../../src/domain/token.js';
import { authFixture, login, pap, text } from '../support/auth-fixture.js';

type Challenge = Extract<Decision, { kind: 'challenge' }>;

const settle = async (a: Authenticate, r: LoginRequest): Promise<Decision> => await a(r);

async function challenge(a: Authenticate, user = 'alice', client = 'nas'): Promise<Challenge> {
  const decision = await settle(a, login(user, pap('pw'), undefined, client));
  assert.equal(decision.kind, 'challenge', JSON.stringify(decision));
  return decision as Challenge;
}

const reasonOf = (d: Decision) => ('reason' in d ? d.reason : undefined);

test('a token holder gets Access-Challenge with a fresh 128-bit State, the code text and the time left', async () => {
  const f = authFixture();
  f.addTotp('alice');
  const first = await challenge(f.authenticate);
  const second = await challenge(f.authenticate);
  assert.equal(first.state.length, 16);
  assert.notDeepEqual(first.state, second.state);
  assert.notEqual(first.transactionId, second.transactionId);
  assert.equal(first.text, 'Enter token code');
  assert.equal(first.timeoutSeconds, 120);
  assert.equal(f.sessions.size, 2);
});

test('the right code with the State is accepted once, in the same transaction; the State is then dead (A4.3)', async () => {
  const f = authFixture({ attributes: { vpn: [{ name: 'Fortinet-Group-Name', value: 'vpn-users' }] } });
  f.addTotp('alice');
  const c = await challenge(f.authenticate);
  const ok = await settle(f.authenticate, login('alice', pap(f.totpNow()), c.state));
  assert.equal(ok.kind, 'accept');
  assert.equal((ok as { transactionId?: string }).transactionId, c.transactionId);
  assert.deepEqual((ok as { attributes: unknown }).attributes, [
    { name: 'Fortinet-Group-Name', value: 'vpn-users' },
  ]);
  const again = await settle(f.authenticate, login('alice', pap(f.totpNow()), c.state));
  assert.equal(reasonOf(again), 'STATE_USED');
});

test('a wrong code re-challenges with a new State until maxCodeAttempts, then rejects (A4.4)', async () => {
  const f = authFixture();
  f.addTotp('alice');
  let c = await challenge(f.authenticate);
  const txn = c.transactionId;
  for (let attempt = 1; attempt <= 2; attempt++) {
    const d = await settle(f.authenticate, login('alice', pap('000000'), c.state));
    assert.equal(d.kind, 'challenge');
    const next = d as Challenge;
    assert.equal(next.transactionId, txn);
    assert.equal(next.reason, 'CODE_WRONG');
    assert.notDeepEqual(next.state, c.state);
    assert.equal(
      reasonOf(await settle(f.authenticate, login('alice', pap(f.totpNow()), c.state))),
      'STATE_USED',
    );
    c = next;
  }
  const last = await settle(f.authenticate, login('alice', pap('000000'), c.state));
  assert.equal(last.kind, 'reject');
  assert.equal(reasonOf(last), 'CODE_WRONG');
});

test('B4 #47: States never issued, expired, from another client or for another user are rejected, no new login', async () => {
  const f = authFixture();
  f.addTotp('alice');
  assert.equal(
    reasonOf(await settle(f.authenticate, login('alice', pap('pw'), new Uint8Array(16)))),
    'STATE_UNKNOWN',
  );
  assert.equal(
    reasonOf(await settle(f.authenticate, login('alice', pap('pw'), new Uint8Array(3)))),
    'STATE_UNKNOWN',
  );

  const foreignClient = await challenge(f.authenticate);
  const d1 = await settle(f.authenticate, login('alice', pap(f.totpNow()), foreignClient.state, 'other-nas'));
  assert.equal(reasonOf(d1), 'STATE_FOREIGN');
  // The leaked State is dead for its own client too.
  const d2 = await settle(f.authenticate, login('alice', pap(f.totpNow()), foreignClient.state));
  assert.equal(reasonOf(d2), 'STATE_USED');

  const foreignUser = await challenge(f.authenticate);
  f.addTotp('bob');
  assert.equal(
    reasonOf(await settle(f.authenticate, login('bob', pap(f.totpNow()), foreignUser.state))),
    'STATE_FOREIGN',
  );

  const expired = await challenge(f.authenticate);
  f.clock.advance(121_000);
  assert.equal(
    reasonOf(await settle(f.authenticate, login('alice', pap(f.totpNow()), expired.state))),
    'STATE_EXPIRED',
  );
});

test('B4 #52: a code already used is refused in a later login (CODE_REPLAYED), also an earlier step', async () => {
  const f = authFixture();
  f.addTotp('alice');
  const code = f.totpNow();
  const c1 = await challenge(f.authenticate);
  assert.equal((await settle(f.authenticate, login('alice', pap(code), c1.state))).kind, 'accept');
  const c2 = await challenge(f.authenticate);
  const replay = await settle(f.authenticate, login('alice', pap(code), c2.state));
  assert.equal(replay.kind, 'challenge');
  assert.equal((replay as Challenge).reason, 'CODE_REPLAYED');
  const earlier = await settle(
    f.authenticate,
    login('alice', pap(f.totpNow(-1)), (replay as Challenge).state),
  );
  assert.equal((earlier as Challenge).reason, 'CODE_REPLAYED');
});

test('an empty answer or "push" is refused with PUSH_UNAVAILABLE while push is not available', async () => {
  const f = authFixture();
  f.addTotp('alice');
  for (const answer of ['', ' PUSH ']) {
    const c = await challenge(f.authenticate);
    const d = await settle(f.authenticate, login('alice', pap(answer), c.state));
    assert.equal(reasonOf(d), 'PUSH_UNAVAILABLE');
  }
});

test('B4 #53: wrong codes lock the account and the token; a locked account refuses the right code; time unlocks', async () => {
  const f = authFixture({ lockoutFailures: 4, lockoutSeconds: 60, settings: { maxCodeAttempts: 10 } });
  f.addTotp('alice');
  let c = await challenge(f.authenticate);
  for (let i = 0; i < 4; i++) {
    const d = await settle(f.authenticate, login('alice', pap('111111'), c.state));
    if (d.kind === 'challenge') c = d;
  }
  assert.equal(f.lockEvents.length, 2, 'one lock for the token, one for the account');
  assert.ok(f.lockEvents.some((e) => e.serial !== undefined));
  const locked = await challenge(f.authenticate);
  const refused = await settle(f.authenticate, login('alice', pap(f.totpNow()), locked.state));
  assert.equal(reasonOf(refused), 'ACCOUNT_LOCKED');
  f.clock.advance(61_000);
  const later = await challenge(f.authenticate);
  assert.equal((await settle(f.authenticate, login('alice', pap(f.totpNow()), later.state))).kind, 'accept');
  assert.equal(f.lockouts.get('alice'), undefined, 'a success forgets the failures');
  assert.equal(f.tokens.listForUser('alice')[0]?.failures, 0);
});

test('a second lock of the same account lasts twice as long (A6.5 growing delay)', async () => {
  const f = authFixture({ lockoutFailures: 1, lockoutSeconds: 60, settings: { maxCodeAttempts: 1 } });
  f.addTotp('alice');
  const c1 = await challenge(f.authenticate);
  await settle(f.authenticate, login('alice', pap('111111'), c1.state));
  f.clock.advance(61_000);
  const c2 = await challenge(f.authenticate);
  await settle(f.authenticate, login('alice', pap('111111'), c2.state));
  const accountLocks = f.lockEvents.filter((e) => e.serial === undefined);
  assert.equal(accountLocks.length, 2);
  const span = (e: { lockedUntil: string }, start: number) => Date.parse(e.lockedUntil) - start;
  assert.equal(span(accountLocks[1]!, f.clock.now()), 120_000);
});

test('HOTP codes and one-time backup codes are accepted, each once', async () => {
  const f = authFixture();
  f.addTotp('alice', { type: 'hotp', serial: 'H1' });
  const c1 = await challenge(f.authenticate);
  assert.equal((await settle(f.authenticate, login('alice', pap(f.hotp(2)), c1.state))).kind, 'accept');
  const c2 = await challenge(f.authenticate);
  assert.equal((await settle(f.authenticate, login('alice', pap(f.hotp(2)), c2.state))).kind, 'challenge');

  const salt = text('backup-salt-0123456789');
  f.tokens.add({
    serial: 'B1',
    userName: 'bob',
    type: 'backup',
    secret: salt,
    algorithm: 'SHA1',
    digits: 10,
    backupCodeHashes: [hashBackupCode(salt, '1234567890')],
  });
  const c3 = await challenge(f.authenticate, 'bob');
  assert.equal((await settle(f.authenticate, login('bob', pap('12345-67890'), c3.state))).kind, 'accept');
  const c4 = await challenge(f.authenticate, 'bob');
  assert.equal((await settle(f.authenticate, login('bob', pap('1234567890'), c4.state))).kind, 'challenge');
});

test('users without a token are let in on the password; requireForAll refuses them', async () => {
  const open = authFixture();
  assert.equal((await settle(open.authenticate, login('bob', pap('pw')))).kind, 'accept');
  const strict = authFixture({ settings: { requireForAll: true } });
  assert.equal(reasonOf(await settle(strict.authenticate, login('bob', pap('pw')))), 'SECOND_FACTOR_MISSING');
});

test('exempt users, groups and clients skip the second factor; a wrong password still fails', async () => {
  for (const settings of [
    { exemptUsers: ['alice'] },
    { exemptGroups: ['vpn'] },
    { clients: { nas: { exempt: true } } },
    { groups: { vpn: { exempt: true } } },
  ]) {
    const f = authFixture({ settings });
    f.addTotp('alice');
    assert.equal(
      (await settle(f.authenticate, login('alice', pap('pw')))).kind,
      'accept',
      JSON.stringify(settings),
    );
    assert.equal(reasonOf(await settle(f.authenticate, login('alice', pap('nope')))), 'BAD_PASSWORD');
  }
});

test('concat mode: password immediately followed by the code in one request', async () => {
  const f = authFixture({ settings: { mode: 'concat' } });
  f.addTotp('alice');
  assert.equal((await settle(f.authenticate, login('alice', pap(`pw${f.totpNow()}`)))).kind, 'accept');
  assert.equal(
    reasonOf(await settle(f.authenticate, login('alice', pap(`pw${f.totpNow()}`)))),
    'CODE_REPLAYED',
  );
  assert.equal(
    reasonOf(await settle(f.authenticate, login('alice', pap(`bad${f.totpNow(1)}`)))),
    'BAD_PASSWORD',
  );
  assert.equal(
    reasonOf(await settle(f.authenticate, login('alice', pap('pw')))),
    'CODE_WRONG',
    'password, no code',
  );
  assert.equal(reasonOf(await settle(f.authenticate, login('alice', pap('pw000000')))), 'CODE_WRONG');
  assert.equal(
    (await settle(f.authenticate, login('bob', pap('pw')))).kind,
    'accept',
    'no token: password alone',
  );
});

test('the mode is chosen per client, then per group, then the default', async () => {
  const f = authFixture({
    settings: { clients: { legacy: { mode: 'concat' } }, groups: { vpn: { mode: 'otp-only' } } },
  });
  f.addTotp('alice');
  const viaLegacy = await settle(
    f.authenticate,
    login('alice', pap(`pw${f.totpNow()}`), undefined, 'legacy'),
  );
  assert.equal(viaLegacy.kind, 'accept');
  const viaGroup = await settle(f.authenticate, login('alice', pap(f.totpNow(1)), undefined, 'nas'));
  assert.equal(viaGroup.kind, 'accept');
  assert.equal((await settle(f.authenticate, login('bob', pap('pw')))).kind, 'accept');
});

test('otp-only mode: the code alone lets a token holder in; no token means NO_TOKEN', async () => {
  const f = authFixture({ settings: { mode: 'otp-only' } });
  f.addTotp('alice');
  assert.equal((await settle(f.authenticate, login('alice', pap(f.totpNow())))).kind, 'accept');
  assert.equal(reasonOf(await settle(f.authenticate, login('bob', pap('123456')))), 'NO_TOKEN');
});

test('the challenge flow also works when the password check is asynchronous', async () => {
  const f = authFixture();
  f.addTotp('slow');
  const decision = f.authenticate(login('slow', pap('pw')));
  assert.ok(decision instanceof Promise);
  const c = (await decision) as Challenge;
  assert.equal(c.kind, 'challenge');
  assert.equal((await settle(f.authenticate, login('slow', pap(f.totpNow()), c.state))).kind, 'accept');
});

test('a token store failure during the code check fails closed with INTERNAL_ERROR', async () => {
  const f = authFixture();
  f.addTotp('alice');
  const c = await challenge(f.authenticate);
  f.tokens.listForUser = () => {
    throw new Error('disk gone');
  };
  assert.equal(
    reasonOf(await settle(f.authenticate, login('alice', pap('123456'), c.state))),
    'INTERNAL_ERROR',
  );
  assert.deepEqual(f.errors, ['code check']);
  // Issue 12 item 11: the auth.error line carries the login's transaction, user and client.
  assert.deepEqual(f.errorSubjects, [{ user: 'alice', txn: c.transactionId, client: 'nas' }]);
});
