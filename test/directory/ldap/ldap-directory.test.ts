// Tests the LDAP first factor against a real OpenLDAP slapd started in a temp dir.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { LdapOptions } from '../../../src/directory/ldap/ldap-config.js';
import { createLdapDirectory, type LdapLogger } from '../../../src/directory/ldap/ldap-directory.js';
import { ADMIN_DN, ADMIN_PASSWORD, freePort, type Slapd, SUFFIX, startSlapd } from '../../support/slapd.js';

const pw = (s: string) => new TextEncoder().encode(s);
const TIMEOUT = 400;
/** Scheduling slack on a loaded CI machine (tests run in parallel); a hang would be far beyond it. */
const SLACK_MS = 1500;

function capture(): LdapLogger & { lines: string[] } {
  const lines: string[] = [];
  const push = (o: object, m: string) => lines.push(`${m} ${JSON.stringify(o)}`);
  return { lines, info: push, warn: push, error: push };
}

function searchOptions(url: string, extra: Partial<LdapOptions> = {}): LdapOptions {
  return {
    url,
    startTls: false,
    userLookup: {
      kind: 'search',
      serviceDn: ADMIN_DN,
      servicePassword: ADMIN_PASSWORD,
      searchBase: `ou=people,${SUFFIX}`,
      searchFilter: '(uid={user})',
    },
    groups: { kind: 'search', groupSearchBase: `ou=groups,${SUFFIX}`, groupFilter: '(member={dn})' },
    disabledCheck: { kind: 'attribute', attribute: 'employeeType', value: 'disabled' },
    timeoutMs: TIMEOUT,
    poolSize: 2,
    ...extra,
  };
}

function templateOptions(url: string, extra: Partial<LdapOptions> = {}): LdapOptions {
  return searchOptions(url, {
    userLookup: { kind: 'template', bindDnTemplate: `uid={user},ou=people,${SUFFIX}` },
    groups: { kind: 'memberOf' },
    ...extra,
  });
}

/** A TCP server that accepts and never answers, counting connections. */
async function blackhole(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    count += 1;
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ldap://127.0.0.1:${port}`,
    connections: () => count,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('LDAP directory against slapd', () => {
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd({ tls: true });
  });
  after(async () => {
    await slapd.stop();
  });

  for (const [name, make] of [
    ['search-then-bind', searchOptions],
    ['DN template', templateOptions],
  ] as const) {
    test(`${name}: the right password gives ok with the user's groups`, async () => {
      const dir = createLdapDirectory(make(slapd.url));
      try {
        const result = await dir.authenticate('alice', pw('alicepw'));
        assert.deepEqual(result, {
          ok: true,
          dn: `uid=alice,ou=people,${SUFFIX}`,
          name: 'alice',
          groups: ['vpn'],
        });
      } finally {
        await dir.close();
      }
    });

    test(`${name}: a wrong password gives BAD_PASSWORD`, async () => {
      const log = capture();
      const dir = createLdapDirectory(make(slapd.url), log);
      try {
        const result = await dir.authenticate('alice', pw('bobpw'));
        assert.equal(result.ok, false);
        assert.equal(!result.ok && result.reason, 'BAD_PASSWORD');
        assert.equal(log.lines.length, 1);
        assert.ok(!log.lines[0]!.includes('bobpw'), 'the password never reaches the log');
      } finally {
        await dir.close();
      }
    });

    test(`${name}: the result names the user as the entry stores it, whatever case was typed (issue 12)`, async () => {
      const dir = createLdapDirectory(make(slapd.url));
      try {
        for (const typed of ['ALICE', 'Alice', ' alice ']) {
          const result = await dir.authenticate(typed, pw('alicepw'));
          assert.equal(result.ok && result.name, 'alice', typed);
        }
      } finally {
        await dir.close();
      }
    });

    test(`${name}: an entry without a value of nameAttribute is IDENTITY_AMBIGUOUS, not ok`, async () => {
      const dir = createLdapDirectory({ ...make(slapd.url), nameAttribute: 'employeeNumber' });
      try {
        const result = await dir.authenticate('alice', pw('alicepw'));
        assert.equal(!result.ok && result.reason, 'IDENTITY_AMBIGUOUS');
      } finally {
        await dir.close();
      }
    });

    test(`${name}: a disabled account with the right password gives USER_DISABLED`, async () => {
      const dir = createLdapDirectory(make(slapd.url));
      try {
        const result = await dir.authenticate('carol', pw('carolpw'));
        assert.equal(!result.ok && result.reason, 'USER_DISABLED');
      } finally {
        await dir.close();
      }
    });
  }

  test('search-then-bind: an unknown user gives USER_UNKNOWN', async () => {
    const dir = createLdapDirectory(searchOptions(slapd.url));
    try {
      const result = await dir.authenticate('mallory', pw('x'));
      assert.equal(!result.ok && result.reason, 'USER_UNKNOWN');
    } finally {
      await dir.close();
    }
  });

  test('memberOf groups come from the memberof overlay', async () => {
    const dir = createLdapDirectory(searchOptions(slapd.url, { groups: { kind: 'memberOf' } }));
    try {
      assert.deepEqual(await dir.authenticate('bob', pw('bobpw')), {
        ok: true,
        dn: `uid=bob,ou=people,${SUFFIX}`,
        name: 'bob',
        groups: ['staff'],
      });
    } finally {
      await dir.close();
    }
  });

  for (const user of [
    '*',
    'a*',
    ')(uid=*',
    '*)(|(uid=*',
    'alice)(uid=*',
    '\\',
    'alice\\2a',
    'alice\u0000',
    'al*ce',
  ]) {
    test(`filter and DN injection in the user name ${JSON.stringify(user)} matches nobody (RFC 4515 §3)`, async () => {
      for (const make of [searchOptions, templateOptions]) {
        const dir = createLdapDirectory(make(slapd.url));
        try {
          for (const password of ['alicepw', 'bobpw']) {
            const result = await dir.authenticate(user, pw(password));
            assert.equal(result.ok, false);
            if (make === searchOptions) assert.equal(!result.ok && result.reason, 'USER_UNKNOWN');
          }
        } finally {
          await dir.close();
        }
      }
    });
  }

  test('StartTLS with the server CA verifies and logs in (RFC 4513 §3)', async () => {
    const dir = createLdapDirectory(searchOptions(slapd.url, { startTls: true, tlsCaFile: slapd.caFile! }));
    try {
      assert.equal((await dir.authenticate('alice', pw('alicepw'))).ok, true);
    } finally {
      await dir.close();
    }
  });

  test('LDAPS with the server CA logs in; without it the certificate is refused', async () => {
    const good = createLdapDirectory(templateOptions(slapd.ldapsUrl!, { tlsCaFile: slapd.caFile! }));
    const bad = createLdapDirectory(templateOptions(slapd.ldapsUrl!));
    try {
      assert.equal((await good.authenticate('alice', pw('alicepw'))).ok, true);
      const refused = await bad.authenticate('alice', pw('alicepw'));
      assert.equal(!refused.ok && refused.reason, 'DIRECTORY_UNAVAILABLE');
    } finally {
      await good.close();
      await bad.close();
    }
  });

  test('twelve concurrent logins through a pool of two service connections all get their own answer', async () => {
    const dir = createLdapDirectory(searchOptions(slapd.url, { poolSize: 2 }));
    try {
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          dir.authenticate(i % 2 ? 'alice' : 'bob', pw(i % 2 ? 'alicepw' : 'x')),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.ok || r.reason),
        Array.from({ length: 12 }, (_, i) => (i % 2 ? true : 'BAD_PASSWORD')),
      );
    } finally {
      await dir.close();
    }
  });
});

