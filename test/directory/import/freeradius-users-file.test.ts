// Tests the FreeRADIUS users-file importer on a file FreeRADIUS 3.2.1 accepted, and on bad entries.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { parseFreeRadiusUsersFile } from '../../../src/directory/import/freeradius-users-file.js';
import { createPasswordVerifier } from '../../../src/directory/password/password-verifier.js';
import { octets } from '../password/vectors.js';

const fixture = readFileSync(new URL('./vectors/freeradius-users.txt', import.meta.url), 'utf8');

describe('freeradius-users-file', () => {
  const verifier = createPasswordVerifier({ argon2: { memoryCost: 256, timeCost: 2, parallelism: 1 } });
  after(() => verifier.close());

  it('imports every user of a file FreeRADIUS accepted, in canonical form', () => {
    const result = parseFreeRadiusUsersFile(fixture);
    assert.deepEqual(result.failures, []);
    assert.deepEqual(
      result.users.map((user) => [
        user.name,
        user.line,
        user.status,
        user.passwordHash?.match(/^(\{\w+\}|\$\w+\$)/)?.[1] ?? null,
      ]),
      [
        ['alice', 5, 'active', '{SSHA256}'],
        ['bob', 9, 'active', '{SSHA512}'],
        ['carol', 10, 'active', '{SSHA}'],
        ['dave', 11, 'active', '$6$'],
        ['erin', 12, 'active', '$5$'],
        ['frank', 13, 'active', '$2b$'],
        ['grace', 14, 'active', '{SSHA256}'],
        ['heidi', 15, 'active', null],
        ['ivan the terrible', 16, 'active', null],
        ['judy', 17, 'disabled', null],
        ['mallory', 18, 'active', '{SHA256}'],
        ['niaj', 19, 'active', '{SSHA256}'],
      ],
    );
    const clear = result.users.filter((user) => user.clearPassword !== undefined);
    assert.deepEqual(
      clear.map((user) => [user.name, user.clearPassword]),
      [
        ['heidi', 'heidi "quoted" pw'],
        ['ivan the terrible', 'ivan pw'],
        ['judy', 'judy pw'],
      ],
    );
    assert.ok(result.users.every((user) => user.groups.length === 0));
  });

  it('imported hashes accept the passwords FreeRADIUS accepted, and nothing else', async () => {
    const { users } = parseFreeRadiusUsersFile(fixture);
    for (const user of users) {
      if (user.passwordHash === null) continue;
      const password = `${user.name.split(' ')[0]} pw`;
      assert.equal(await verifier.verify(user.passwordHash, octets(password)), true, user.name);
      assert.equal(await verifier.verify(user.passwordHash, octets(`${password}x`)), false, user.name);
    }
  });

  it('notes reply items, Fall-Through, conditions, other check items and DEFAULT entries', () => {
    const { skipped } = parseFreeRadiusUsersFile(fixture);
    assert.deepEqual(
      skipped.map((note) => note.line),
      [6, 7, 10, 19, 21, 23],
    );
    const byLine = new Map(skipped.map((note) => [note.line, note.reason]));
    assert.match(byLine.get(6)!, /reply item Reply-Message ignored/);
    assert.match(byLine.get(7)!, /Fall-Through ignored/);
    assert.match(byLine.get(10)!, /Auth-Type PAP ignored/);
    assert.match(byLine.get(19)!, /NAS-IP-Address: condition == ignored/);
    assert.match(byLine.get(23)!, /DEFAULT entry skipped/);
  });

  it('fails bad entries with line and column, keeps the good ones, and never echoes a password or hash', () => {
    const text = [
      '    Reply-Message = "orphan"', // 1
      'nt      NT-Password := 0x8846f7eaee8fb117ad06bdd830b7586c', // 2
      'plus    Cleartext-Password += "s3cret-plus"', // 3
      'two     Cleartext-Password := "s3cret-two", SSHA-Password := "mZTUQVw8qx27PZj4wUNs+6btHAMHoYf+"', // 4
      'short   SSHA2-256-Password := "c2hvcnQ="', // 5
      'open    Cleartext-Password := "s3cret-open', // 6
      'accept  Auth-Type := Accept', // 7
      'md5     Crypt-Password := "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"', // 8
      '"unclosed name  Cleartext-Password := x', // 9
      'ok      User-Password == "legacy spelling"', // 10
      '        Cleartext-Password := "not a check item"', // 11
      'ok      Cleartext-Password := "s3cret-again"', // 12
      'ok      Huntgroup-Name == "vpn"', // 13
      '$INCLUDE /etc/freeradius/other-users', // 14
      'exec    Cleartext-Password := `/bin/echo s3cret-exec`', // 15
      'empty   Cleartext-Password := ""', // 16
      'nopw    Auth-Type := Reject', // 17
      'comma   Cleartext-Password := "a" "b"', // 18
      'DEFAULT Auth-Type := Reject', // 19
      '        Reply-Message = "bye"', // 20
    ].join('\n');
    const result = parseFreeRadiusUsersFile(text);
    assert.deepEqual(
      result.users.map((user) => [user.name, user.line, user.status, user.clearPassword ?? null]),
      [
        ['ok', 10, 'active', 'legacy spelling'],
        ['nopw', 17, 'disabled', null],
      ],
    );
    assert.deepEqual(
      result.failures.map((failure) => failure.line),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 18],
    );
    const byLine = new Map(result.failures.map((failure) => [failure.line, failure.reason]));
    assert.match(byLine.get(1)!, /indented line outside an entry/);
    assert.match(byLine.get(2)!, /^column 9, NT-Password: unsupported hash scheme/);
    assert.match(byLine.get(3)!, /operator \+= cannot set a password/);
    assert.match(byLine.get(4)!, /more than one password attribute/);
    assert.match(byLine.get(5)!, /SSHA2-256-Password: malformed hash/);
    assert.match(byLine.get(6)!, /expected a value at column 31/);
    assert.match(byLine.get(7)!, /Auth-Type Accept/);
    assert.match(byLine.get(8)!, /Crypt-Password: unsupported hash scheme/);
    assert.match(byLine.get(9)!, /unterminated quoted user name/);
    assert.match(byLine.get(12)!, /second password entry for this user \(first on line 10\)/);
    assert.match(byLine.get(15)!, /back-quoted/);
    assert.match(byLine.get(16)!, /empty password/);
    assert.match(byLine.get(18)!, /expected a comma between items at column 35/);
    const notes = new Map(result.skipped.map((note) => [note.line, note.reason]));
    assert.match(notes.get(11)!, /reply item, not a password/);
    assert.match(notes.get(13)!, /further entry for this user skipped \(first on line 10\)/);
    assert.match(notes.get(14)!, /\$INCLUDE not followed/);
    assert.match(notes.get(17)!, /no password attribute/);
    assert.match(notes.get(19)!, /DEFAULT entry skipped/);
    assert.ok(!notes.has(20), 'reply items of a skipped DEFAULT entry need no note of their own');
    for (const { reason } of [...result.failures, ...result.skipped]) {
      assert.ok(!/s3cret|mZTUQVw8|8846f7ea|qjXMvbEw|legacy spelling|not a check item/.test(reason), reason);
    }
  });

  it('reads CRLF files with a BOM, tabs as separators and trailing comments', () => {
    const text = '\uFEFF# users\r\nzed\tCleartext-Password := "pw" # note\r\n\tReply-Message = "hi"\r\n';
    const result = parseFreeRadiusUsersFile(text);
    assert.deepEqual(result.failures, []);
    assert.deepEqual(result.users, [
      { name: 'zed', passwordHash: null, clearPassword: 'pw', groups: [], status: 'active', line: 2 },
    ]);
  });
});
