// Issue 16: a login that moves between two real `assent serve` processes on one PostgreSQL. The challenge comes
// from node A, the NAS fails over and sends the empty answer to node B, the phone answers node A (the site's
// reply-to address): B hears the decision by LISTEN/NOTIFY and answers its held request. The login completes once.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateHotp } from '../../src/otp/hotp.js';
import { AttributeType } from '../../src/radius/attribute-type.js';
import { Code } from '../../src/radius/code.js';
import type { Packet } from '../../src/radius/packet.js';
import { addUser, Cluster, type ClusterNode } from '../support/cluster.js';
import { runAuthenticator } from '../support/push-site.js';
import { decodeReply } from '../support/raw-radius-client.js';
import { cliEnv, runCli } from '../support/run-cli.js';
import { freePort } from '../support/slapd.js';

const SECRET = 'push-across-nodes-secret';
const cluster = new Cluster({
  tempPrefix: 'assent-push-nodes-',
  database: 'assent_push_nodes',
  secret: SECRET,
  config: 'secondFactor: { mode: challenge }\npush: { enabled: true, timeoutSeconds: 25, maxPerUser: 20 }\n',
});
const { dir, configFile, nodes } = cluster;
const authenticatorHome = join(dir, 'phone');
const seed = createHash('sha256').update('seed-alice').digest().subarray(0, 20);
const decoder = new TextDecoder();

let replyTo = '';

/** Both nodes give devices the same reply-to address (node A's listener), as a site's load balancer would. */
const nodeEnv = (publicPort: number) => ({
  ASSENT_HTTP_PUBLIC_PORT: String(publicPort),
  ASSENT_PUSH_PUBLIC_URL: replyTo,
});

const phone = (args: readonly string[]) => runAuthenticator(authenticatorHome, args);

const attribute = (packet: Packet, type: number) => packet.attributes.find((a) => a.type === type)?.value;

/** Step 1 on `node`: the password; returns the Access-Challenge's State and text. */
async function challenge(node: ClusterNode, user = 'alice'): Promise<{ state: Uint8Array; text: string }> {
  const request = node.radius.accessRequest({ user, password: `${user}-pw` });
  const reply = await node.radius.exchange(request, 4000);
  assert.ok(reply, `${node.name} answered the password`);
  const packet = decodeReply(reply);
  assert.equal(packet.code, Code.AccessChallenge);
  const state = attribute(packet, AttributeType.State);
  assert.ok(state);
  return {
    state: Uint8Array.from(state),
    text: decoder.decode(attribute(packet, AttributeType.ReplyMessage)),
  };
}

/** Step 2 on `node`: the answer with the State (empty: a push); resolves with the reply code, or undefined. */
async function answer(node: ClusterNode, state: Uint8Array, typed: string, waitMs: number, user = 'alice') {
  const request = node.radius.accessRequest({
    user,
    password: typed,
    extra: [{ type: AttributeType.State, value: state }],
  });
  const reply = await node.radius.exchange(request, waitMs);
  return reply === undefined ? undefined : decodeReply(reply).code;
}

/** The open requests the phone is shown (it polls node A), one JSON object each. */
async function shown(): Promise<{ session_id: string }[]> {
  const pending = await phone(['pending', '--json']);
  assert.equal(pending.code, 0, pending.stderr);
  return pending.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { session_id: string });
}

/** Waits until the phone is shown a request, approves the newest; returns how many it was shown. */
async function approveWhenShown(): Promise<number> {
  const deadline = Date.now() + 10_000;
  let open = await shown();
  while (open.length === 0) {
    if (Date.now() > deadline) assert.fail('no push reached the phone');
    await new Promise((resolve) => setTimeout(resolve, 200));
    open = await shown();
  }
  const approved = await phone(['approve', '--latest']);
  assert.equal(approved.code, 0, approved.stderr);
  assert.match(approved.stdout, /: approved/);
  return open.length;
}

