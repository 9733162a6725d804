// The portal's API client (src/web/portal/api.ts) against a fake fetch: the CSRF header on every state change but
// sign-in, JSON bodies, one closed set of outcomes (never a rejected promise), and the session-ended hook.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Problem, portalApi } from '../../src/web/portal/api.js';

interface Seen {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

function fakeFetch(answer: (seen: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const run = async (input: string | URL | Request, init?: RequestInit) => {
    const request: Seen = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: { ...(init?.headers as Record<string, string>) },
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    seen.push(request);
    return answer(request);
  };
  return { seen, fetch: run as typeof fetch };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

test('x-csrf-token goes with every POST, PATCH and DELETE but sign-in, never with a GET', async () => {
  const { seen, fetch } = fakeFetch((r) =>
    r.method === 'DELETE' ? new Response(null, { status: 204 }) : json(200, {}),
  );
  const api = portalApi({ csrf: () => 'TOKEN', onSignedOut: () => {}, fetch });
  await api.session();
  await api.devices();
  await api.signIn('alice', 'pw');
  await api.code('123456');
  await api.rename('ASNP12345678', 'Pixel');
  await api.remove('ASNT0000/1');
  await api.backupCodes();
  await api.notMe(17);
  await api.signOut();
  const csrf = Object.fromEntries(seen.map((r) => [`${r.method} ${r.url}`, r.headers['x-csrf-token']]));
  assert.deepEqual(csrf, {
    'GET /my/api/session': undefined,
    'GET /my/api/devices': undefined,
    'POST /my/api/sign-in': undefined,
    'POST /my/api/second-factor/code': 'TOKEN',
    'PATCH /my/api/devices/ASNP12345678': 'TOKEN',
    'DELETE /my/api/devices/ASNT0000%2F1': 'TOKEN',
    'POST /my/api/backup-codes': 'TOKEN',
    'POST /my/api/sign-ins/17/not-me': 'TOKEN',
    'POST /my/api/sign-out': 'TOKEN',
  });
  const posted = seen.filter((r) => r.body !== undefined);
  assert.ok(
    posted.every((r) => r.headers['content-type'] === 'application/json'),
    'JSON bodies only',
  );
  assert.deepEqual(seen.find((r) => r.url.endsWith('/sign-in'))!.body, { username: 'alice', password: 'pw' });
  assert.equal(seen.find((r) => r.method === 'DELETE')!.body, undefined, 'a DELETE has no body');
  assert.deepEqual(seen.find((r) => r.url.endsWith('/backup-codes'))!.body, {});
});

test('an optional label is sent only when given', async () => {
  const { seen, fetch } = fakeFetch(() => json(201, {}));
  const api = portalApi({ csrf: () => 'T', onSignedOut: () => {}, fetch });
  await api.addPhone();
  await api.addApp('Aegis');
  assert.deepEqual(
    seen.map((r) => r.body),
    [{}, { label: 'Aegis' }],
  );
});

test("errors are values: the server's code and sentence, or network / bad_response; 401 signed_out calls the hook", async () => {
  const ended: Problem[] = [];
  let activity = 0;
  const answers: (() => Response | Promise<Response>)[] = [
    () =>
      json(409, { error: 'last_device', message: 'This is your only way to sign in. Add another first.' }),
    () => json(401, { error: 'signed_out', message: 'Your session ended; sign in again.' }),
    () => json(401, { error: 'code_wrong' }),
    () => new Response('<html>proxy error</html>', { status: 502 }),
    () => Promise.reject(new TypeError('Failed to fetch')),
    () => json(200, { devices: [], canRemoveLast: false }),
  ];
  const { fetch } = fakeFetch(() => answers.shift()!());
  const api = portalApi({
    csrf: () => undefined,
    onSignedOut: (p) => ended.push(p),
    onActivity: () => activity++,
    fetch,
  });
  assert.deepEqual(await api.remove('X'), {
    ok: false,
    problem: {
      code: 'last_device',
      message: 'This is your only way to sign in. Add another first.',
      status: 409,
    },
  });
  const out = await api.devices();
  assert.equal(out.ok ? '' : out.problem.code, 'signed_out');
  assert.deepEqual(ended, [
    { code: 'signed_out', message: 'Your session ended; sign in again.', status: 401 },
  ]);
  const wrong = await api.code('000000');
  assert.deepEqual(wrong.ok ? undefined : wrong.problem, { code: 'code_wrong', message: '', status: 401 });
  assert.equal(ended.length, 1, 'only signed_out ends the session');
  const proxy = await api.devices();
  assert.deepEqual(proxy.ok ? undefined : proxy.problem, {
    code: 'bad_response',
    message: 'The server answered 502.',
    status: 502,
  });
  const offline = await api.devices();
  assert.equal(offline.ok ? '' : offline.problem.code, 'network');
  assert.equal(activity, 0, 'no answer with a session yet');
  assert.deepEqual(await api.devices(), { ok: true, value: { devices: [], canRemoveLast: false } });
  assert.equal(activity, 1);
});
