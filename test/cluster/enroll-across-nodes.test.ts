// Issue 18 enrollment at login across two real `assent serve` processes on one PostgreSQL (migration 19): the link
// a challenge from node A names is opened and its TOTP key chosen on node B, and the key's first code completes the
// login on either node; the same right code sent to both nodes at once stores one token and accepts once.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeBase32 } from '../../src/otp/base32.js';
import { generateTotp } from '../../src/otp/totp.js';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { Code } from '../../src/radius/code.js';
import { addUser, Cluster, type ClusterNode } from '../support/cluster.js';
import { chooseTotp, enrollLinkIn, fetchPage } from '../support/enroll-link.js';
import { decodeReply } from '../support/raw-radius-client.js';
import { freePort } from '../support/slapd.js';

const SECRET = 'enroll-across-nodes-secret';
const cluster = new Cluster({
  tempPrefix: 'assent-enroll-nodes-',
  database: 'assent_enroll_nodes',
  secret: SECRET,
  config:
    'secondFactor: { mode: challenge, requireForAll: true, enrollAtLogin: true }\n' +
    'push: { enabled: true, timeoutSeconds: 10 }\n',
});
const { dir, nodes } = cluster;
const decoder = new TextDecoder();
/** Each node's public listener, by name: the link names A's (the site's `push.publicUrl`). */
const origins = new Map<string, string>();
let ca = '';

before(async () => {
  await cluster.start();
  const [portA, portB] = [await freePort(), await freePort()];
  origins.set('A', `https://127.0.0.1:${portA}`);
  origins.set('B', `https://127.0.0.1:${portB}`);
  await cluster.withStores(async (stores) => {
    for (const user of ['dora', 'ezra']) await addUser(stores, user, `${user}-pw`);
  });
  const env = (port: number) => ({
    ASSENT_HTTP_PUBLIC_PORT: String(port),
    ASSENT_PUSH_PUBLIC_URL: origins.get('A')!,
  });
  // One after the other: the first makes the certificates in the shared data directory.
  await cluster.startNode('A', env(portA));
  await cluster.startNode('B', env(portB));
  ca = readFileSync(join(dir, 'public-cert.pem'), 'utf8');
});

after(() => cluster.stop());

/** The password on `node`: the Access-Challenge's State and the link it names. */
async function challenge(node: ClusterNode, user: string): Promise<{ state: Uint8Array; link: string }> {
  const reply = await node.radius.exchange(node.radius.accessRequest({ user, password: `${user}-pw` }), 4000);
  assert.ok(reply, `${node.name} answered the password`);
  const packet = decodeReply(reply);
  assert.equal(packet.code, Code.AccessChallenge);
  const state = packet.attributes.find((a) => a.type === AttributeType.State)?.value;
  assert.ok(state);
  const text = decoder.decode(packet.attributes.find((a) => a.type === AttributeType.ReplyMessage)?.value);
  return { state: Uint8Array.from(state), link: enrollLinkIn(text) };
}

/** The State's answer on `node`: the reply's code, or undefined when none came. */
async function answer(node: ClusterNode, user: string, state: Uint8Array, typed: string) {
  const request = node.radius.accessRequest({
    user,
    password: typed,
    extra: [{ type: AttributeType.State, value: state }],
  });
  const reply = await node.radius.exchange(request, 4000);
  return reply === undefined ? undefined : decodeReply(reply).code;
}

/** The link as served by node `name` (same path, that node's public listener). */
const on = (name: string, link: string) => `${origins.get(name)}${new URL(link).pathname}`;

/** The code the app shows now for the base32 `secret`. */
function appCode(secret: string): string {
  const key = decodeBase32(secret);
  assert.ok(key.ok);
  return generateTotp(key.bytes, Date.now() / 1000, { digits: 6, period: 30, algorithm: 'SHA1' });
}

const tokensOf = (user: string) =>
  cluster.withStores(async (stores) => (await stores.tokens.listForUser(user)).map((t) => t.type));

describe('enrollment at login across two nodes on one PostgreSQL', () => {
  test("A's link opened and its TOTP key chosen on B; the first code answered to A accepts; one token", async () => {
    const [a, b] = nodes;
    const { state, link } = await challenge(a!, 'dora');
    assert.ok(link.startsWith(origins.get('A')!), link);
    const page = await fetchPage(on('B', link), ca);
    assert.equal(page.status, 200, 'B serves the page of the link A gave');
    assert.match(page.body, /For <strong>dora<\/strong>/);
    const secret = await chooseTotp(on('B', link), ca);
    // An empty answer first (to B): the re-challenge asks for the code of the key now pending in the database.
    const early = await b!.radius.exchange(
      b!.radius.accessRequest({
        user: 'dora',
        password: '',
        extra: [{ type: AttributeType.State, value: state }],
      }),
      4000,
    );
    assert.ok(early);
    const rechallenged = decodeReply(early);
    assert.equal(rechallenged.code, Code.AccessChallenge);
    assert.equal(
      decoder.decode(rechallenged.attributes.find((x) => x.type === AttributeType.ReplyMessage)?.value),
      'Type the code your authenticator app shows',
    );
    const next = Uint8Array.from(rechallenged.attributes.find((x) => x.type === AttributeType.State)!.value);
    assert.equal(await answer(a!, 'dora', next, appCode(secret)), Code.AccessAccept);
    assert.deepEqual(await tokensOf('dora'), ['totp'], 'stored once');
    assert.equal((await fetchPage(on('A', link), ca)).status, 404, 'the link is spent on every node');
    assert.equal((await fetchPage(on('B', link), ca)).status, 404);
  });

  test('the same right first code sent to both nodes at once: one Accept, one token', async () => {
    const [a, b] = nodes;
    const { state, link } = await challenge(b!, 'ezra');
    const secret = await chooseTotp(on('A', link), ca);
    const code = appCode(secret);
    const replies = await Promise.all([answer(a!, 'ezra', state, code), answer(b!, 'ezra', state, code)]);
    assert.equal(replies.filter((r) => r === Code.AccessAccept).length, 1, `replies ${replies}`);
    assert.deepEqual(await tokensOf('ezra'), ['totp'], 'stored once');
  });
});