before(async () => {
  await cluster.start();
  const [portA, portB] = [await freePort(), await freePort()];
  replyTo = `https://127.0.0.1:${portA}`;
  await cluster.withStores(async (stores) => {
    await addUser(stores, 'alice', 'alice-pw', { serial: 'H-alice', seed });
    await addUser(stores, 'carol', 'carol-pw');
    await addUser(stores, 'erin', 'erin-pw');
  });
  // One after the other: the first makes the certificates in the shared data directory.
  await cluster.startNode('A', nodeEnv(portA));
  await cluster.startNode('B', nodeEnv(portB));
  for (const user of ['alice', 'carol', 'erin']) {
    const added = await runCli(
      dir,
      ['-c', configFile, 'token', 'add', '--user', user, '--type', 'push'],
      '',
      cliEnv(nodeEnv(0)),
    );
    assert.equal(added.code, 0, added.stderr);
    const link = /https:\/\/\S+\/device\/v1\/activation\/[A-Za-z0-9_-]{22}/.exec(added.stdout)?.[0];
    assert.ok(link?.startsWith(replyTo), added.stdout);
    const enrolled = await phone(['enroll', link!, '--ca', join(dir, 'public-cert.pem')]);
    assert.equal(enrolled.code, 0, enrolled.stderr);
  }
});

after(() => cluster.stop());

const txnOf = (text: string, event: string) =>
  new RegExp(`"event":"${event}"[^\\n]*"txn":"([0-9a-f]{32})"`).exec(text)?.[1];

