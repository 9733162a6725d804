// Tests the CSV user importer: columns, hash normalisation, clear passwords, and line-numbered failures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsvUsers } from '../../../src/directory/import/csv-users.js';
import { verifyShaHashString } from '../../../src/directory/password/salted-sha.js';
import { octets, readHashVectors } from '../password/vectors.js';

const vectors = readHashVectors('legacy-hashes.txt');
const ssha256 = vectors.find((vector) => vector.hash.startsWith('{SSHA256}'))!;
const sha512crypt = vectors.find((vector) => vector.hash.startsWith('$6$'))!;
const bcrypt = vectors.find((vector) => vector.hash.startsWith('$2b$'))!;

describe('csv-users', () => {
  it('imports hashed, clear-text and password-less users with groups and status', () => {
    const text = [
      'Username,Password_Hash,password,groups,status',
      `alice,${ssha256.hash},,vpn; admins ;vpn,active`,
      `bob,"{CRYPT}${sha512crypt.hash}",,,disabled`,
      `carol,${bcrypt.hash},,,`,
      'dave,,"  spaced, quoted  ",vpn,',
      'erin,{CLEARTEXT}from-header,,,ACTIVE',
      'frank,,,,',
    ].join('\r\n');
    const result = parseCsvUsers(text);
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.skipped, []);
    assert.deepEqual(result.users, [
      { name: 'alice', passwordHash: ssha256.hash, groups: ['vpn', 'admins'], status: 'active', line: 2 },
      { name: 'bob', passwordHash: sha512crypt.hash, groups: [], status: 'disabled', line: 3 },
      { name: 'carol', passwordHash: bcrypt.hash, groups: [], status: 'active', line: 4 },
      {
        name: 'dave',
        passwordHash: null,
        clearPassword: '  spaced, quoted  ',
        groups: ['vpn'],
        status: 'active',
        line: 5,
      },
      {
        name: 'erin',
        passwordHash: null,
        clearPassword: 'from-header',
        groups: [],
        status: 'active',
        line: 6,
      },
      { name: 'frank', passwordHash: null, groups: [], status: 'active', line: 7 },
    ]);
    assert.equal(verifyShaHashString(result.users[0]!.passwordHash!, octets(ssha256.password)), true);
  });

  it('normalises lower-case headers, unpadded base64 and hex to the canonical {SSHA256} form', () => {
    const raw = Buffer.from(ssha256.hash.slice('{SSHA256}'.length), 'base64');
    const text = `username,password_hash\nu1,{ssha256}${raw.toString('base64').replace(/=+$/, '')}\nu2,{SSHA256}0x${raw.toString('hex')}\n`;
    const result = parseCsvUsers(text);
    assert.deepEqual(result.failures, []);
    assert.deepEqual(
      result.users.map((user) => user.passwordHash),
      [ssha256.hash, ssha256.hash],
    );
  });

  it('accepts a UTF-8 BOM, blank lines and any column order', () => {
    const result = parseCsvUsers('\uFEFFstatus,username\n\ndisabled,zoe\n\n');
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.users, [
      { name: 'zoe', passwordHash: null, groups: [], status: 'disabled', line: 3 },
    ]);
  });

  it('fails bad lines with line and column, keeps the good ones, and never echoes a hash or password', () => {
    const secretMd5 = '{MD5}X03MO1qnZdYdgyfeuILPmQ==';
    const text = [
      'username,password_hash,password,status', // 1
      'good1,,pw1,', // 2
      `md5user,${secretMd5},,`, // 3
      'badstatus,,pw,locked', // 4
      `both,${ssha256.hash},pw,`, // 5
      'good1,,pw2,', // 6
      ',,pw,', // 7
      'short,,', // 8
      'garbage,not-a-hash,,', // 9
      ',,,', // 10
      `ctl\u0001name,,pw,`, // 11
      'good2,,pw3,', // 12
    ].join('\n');
    const result = parseCsvUsers(text);
    assert.deepEqual(
      result.users.map((user) => [user.name, user.line]),
      [
        ['good1', 2],
        ['good2', 12],
      ],
    );
    assert.deepEqual(result.skipped, [{ line: 10, reason: 'empty row' }]);
    assert.deepEqual(
      result.failures.map((failure) => failure.line),
      [3, 4, 5, 6, 7, 8, 9, 11],
    );
    const byLine = new Map(result.failures.map((failure) => [failure.line, failure.reason]));
    assert.match(byLine.get(3)!, /^column password_hash: unsupported hash scheme/);
    assert.match(byLine.get(4)!, /^column status:/);
    assert.match(byLine.get(5)!, /both set/);
    assert.match(byLine.get(6)!, /duplicate user \(first on line 2\)/);
    assert.match(byLine.get(7)!, /^column username:/);
    assert.match(byLine.get(8)!, /expected 4 fields, found 3/);
    assert.match(byLine.get(9)!, /^column password_hash: unrecognised hash format/);
    for (const { reason } of result.failures) {
      for (const secret of [secretMd5, 'X03MO1qnZdYdgyfeuILPmQ', ssha256.hash, 'not-a-hash', 'pw']) {
        assert.ok(!reason.includes(secret), `"${reason}" leaks ${secret}`);
      }
    }
  });

  it('reports CSV syntax errors by line without the field text', () => {
    const result = parseCsvUsers('username,password\nok,pw\nbad,x"secret"y\nok2,pw2\n');
    assert.deepEqual(
      result.users.map((user) => user.name),
      ['ok', 'ok2'],
    );
    assert.deepEqual(result.failures, [{ line: 3, reason: 'CSV syntax: a quote inside an unquoted field' }]);

    const unclosed = parseCsvUsers('username,password\nok,pw\nbad,"secret\n');
    assert.equal(unclosed.failures.length, 1);
    assert.match(unclosed.failures[0]!.reason, /^CSV syntax: a quoted field is not closed$/);
  });

  describe('refuses a header it cannot trust, importing nobody', () => {
    const cases: Record<string, [string, RegExp]> = {
      'unknown column (a misspelt status must not enable users)': [
        'username,staus\nu,disabled\n',
        /unknown column "staus"/,
      ],
      'missing username': ['password\npw\n', /missing required column "username"/],
      'duplicate column': ['username,password,password\nu,a,b\n', /appears twice/],
      'empty input': ['', /no header line/],
    };
    for (const [name, [text, reason]] of Object.entries(cases)) {
      it(name, () => {
        const result = parseCsvUsers(text);
        assert.deepEqual(result.users, []);
        assert.equal(result.failures[0]?.line, 1);
        assert.match(result.failures[0]!.reason, reason);
      });
    }
  });
});
