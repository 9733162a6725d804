// SECURITY A8.2: the certificate made at first start is one phones can accept; a half-present pair stops the start.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { certificateWarnings, loadPublicCertificate } from '../../src/http/public-certificate.js';

test('first start: a P-256 serverAuth certificate naming every host, key 0600; later starts read the same pair', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'assent-cert-'));
  try {
    const files = { certFile: join(dir, 'c.pem'), keyFile: join(dir, 'k.pem') };
    const made = await loadPublicCertificate(files, ['assent.example.com', '127.0.0.1', 'localhost']);
    assert.equal(made.generated, true);
    assert.deepEqual(made.warnings, []);
    const cert = new X509Certificate(made.cert);
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(cert.keyUsage?.includes('1.3.6.1.5.5.7.3.1'), 'extended key usage serverAuth');
    assert.equal(cert.checkHost('assent.example.com'), 'assent.example.com');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    assert.ok(days > 820 && days <= 825, `valid ${days} days`);
    assert.equal(statSync(files.keyFile).mode & 0o777, 0o600);
    const again = await loadPublicCertificate(files, ['assent.example.com']);
    assert.equal(again.generated, false);
    assert.equal(again.cert, made.cert);
    assert.match(certificateWarnings(made.cert, 'other.example.com')[0]!, /no subject alternative name/);
    unlinkSync(files.keyFile);
    await assert.rejects(loadPublicCertificate(files, ['assent.example.com']), /k\.pem is missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