describe('a login across two nodes on one PostgreSQL', () => {
  test('challenge from A, the empty answer to B, the phone answers A: B sends the Accept, once', async () => {
    const [a, b] = nodes;
    // The enrolled device reaches B by the change feed: the `+` shows B offers push to alice too.
    const { state, text } = await challenge(a!);
    assert.match(text, /^\+/, 'A offers push');
    const held = answer(b!, state, '', 15_000);
    await approveWhenShown();
    assert.equal(await held, Code.AccessAccept, 'B answered its held request with the decision made on A');
    const txn = txnOf(a!.output(), 'push.decided');
    assert.ok(txn, 'A decided the push');
    assert.equal(txnOf(b!.output(), 'push.started'), txn, 'B started the push of the same login');
    // Completed once: the State is used on both nodes, and the phone has nothing left to approve.
    assert.notEqual(await answer(a!, state, '', 4000), Code.AccessAccept);
    assert.notEqual(await answer(b!, state, '', 4000), Code.AccessAccept);
    assert.deepEqual(await shown(), []);
  });

  test('the NAS fails over twice: both held requests get the one decision; one push was sent', async () => {
    const [a, b] = nodes;
    const { state } = await challenge(b!);
    const onA = answer(a!, state, '', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const onB = answer(b!, state, '', 15_000);
    assert.equal(await approveWhenShown(), 1, 'one push for the login, though two nodes were asked');
    assert.deepEqual(await Promise.all([onA, onB]), [Code.AccessAccept, Code.AccessAccept]);
  });

  test('a code typed on B while A holds the push ends it as answered by code; the phone finds nothing', async () => {
    const [a, b] = nodes;
    const { state } = await challenge(a!);
    const held = answer(a!, state, '', 6_000);
    const deadline = Date.now() + 10_000;
    while ((await shown()).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(await answer(b!, state, generateHotp(seed, 0, 6, 'SHA1'), 4000), Code.AccessAccept);
    assert.deepEqual(await shown(), [], 'the push ended with the code');
    // PROTOCOL P4: the held request is released without a reply (A heard the decision by LISTEN).
    assert.equal(await held, undefined);
    assert.match(a!.output(), /PUSH_ANSWERED_BY_CODE/);
  });

  test('"this wasn\'t me" answered to A mutes the user on B too (SECURITY A7.8)', async () => {
    const [a, b] = nodes;
    const first = await challenge(a!, 'carol');
    const held = answer(a!, first.state, '', 15_000, 'carol');
    const deadline = Date.now() + 10_000;
    while ((await shown()).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const denied = await phone(['deny', '--latest', '--not-me']);
    assert.equal(denied.code, 0, denied.stderr);
    assert.equal(await held, Code.AccessReject);
    const second = await challenge(b!, 'carol');
    assert.equal(await answer(b!, second.state, '', 4000, 'carol'), Code.AccessReject);
    // The decision's log line may follow the reply by a moment (the child's stdout is read asynchronously).
    const muted = /"user":"carol"[^\n]*PUSH_MUTED|PUSH_MUTED[^\n]*"user":"carol"/;
    for (let i = 0; i < 40 && !muted.test(b!.output()); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(b!.output(), muted);
    assert.deepEqual(await shown(), [], 'no push was sent to the muted user');
  });

  test('a push denied on A, then one started on B and denied: the next challenge on either node shows a number (SECURITY A7.7)', async () => {
    const [a, b] = nodes;
    const numbered = /\(number (\d\d)\)$/;
    /** A push for erin started on `node`, answered by the phone with `args(text)`; the held request's reply. */
    const pushOn = async (node: ClusterNode, args: (text: string) => readonly string[]) => {
      const { state, text } = await challenge(node, 'erin');
      const held = answer(node, state, '', 15_000, 'erin');
      const deadline = Date.now() + 10_000;
      while ((await shown()).length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const answered = await phone(args(text));
      assert.equal(answered.code, 0, answered.stderr);
      return { text, reply: await held };
    };
    /**
     * Erin's challenge text on `node`, asked again (up to 2 s) until it shows a number or not as `wanted`: the
     * starting node writes the streak just after it sends its reply, so the next login may be a moment early.
     */
    const challengeText = async (node: ClusterNode, wanted: boolean) => {
      let text = (await challenge(node, 'erin')).text;
      for (let i = 0; i < 20 && numbered.test(text) !== wanted; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        text = (await challenge(node, 'erin')).text;
      }
      return text;
    };
    const first = await pushOn(a!, () => ['deny', '--latest']);
    assert.doesNotMatch(first.text, numbered, 'number matching is off');
    assert.equal(first.reply, Code.AccessReject);
    const second = await pushOn(b!, () => ['deny', '--latest']);
    assert.doesNotMatch(second.text, numbered, 'one miss is not a streak, on another node either');
    assert.equal(second.reply, Code.AccessReject);
    assert.match(await challengeText(a!, true), numbered, 'A counts the miss B noted');
    assert.match(await challengeText(b!, true), numbered, 'B counts the miss A noted');
    // An approval with the number, of a push B started, ends the streak on A too.
    const third = await pushOn(b!, (text) => [
      'approve',
      '--latest',
      '--number',
      numbered.exec(text)?.[1] ?? '',
    ]);
    assert.equal(third.reply, Code.AccessAccept);
    assert.doesNotMatch(await challengeText(a!, false), numbered, 'approved: no number on A');
  });

  // Last: it kills node B.
  test('node B is killed (-9) while it holds a push: the NAS retries on A, which waits for the same push', async () => {
    const [a, b] = nodes;
    const { state } = await challenge(a!);
    // B holds the request and never answers it: killed before the phone does.
    const onB = answer(b!, state, '', 4_000);
    const deadline = Date.now() + 10_000;
    while ((await shown()).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    b!.kill9();
    assert.equal(await onB, undefined, 'B died without answering');
    const onA = answer(a!, state, '', 15_000);
    assert.equal(await approveWhenShown(), 1, 'the push B sent is still open, and no second one was sent');
    assert.equal(await onA, Code.AccessAccept);
    assert.deepEqual(await shown(), [], 'decided once');
  });
});
