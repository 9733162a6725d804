// The portal's words for the API's values (src/web/portal/format.ts): codes as typed, names, times in a locale.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deviceTypeName,
  formatTime,
  formatWhen,
  groupedSecret,
  howName,
  outcomeText,
  readCode,
  readLabel,
  reasonText,
  spacedBackupCode,
} from '../../src/web/portal/format.js';

test('a typed code: 6–8 digits is an app code, 10 digits a backup code; spaces and dashes are ignored', () => {
  assert.deepEqual(readCode('123456'), { ok: true, kind: 'otp', digits: '123456' });
  assert.deepEqual(readCode(' 123 4567 '), { ok: true, kind: 'otp', digits: '1234567' });
  assert.deepEqual(readCode('12345678'), { ok: true, kind: 'otp', digits: '12345678' });
  assert.deepEqual(readCode('01234 56789'), { ok: true, kind: 'backup', digits: '0123456789' });
  assert.deepEqual(readCode('01234-56789'), { ok: true, kind: 'backup', digits: '0123456789' });
  for (const wrong of ['12345', '123456789', '12345678901', '12a456', 'push']) {
    const read = readCode(wrong);
    assert.equal(read.ok, false, wrong);
    assert.match(read.ok ? '' : read.message, /6 to 8 digits.*10 digits/, wrong);
  }
  assert.deepEqual(readCode('  '), { ok: false, message: 'Type the code first.' });
});

test('backup codes are shown in halves, secrets in groups of four', () => {
  assert.equal(spacedBackupCode('0123456789'), '01234 56789');
  assert.equal(spacedBackupCode('12345'), '12345', 'anything else is left alone');
  assert.equal(groupedSecret('JBSWY3DPEHPK3PXP'), 'JBSW Y3DP EHPK 3PXP');
  assert.equal(groupedSecret('JBSWY3DPEH'), 'JBSW Y3DP EH');
  assert.equal(groupedSecret(''), '');
});

test('a device name is 1–64 printable characters, trimmed', () => {
  assert.deepEqual(readLabel('  Work phone '), { ok: true, label: 'Work phone' });
  assert.deepEqual(readLabel('x'.repeat(64)), { ok: true, label: 'x'.repeat(64) });
  assert.equal(readLabel('').ok, false);
  assert.equal(readLabel('   ').ok, false);
  assert.equal(readLabel('x'.repeat(65)).ok, false);
  assert.equal(readLabel('tab\there').ok, false);
  assert.equal(readLabel('del\u007f').ok, false);
  assert.deepEqual(readLabel('Téléphone ☎'), { ok: true, label: 'Téléphone ☎' }, 'non-ASCII is printable');
});

test('times are shown in the given locale and time zone; missing or broken ones are empty', () => {
  const iso = '2025-12-05T21:10:00.000Z';
  assert.equal(formatWhen(iso, 'en-GB', 'UTC'), '5 Dec 2025, 21:10');
  assert.equal(formatWhen(iso, 'en-GB', 'Europe/Paris'), '5 Dec 2025, 22:10');
  assert.equal(formatWhen(iso, 'en-US', 'America/New_York'), 'Dec 5, 2025, 4:10 PM');
  assert.equal(formatWhen(iso, 'de-DE', 'UTC'), '05.12.2025, 21:10');
  assert.equal(formatTime(iso, 'en-GB', 'UTC'), '21:10');
  assert.equal(formatWhen(null), '');
  assert.equal(formatWhen('not a time'), '');
  assert.equal(formatTime('not a time'), '');
});

test('devices, methods and outcomes in words; an unknown reason code still reads as words', () => {
  assert.equal(deviceTypeName('push'), 'Phone: approves sign-ins');
  assert.equal(deviceTypeName('backup'), 'Backup codes');
  assert.equal(howName('totp'), 'code from an authenticator app');
  assert.equal(howName(''), '');
  assert.equal(reasonText('PUSH_DENIED'), 'denied on the phone');
  assert.equal(reasonText('STATE_EXPIRED'), 'state expired');
  assert.equal(reasonText(''), '');
  assert.equal(outcomeText({ result: 'accepted', how: 'push', reason: '' }), 'Accepted: approved on a phone');
  assert.equal(outcomeText({ result: 'accepted', how: '', reason: '' }), 'Accepted');
  assert.equal(outcomeText({ result: 'rejected', how: '', reason: 'CODE_WRONG' }), 'Refused: wrong code');
  assert.equal(outcomeText({ result: 'rejected', how: '', reason: '' }), 'Refused');
});
