// Owns the public listener's TLS certificate: the configured files, or a self-signed one made on first start.
import 'reflect-metadata'; // @peculiar/x509 uses decorators that need it loaded first
import { randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { closeSync, existsSync, fchmodSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import * as x509 from '@peculiar/x509';

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface LoadedCertificate {
  readonly cert: string;
  readonly key: string;
  /** True when this start made the pair (logged, with where to put a real one). */
  readonly generated: boolean;
  /** What an operator should fix (no serverAuth, no SAN for the public host): logged, not fatal. */
  readonly warnings: string[];
}

/** Apple's limit for TLS server certificates (HT210176), which also bounds what we make ourselves. */
const VALIDITY_DAYS = 825;
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

function writeNew(path: string, text: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'wx', mode);
  try {
    fchmodSync(fd, mode);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** A self-signed ECDSA P-256 certificate for `hosts` (DNS names or IP addresses), with serverAuth. */
export async function makeSelfSigned(
  hosts: readonly string[],
  now = new Date(),
): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as unknown as x509.X509CertificateCreateSelfSignedParams['keys'];
  const serial = randomBytes(16);
  serial[0]! &= 0x7f; // RFC 5280 §4.1.2.2: a positive integer
  const names = hosts.map((host) => ({ type: isIP(host) ? ('ip' as const) : ('dns' as const), value: host }));
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${hosts[0] ?? 'assent'}`,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + VALIDITY_DAYS * 86_400_000),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(
    await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey),
  );
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END PRIVATE KEY-----\n`;
  return { cert: certificate.toString('pem'), key };
}

/** SECURITY A8.2: what a push certificate needs for phones to accept it, as warnings. */
export function certificateWarnings(pem: string, publicHost: string): string[] {
  const cert = new X509Certificate(pem);
  const warnings: string[] = [];
  if (cert.keyUsage !== undefined && !cert.keyUsage.includes('1.3.6.1.5.5.7.3.1')) {
    warnings.push('the public certificate lacks extended key usage serverAuth: phones will refuse it');
  }
  const matches = isIP(publicHost) ? cert.checkIP(publicHost) : cert.checkHost(publicHost);
  if (matches === undefined) {
    warnings.push(
      `the public certificate has no subject alternative name for "${publicHost}" (push.publicUrl)`,
    );
  }
  if (Date.parse(cert.validTo) < Date.now())
    warnings.push(`the public certificate expired on ${cert.validTo}`);
  return warnings;
}

/**
 * Reads the configured pair, or makes a self-signed one for `hosts` when neither file exists (first start). One
 * file without the other is an error: making a new key would orphan the certificate an operator installed.
 */
export async function loadPublicCertificate(
  files: CertificateFiles,
  hosts: readonly string[],
): Promise<LoadedCertificate> {
  const haveCert = existsSync(files.certFile);
  const haveKey = existsSync(files.keyFile);
  let generated = false;
  if (!haveCert && !haveKey) {
    const made = await makeSelfSigned(hosts);
    writeNew(files.keyFile, made.key, 0o600);
    writeNew(files.certFile, made.cert, 0o644);
    generated = true;
  } else if (haveCert !== haveKey) {
    const missing = haveCert ? files.keyFile : files.certFile;
    throw new Error(`http.public: ${missing} is missing while its pair exists; restore it or remove both`);
  }
  const cert = readFileSync(files.certFile, 'utf8');
  const key = readFileSync(files.keyFile, 'utf8');
  return { cert, key, generated, warnings: certificateWarnings(cert, hosts[0] ?? 'localhost') };
}