describe('LDAP directory failure kinds without a working server', () => {
  test('an empty password is refused before any connection (RFC 4513 §5.1.2 unauthenticated bind)', async () => {
    const hole = await blackhole();
    try {
      for (const make of [searchOptions, templateOptions]) {
        const dir = createLdapDirectory(make(hole.url));
        const result = await dir.authenticate('alice', new Uint8Array(0));
        assert.equal(!result.ok && result.reason, 'BAD_PASSWORD');
        await dir.close();
      }
      assert.equal(hole.connections(), 0);
    } finally {
      await hole.close();
    }
  });

  test('a closed port gives DIRECTORY_UNAVAILABLE well within the timeout', async () => {
    const url = `ldap://127.0.0.1:${await freePort()}`;
    for (const make of [searchOptions, templateOptions]) {
      const log = capture();
      const dir = createLdapDirectory(make(url), log);
      const started = Date.now();
      const result = await dir.authenticate('alice', pw('alicepw'));
      assert.ok(Date.now() - started < TIMEOUT + SLACK_MS);
      assert.equal(!result.ok && result.reason, 'DIRECTORY_UNAVAILABLE');
      assert.match(log.lines.join('\n'), /server down or unreachable \(ECONNREFUSED\)/);
      assert.equal(log.lines.length, 1);
      await dir.close();
    }
  });

  test('a stopped slapd gives DIRECTORY_UNAVAILABLE, also for pooled connections', async () => {
    const slapd = await startSlapd();
    const dir = createLdapDirectory(searchOptions(slapd.url));
    try {
      assert.equal((await dir.authenticate('alice', pw('alicepw'))).ok, true);
      await slapd.stop();
      const started = Date.now();
      const result = await dir.authenticate('alice', pw('alicepw'));
      assert.ok(Date.now() - started < TIMEOUT + SLACK_MS);
      assert.equal(!result.ok && result.reason, 'DIRECTORY_UNAVAILABLE');
    } finally {
      await dir.close();
      await slapd.stop();
    }
  });

  test('a server that accepts and never answers gives DIRECTORY_TIMEOUT within timeoutMs', async () => {
    const hole = await blackhole();
    try {
      for (const make of [searchOptions, templateOptions]) {
        for (const startTls of [false, true]) {
          const dir = createLdapDirectory(make(hole.url, { startTls }));
          const started = Date.now();
          const result = await dir.authenticate('alice', pw('alicepw'));
          const elapsed = Date.now() - started;
          assert.ok(elapsed >= TIMEOUT - 20 && elapsed < TIMEOUT + SLACK_MS, `took ${elapsed} ms`);
          assert.equal(!result.ok && result.reason, 'DIRECTORY_TIMEOUT');
          await dir.close();
        }
      }
    } finally {
      await hole.close();
    }
  });
});
