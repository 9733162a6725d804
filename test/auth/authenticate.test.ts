// The first-factor use case: a LoginRequest in, a Decision out, with no transport involved.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Authenticate } from '../../src/auth/authenticate.js';
import type { LoginRequest } from '../../src/auth/login-request.js';
import type { Decision } from '../../src/domain/decision.js';
import { Reason } from '../../src/domain/reason.js';
import { authFixture, login, pap } from '../support/auth-fixture.js';

const setup = (upgradeLegacyHashes = true) => authFixture({ upgradeLegacyHashes });

const settle = async (a: Authenticate, r: LoginRequest): Promise<Decision> => await a(r);

test('accepts the right password synchronously when the hash check is synchronous (no promise on the hot path)', () => {
  const { authenticate } = setup();
  const decision = authenticate(login('alice', pap('pw')));
  assert.ok(!(decision instanceof Promise));
  assert.equal(decision.kind, 'accept');
});

test('accepts through a promise when the hash check runs off the event loop', async () => {
  const { authenticate } = setup();
  const decision = authenticate(login('slow', pap('pw')));
  assert.ok(decision instanceof Promise);
  assert.equal((await decision).kind, 'accept');
});

test('rejects a wrong password with BAD_PASSWORD', async () => {
  const { authenticate } = setup();
  assert.deepEqual(await settle(authenticate, login('alice', pap('nope'))), {
    kind: 'reject',
    reason: 'BAD_PASSWORD',
    user: 'alice',
  });
});

test('unknown users and users without a password cost a dummy verification (SECURITY A3.7)', async () => {
  const { authenticate, calls } = setup();
  assert.equal(
    ((await settle(authenticate, login('ghost', pap('pw')))) as { reason: string }).reason,
    Reason.UserUnknown,
  );
  assert.equal(
    ((await settle(authenticate, login('tokenonly', pap('pw')))) as { reason: string }).reason,
    Reason.NoPassword,
  );
  assert.equal(calls.dummy, 2);
});

test('a disabled user is verified like anyone else, then rejected with USER_DISABLED', async () => {
  const { authenticate, calls } = setup();
  assert.equal(
    ((await settle(authenticate, login('off', pap('pw')))) as { reason: string }).reason,
    Reason.UserDisabled,
  );
  assert.equal(calls.verify, 1);
});

test('legacy hashes are replaced after a successful login, unless upgradeLegacyHashes is false', async () => {
  const on = setup(true);
  await settle(on.authenticate, login('alice', pap('pw')));
  await new Promise((r) => setImmediate(r));
  assert.equal(on.users.getByName('alice')?.passwordHash, '$argon2id$fake-pw');
  const off = setup(false);
  await settle(off.authenticate, login('alice', pap('pw')));
  await new Promise((r) => setImmediate(r));
  assert.equal(off.users.getByName('alice')?.passwordHash, 'plain:pw');
  assert.equal(off.calls.hash, 0);
  const failed = setup(true);
  await settle(failed.authenticate, login('alice', pap('wrong')));
  assert.equal(failed.calls.hash, 0, 'never rehash on a failed login');
});

test('CHAP, EAP, no credentials, malformed ones, user name problems and any State are rejected with their reason', async () => {
  const { authenticate } = setup();
  const cases: [LoginRequest, Reason][] = [
    [login('alice', { kind: 'chap' }), Reason.ChapUnsupported],
    [login('alice', { kind: 'eap' }), Reason.EapUnsupported],
    [login('alice', { kind: 'none' }), Reason.NoCredentials],
    [
      login('alice', { kind: 'malformed', reason: Reason.UserPasswordMalformed }),
      Reason.UserPasswordMalformed,
    ],
    [login(undefined, pap('pw')), Reason.UserNameDuplicated],
    [login('alice', pap('pw'), new Uint8Array(16)), Reason.StateUnknown],
  ];
  for (const [request, reason] of cases) {
    const decision = await settle(authenticate, request);
    assert.equal(decision.kind, 'reject');
    assert.equal((decision as { reason: string }).reason, reason);
  }
});

test('a store failure rejects with INTERNAL_ERROR and is reported, never accepted (fail closed)', async () => {
  const { authenticate, users, errors, errorSubjects } = setup();
  users.getByName = () => {
    throw new Error('disk gone');
  };
  const request = { ...login('alice', pap('pw')), transactionId: 'c0ffee' };
  assert.equal(((await settle(authenticate, request)) as { reason: string }).reason, Reason.InternalError);
  assert.deepEqual(errors, ['user lookup']);
  // Issue 12 item 11: the auth.error line names the login it broke.
  assert.deepEqual(errorSubjects, [{ user: 'alice', txn: 'c0ffee', client: 'nas' }]);
});
