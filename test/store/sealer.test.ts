import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createKeyFile, createSealer, loadSealer, SealError, SealErrorCode } from '../../src/store/sealer.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'assent-sealer-'));
  dirs.push(dir);
  return dir;
}

function sealErrorWith(code: SealErrorCode) {
  return (error: unknown) => error instanceof SealError && error.code === code;
}

const text = (value: string) => new TextEncoder().encode(value);

describe('createSealer', () => {
  const sealer = createSealer(randomBytes(32));

  test('a sealed value opens under the same key and aad to the same bytes', () => {
    const secret = randomBytes(64);
    const sealed = sealer.seal(secret, 'client:nas1:secret');
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    assert.deepEqual(Buffer.from(sealer.open(sealed, 'client:nas1:secret')), secret);
  });

  test('sealing the same plaintext twice gives different values (random IV)', () => {
    assert.notEqual(sealer.seal(text('s'), 'a'), sealer.seal(text('s'), 'a'));
  });

  test('an empty plaintext round-trips', () => {
    assert.equal(sealer.open(sealer.seal(new Uint8Array(0), 'a'), 'a').length, 0);
  });

  test('a value sealed for one row does not open for another (aad binds the row)', () => {
    const sealed = sealer.seal(text('testing123'), 'client:nas1:secret');
    assert.throws(() => sealer.open(sealed, 'client:nas2:secret'), sealErrorWith(SealErrorCode.KeyMismatch));
  });

  test('a value sealed under another key does not open', () => {
    const sealed = createSealer(randomBytes(32)).seal(text('x'), 'a');
    assert.throws(() => sealer.open(sealed, 'a'), sealErrorWith(SealErrorCode.KeyMismatch));
  });

  test('a tampered ciphertext does not open', () => {
    const sealed = sealer.seal(text('testing123'), 'a');
    const [v, iv, body] = sealed.split('.');
    const bytes = Buffer.from(body!, 'base64url');
    bytes[0]! ^= 1;
    assert.throws(
      () => sealer.open(`${v}.${iv}.${bytes.toString('base64url')}`, 'a'),
      sealErrorWith(SealErrorCode.KeyMismatch),
    );
  });

  test('malformed sealed values are SEAL_FORMAT errors', () => {
    for (const bad of [
      '',
      'v1',
      'v2.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA',
      'v1.AAAA.AAAAAAAAAAAAAAAAAAAAAA',
      'v1.AAAAAAAAAAAAAAAA.AA',
    ]) {
      assert.throws(() => sealer.open(bad, 'a'), sealErrorWith(SealErrorCode.Format), bad);
    }
  });

  test('a key that is not 32 bytes is refused', () => {
    assert.throws(() => createSealer(randomBytes(16)), sealErrorWith(SealErrorCode.KeyFileInvalid));
  });
});

describe('key files', () => {
  test('createKeyFile writes a 0600 base64 key in a new 0700 directory, and loadSealer reads it', () => {
    const path = join(tempDir(), 'nested', 'secret.key');
    createKeyFile(path);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(path, '..')).mode & 0o777, 0o700);
    assert.equal(Buffer.from(readFileSync(path, 'ascii').trim(), 'base64').length, 32);
    const { sealer, warnings } = loadSealer(path);
    assert.deepEqual(warnings, []);
    const again = loadSealer(path).sealer;
    assert.deepEqual(Buffer.from(again.open(sealer.seal(text('k'), 'a'), 'a')).toString(), 'k');
  });

  test('createKeyFile refuses to overwrite an existing key', () => {
    const path = join(tempDir(), 'secret.key');
    createKeyFile(path);
    const before = readFileSync(path, 'ascii');
    assert.throws(() => createKeyFile(path), sealErrorWith(SealErrorCode.KeyFileExists));
    assert.equal(readFileSync(path, 'ascii'), before);
  });

  test('a missing key file is KEY_FILE_MISSING', () => {
    assert.throws(() => loadSealer(join(tempDir(), 'none.key')), sealErrorWith(SealErrorCode.KeyFileMissing));
  });

  test('a key file of the wrong size or not base64 is KEY_FILE_INVALID', () => {
    const dir = tempDir();
    for (const [name, content] of [
      ['short', `${randomBytes(16).toString('base64')}\n`],
      ['junk', 'not a key at all\n'],
      ['empty', ''],
    ] as const) {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      assert.throws(() => loadSealer(path), sealErrorWith(SealErrorCode.KeyFileInvalid), name);
    }
  });

  test('a key file readable by group or others loads with a warning', () => {
    const path = join(tempDir(), 'secret.key');
    createKeyFile(path);
    chmodSync(path, 0o644);
    const { warnings } = loadSealer(path);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /readable by group or others \(mode 644\); run chmod 600/);
  });

  test('a key file writable by group or others is refused', () => {
    const path = join(tempDir(), 'secret.key');
    createKeyFile(path);
    chmodSync(path, 0o620);
    assert.throws(() => loadSealer(path), sealErrorWith(SealErrorCode.KeyFilePermissions));
  });

  test('a key file that cannot be read is KEY_FILE_UNREADABLE', () => {
    const dir = tempDir();
    assert.throws(() => loadSealer(dir), sealErrorWith(SealErrorCode.KeyFileUnreadable));
  });
});
