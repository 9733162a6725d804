// The app's TOTP (WebCrypto HMAC) against RFC 6238's vectors and oathtool, and its otpauth:// reading.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { encodeBase32 } from '../../src/otp/base32.js';
import { importTotpSecret, OtpauthError, parseOtpauth, totpCode } from '../../src/web/authenticator/totp.js';
import { runPeer } from '../support/run-peer.js';

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'ascii'));

test('RFC 6238 Appendix B vectors (SHA-1, SHA-256, SHA-512; 8 digits)', async () => {
  const seeds = {
    'SHA-1': ascii('12345678901234567890'),
    'SHA-256': ascii('12345678901234567890123456789012'),
    'SHA-512': ascii('1234567890123456789012345678901234567890123456789012345678901234'),
  } as const;
  const vectors: [number, string, keyof typeof seeds][] = [
    [59, '94287082', 'SHA-1'],
    [59, '46119246', 'SHA-256'],
    [59, '90693936', 'SHA-512'],
    [1111111109, '07081804', 'SHA-1'],
    [1234567890, '89005924', 'SHA-1'],
    [20000000000, '65353130', 'SHA-1'],
  ];
  for (const [time, expected, algorithm] of vectors) {
    const key = await importTotpSecret({
      issuer: '',
      account: '',
      secret: seeds[algorithm],
      algorithm,
      digits: 8,
      period: 30,
    });
    assert.equal(await totpCode(key, 8, 30, time * 1000), expected, `${algorithm} at ${time}`);
  }
});

test("an otpauth:// URI's codes equal oathtool's", async () => {
  const secret = new Uint8Array(randomBytes(20));
  const uri = `otpauth://totp/ACME%20Co:alice@example.com?secret=${encodeBase32(secret)}&issuer=ACME%20Co&digits=6&period=30`;
  const parsed = parseOtpauth(uri);
  assert.equal(parsed.issuer, 'ACME Co');
  assert.equal(parsed.account, 'alice@example.com');
  const key = await importTotpSecret(parsed);
  const at = 1_800_000_000;
  const oath = await runPeer('oathtool', ['--totp', '-N', `@${at}`, '-b', encodeBase32(secret)]);
  assert.equal(await totpCode(key, parsed.digits, parsed.period, at * 1000), oath.stdout.trim());
});

test('refused: HOTP, other schemes, short secrets, odd digits', () => {
  for (const uri of [
    'otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1',
    'https://example.com/?secret=JBSWY3DPEHPK3PXP',
    'otpauth://totp/x?secret=JBSWY3DP',
    'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=9',
    'otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5',
  ]) {
    assert.throws(() => parseOtpauth(uri), OtpauthError, uri);
  }
  assert.equal(
    parseOtpauth('otpauth://totp/x?secret=JBSWY3DPEHPK3PXP').secret.length,
    10,
    '80-bit secrets load',
  );
});
