// Owns the REST API tests' shared set-up: a push site with alice's TOTP token and API keys made by `assent apikey
// add`, curl calls whose every answer is recorded, and the check of those answers against the OpenAPI document.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { encodeBase32 } from '../../src/otp/base32.js';
import { checkAgainstOpenApi, type RecordedResponse } from './openapi-check.js';
import { type PushSite, startPushSite } from './push-site.js';
import { runPeer } from './run-peer.js';
import { totpToken } from './totp-token.js';

let site: PushSite | undefined;
let base = '';
/** The key of each name made by `startApiSite`, for `curl`'s `key` option. */
export const keys: Record<string, string> = {};
/** Every answer `curl` got, in order; a test pops what the OpenAPI document does not describe. */
export const recorded: RecordedResponse[] = [];
const aliceSecret = new Uint8Array(randomBytes(20));

after(async () => {
  await site?.stop();
});

export interface Answer {
  status: number;
  type: string;
  body: unknown;
  text: string;
}

/**
 * The file's one site, the same in every REST API test file, with a key for each entry of `scopes` (its name and
 * its scopes), made by the CLI as an operator makes one. `base` is the admin listener's URL.
 */
export async function startApiSite(
  scopes: Readonly<Record<string, readonly string[]>>,
): Promise<{ site: PushSite; base: string }> {
  site = await startPushSite({
    users: [
      { name: 'alice', password: 'alice-pw', groups: ['vpn'] },
      { name: 'bob', password: 'bob-pw' },
      { name: 'carol', password: 'carol-pw' },
    ],
    tokens: [totpToken('alice', aliceSecret, 'T-alice')],
    config: {
      push: { timeoutSeconds: 10, maxPerUser: 50 },
      secondFactor: { lockoutFailures: 4 },
      http: { admin: { rateLimitPerSecond: 50 } },
    },
  });
  base = `http://127.0.0.1:${site.server.server.http.adminPort}`;
  for (const [name, list] of Object.entries(scopes)) {
    await newKey(
      site,
      name,
      list.flatMap((scope) => ['--scope', scope]),
    );
  }
  return { site, base };
}

/** One call with curl; Basic `<name>:<key>` when `key` names one of `keys`. Every answer is recorded. */
export async function curl(
  method: string,
  path: string,
  options: {
    key?: string;
    auth?: string;
    json?: unknown;
    form?: string;
    raw?: string;
    type?: string;
    headers?: string[];
    wait?: number;
  } = {},
): Promise<Answer> {
  const args = [
    '-s',
    '-S',
    '-X',
    method,
    '-w',
    '\n%{http_code}\n%{content_type}',
    '--max-time',
    String(options.wait ?? 20),
  ];
  if (options.key !== undefined) args.push('-u', `${options.key}:${keys[options.key]}`);
  if (options.auth !== undefined) args.push('-H', `Authorization: ${options.auth}`);
  for (const h of options.headers ?? []) args.push('-H', h);
  if (options.json !== undefined)
    args.push('-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(options.json));
  if (options.form !== undefined)
    args.push('-H', 'Content-Type: application/x-www-form-urlencoded', '--data-binary', options.form);
  if (options.raw !== undefined)
    args.push('-H', `Content-Type: ${options.type ?? 'text/plain'}`, '--data-binary', options.raw);
  const r = await runPeer('curl', [...args, `${base}${path}`], '', ((options.wait ?? 20) + 5) * 1000);
  const lines = r.stdout.split('\n');
  const type = lines.pop() ?? '';
  const status = Number(lines.pop());
  const text = lines.join('\n');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = text;
  }
  recorded.push({ method, path, status, contentType: type, body });
  return { status, type, body, text };
}

async function newKey(on: PushSite, name: string, args: readonly string[]): Promise<void> {
  const r = await on.assent(['apikey', 'add', '--name', name, ...args]);
  assert.equal(r.code, 0, r.stderr);
  const key = /ask_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/.exec(r.stdout)?.[0];
  assert.ok(key, r.stdout);
  keys[name] = key;
}

/** Alice's current TOTP code, from oathtool. */
export const totpNow = async () => {
  const r = await runPeer('oathtool', ['--totp', '-b', encodeBase32(aliceSecret)]);
  return r.stdout.trim();
};

/**
 * Fetches the OpenAPI document and checks it, and every answer recorded so far (more than `moreThan` of them)
 * against it.
 */
export async function checkRecordedAgainstOpenApi(moreThan: number): Promise<void> {
  const doc = await curl('GET', '/api/openapi.json');
  recorded.pop();
  assert.equal(doc.status, 200);
  const valid = await new Validator().validate(doc.body as Parameters<Validator['validate']>[0]);
  assert.equal(valid.valid, true, JSON.stringify(valid.errors));
  assert.equal((doc.body as { openapi: string }).openapi, '3.1.0');
  assert.ok(recorded.length > moreThan);
  assert.deepEqual(checkAgainstOpenApi(doc.body as never, recorded), []);
}
