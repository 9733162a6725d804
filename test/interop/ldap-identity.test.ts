// Issue 12 item 1: no spelling of a directory user's name skips the second factor. A real slapd matches names
// without regard to case, insignificant spaces or (per RFC 4518) compatibility forms; Assent must find the user's
// tokens whatever the NAS typed, or refuse. Property test over case, spaces, NFC/NFD, full-width letters and realms.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Client } from 'ldapts';
import type { NewToken } from '../../src/domain/token.js';
import { Code } from '../../src/radius/code.js';
import { decodeReply, RawRadiusClient } from '../support/raw-radius-client.js';
import { insertTokenRow } from '../support/raw-token.js';
import { scratchDir } from '../support/scratch-dir.js';
import { ADMIN_DN, ADMIN_PASSWORD, type Slapd, SUFFIX, startSlapd } from '../support/slapd.js';
import { DEFAULT_SECRET, startTestServer, type TestServer } from '../support/test-server.js';

let slapd: Slapd;
let server: TestServer;
let radius: RawRadiusClient;

/** Directory users of this test: uid values as stored (the first one is the RDN), and the password. */
const PEOPLE = {
  lara: { uids: ['lara'], password: 'lara-pw' },
  zoe: { uids: ['zo\u00eb'], password: 'zoe-pw' },
  dora: { uids: ['dora', 'dora.smith'], password: 'dora-pw' },
  nina: { uids: ['nina'], password: 'nina-pw' },
  omar: { uids: ['omar'], password: 'omar-pw' },
} as const;

const totp = (serial: string, userName: string): NewToken => ({
  serial,
  userName,
  type: 'totp',
  secret: new Uint8Array(randomBytes(20)),
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
});

async function addPeople(url: string): Promise<void> {
  const client = new Client({ url, timeout: 2000, connectTimeout: 2000 });
  try {
    await client.bind(ADMIN_DN, ADMIN_PASSWORD);
    for (const { uids, password } of Object.values(PEOPLE)) {
      await client.add(`uid=${uids[0]},ou=people,${SUFFIX}`, {
        objectClass: 'inetOrgPerson',
        uid: [...uids],
        cn: uids[0],
        sn: uids[0],
        userPassword: password,
      });
    }
  } finally {
    await client.unbind().catch(() => {});
  }
}

before(async () => {
  slapd = await startSlapd();
  await addPeople(slapd.url);
  const dir = scratchDir('assent-pw-');
  const servicePasswordFile = join(dir, 'service.pw');
  writeFileSync(servicePasswordFile, `${ADMIN_PASSWORD}\n`);
  server = await startTestServer({
    users: [{ name: 'mia', password: 'mia-pw' }],
    tokens: [
      totp('T-lara', 'lara'),
      totp('T-zoe', 'zo\u00eb'),
      totp('T-dora', 'dora'),
      totp('T-mia', 'mia'),
      // Enrolled under another spelling than the directory stores: still the directory user's token.
      totp('T-nina', 'NINA'),
      totp('T-omar', 'Omar'),
    ],
    config: {
      directories: {
        corp: { url: slapd.url, bindDnTemplate: `uid={user},ou=people,${SUFFIX}`, timeoutMs: 3000 },
        search: {
          url: slapd.url,
          serviceDn: ADMIN_DN,
          servicePasswordFile,
          searchBase: `ou=people,${SUFFIX}`,
          searchFilter: '(uid={user})',
          timeoutMs: 3000,
        },
      },
      realms: {
        default: ['local', 'corp'],
        map: { corp: ['corp'], 'example.test': ['corp'], srch: ['search'] },
      },
    },
  });
  // A second spelling of omar's tokens, as a database from before the store refused one may hold it.
  insertTokenRow(server.dir, {
    serial: 'T-omar-2',
    userName: 'OMAR',
    secret: new Uint8Array(randomBytes(20)),
  });
  // Another process wrote the database: the running server reads the change log now, not at its next poll.
  server.server.syncChanges();
  radius = await RawRadiusClient.open(server.port, DEFAULT_SECRET);
});

after(async () => {
  radius?.close();
  await server?.stop();
  await slapd?.stop();
});

async function login(user: string, password: string): Promise<number> {
  const reply = await radius.exchange(radius.accessRequest({ user, password }), 5000);
  assert.ok(reply !== undefined, `no reply for ${JSON.stringify(user)}`);
  return decodeReply(reply).code;
}

const fullWidth = (c: string) => (/[!-~]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c);

/** One spelling of `base`: each letter in either case and optionally full-width, then spaces and a realm form. */
const variant = (base: string, realms: readonly string[]) =>
  fc
    .record({
      chars: fc.array(fc.record({ upper: fc.boolean(), wide: fc.boolean() }), {
        minLength: base.length,
        maxLength: base.length,
      }),
      decomposed: fc.boolean(),
      lead: fc.constantFrom('', ' ', '  '),
      trail: fc.constantFrom('', ' ', '  '),
      realm: fc.constantFrom(...realms),
      realmForm: fc.constantFrom('at', 'backslash'),
      realmUpper: fc.boolean(),
    })
    .map((v) => {
      let name = [...base]
        .map((c, i) => {
          const shaped = v.chars[i]!.upper ? c.toUpperCase() : c;
          return v.chars[i]!.wide ? fullWidth(shaped) : shaped;
        })
        .join('');
      name = `${v.lead}${v.decomposed ? name.normalize('NFD') : name.normalize('NFC')}${v.trail}`;
      if (v.realm === '') return name;
      const realm = v.realmUpper ? v.realm.toUpperCase() : v.realm;
      return v.realmForm === 'at' ? `${name}@${realm}` : `${realm}\\${name}`;
    });

test('the exact name of a directory user holding a token is challenged, not accepted', async () => {
  assert.equal(await login('lara', PEOPLE.lara.password), Code.AccessChallenge);
  assert.equal(await login('zo\u00eb', PEOPLE.zoe.password), Code.AccessChallenge);
  assert.equal(await login('dora@srch', PEOPLE.dora.password), Code.AccessChallenge);
});

test('no spelling of a token holder name gets Access-Accept with the password alone (template lookup)', async () => {
  const accepted: string[] = [];
  const people = [
    ['lara', PEOPLE.lara.password],
    ['zo\u00eb', PEOPLE.zoe.password],
  ] as const;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...people), fc.integer(), async ([base, password], seed) => {
      const name = fc.sample(variant(base, ['', 'corp', 'example.test']), { numRuns: 1, seed })[0]!;
      const code = await login(name, password);
      if (code === Code.AccessAccept) accepted.push(name);
      return code !== Code.AccessAccept;
    }),
    { numRuns: 60 },
  );
  assert.deepEqual(accepted, []);
});

test("spellings the directory takes for the same entry are challenged for that entry's token", async () => {
  // slapd matches uid case-insensitively, without outer spaces, and folds full-width and NFD forms (RFC 4518).
  const lara = [
    'LARA',
    'Lara',
    ' lara',
    'lara ',
    'CORP\\Lara',
    'lara@CORP',
    'Lara@example.test',
    '\uff4c\uff41\uff52\uff41',
  ];
  for (const name of lara) assert.equal(await login(name, PEOPLE.lara.password), Code.AccessChallenge, name);
  for (const name of ['ZO\u00cb', 'zoe\u0308']) {
    assert.equal(await login(name, PEOPLE.zoe.password), Code.AccessChallenge, name);
  }
});

test('a second uid value of the same entry (search lookup) finds the tokens of the entry', async () => {
  for (const name of ['dora.smith@srch', 'DORA.SMITH@srch', ' Dora.Smith @SRCH', 'SRCH\\dora.smith']) {
    assert.notEqual(await login(name, PEOPLE.dora.password), Code.AccessAccept, name);
  }
  await fc.assert(
    fc.asyncProperty(variant('dora.smith', ['srch']), async (name) => {
      return (await login(name, PEOPLE.dora.password)) !== Code.AccessAccept;
    }),
    { numRuns: 25 },
  );
});

test('a local token holder typed in another case is not let in on the password', async () => {
  assert.equal(await login('mia', 'mia-pw'), Code.AccessChallenge);
  for (const name of ['MIA', 'Mia', ' mia', 'mia ', '\uff4d\uff49\uff41']) {
    assert.notEqual(await login(name, 'mia-pw'), Code.AccessAccept, JSON.stringify(name));
  }
});

test('the decision log names the canonical directory identity, not the typed spelling', async () => {
  await login('LARA', PEOPLE.lara.password);
  const line = server.logs.findLast((l) => l.event === 'radius.decision');
  assert.equal(line?.outcome ?? line?.decision, 'challenge', JSON.stringify(line));
  assert.equal(line?.user, 'lara', JSON.stringify(line));
});

test('tokens enrolled under another spelling of the stored name are found (challenge, not accept)', async () => {
  for (const name of ['nina', 'Nina', 'NINA']) {
    assert.equal(await login(name, PEOPLE.nina.password), Code.AccessChallenge, name);
  }
  const line = server.logs.findLast((l) => l.event === 'radius.decision');
  assert.equal(line?.user, 'NINA', 'the login goes on under the name the tokens are held under');
});

test('tokens held under two spellings of the name: refused as IDENTITY_AMBIGUOUS, never accepted', async () => {
  for (const name of ['omar', 'OMAR', 'Omar']) {
    assert.equal(await login(name, PEOPLE.omar.password), Code.AccessReject, name);
  }
  const reasons = server.logs
    .filter((l) => l.event === 'radius.decision' && l.user === 'omar')
    .map((l) => l.reason);
  assert.deepEqual(reasons, ['IDENTITY_AMBIGUOUS', 'IDENTITY_AMBIGUOUS', 'IDENTITY_AMBIGUOUS']);
});
