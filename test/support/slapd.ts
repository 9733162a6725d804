// Starts a throwaway OpenLDAP slapd (PEERS.md "Directory and stores") in a temp dir, with users, groups and memberOf.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';

const run = promisify(execFile);

export const SUFFIX = 'dc=example,dc=test';
export const ADMIN_DN = `cn=admin,${SUFFIX}`;
export const ADMIN_PASSWORD = 'adminpw';
/** Users and their passwords; carol is marked disabled through `employeeType: disabled`. */
export const USERS = { alice: 'alicepw', bob: 'bobpw', carol: 'carolpw' } as const;

export interface Slapd {
  /** `ldap://127.0.0.1:PORT` */
  readonly url: string;
  /** `ldaps://127.0.0.1:PORT` when started with `tls: true`. */
  readonly ldapsUrl: string | undefined;
  /** PEM file of the self-signed server certificate when started with `tls: true`. */
  readonly caFile: string | undefined;
  /** Stops slapd by the PID in its pidfile and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Binds port 0 on loopback, reads the port the kernel chose and frees it for slapd. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function hash(password: string): Promise<string> {
  const { stdout } = await run('slappasswd', ['-s', password]);
  return stdout.trim();
}

function config(dir: string, rootpw: string, tls: boolean): string {
  const schema = ['core', 'cosine', 'inetorgperson', 'nis'].map(
    (s) => `include /etc/ldap/schema/${s}.schema`,
  );
  const tlsLines = tls ? [`TLSCertificateFile ${dir}/cert.pem`, `TLSCertificateKeyFile ${dir}/key.pem`] : [];
  return [
    ...schema,
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    'moduleload memberof',
    ...tlsLines,
    'database mdb',
    `suffix "${SUFFIX}"`,
    `rootdn "${ADMIN_DN}"`,
    `rootpw ${rootpw}`,
    `directory ${dir}/db`,
    'overlay memberof',
    'memberof-group-oc groupOfNames',
    'memberof-member-ad member',
    'memberof-memberof-ad memberOf',
    '',
  ].join('\n');
}

async function baseLdif(): Promise<string> {
  const entries = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: ou=people,${SUFFIX}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${SUFFIX}\nobjectClass: organizationalUnit\nou: groups`,
  ];
  for (const [name, password] of Object.entries(USERS)) {
    const disabled = name === 'carol' ? '\nemployeeType: disabled' : '';
    entries.push(
      `dn: uid=${name},ou=people,${SUFFIX}\nobjectClass: inetOrgPerson\nuid: ${name}\ncn: ${name}\nsn: ${name}` +
        `\nuserPassword: ${await hash(password)}${disabled}`,
    );
  }
  return `${entries.join('\n\n')}\n`;
}

async function waitForPidfile(file: string, deadline: number): Promise<number> {
  while (Date.now() < deadline) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
    if (/^\d+$/.test(text)) return Number(text);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`slapd wrote no pidfile ${file}`);
}

/**
 * Groups go in over LDAP, not slapadd: slapadd bypasses overlays, and the memberof overlay only writes
 * `memberOf` on an add it sees. Doubles as the readiness check (retried until slapd answers).
 */
async function addGroups(url: string, deadline: number): Promise<void> {
  for (;;) {
    const client = new Client({ url, timeout: 1000, connectTimeout: 1000 });
    try {
      await client.bind(ADMIN_DN, ADMIN_PASSWORD);
      await client.add(`cn=vpn,ou=groups,${SUFFIX}`, {
        objectClass: 'groupOfNames',
        cn: 'vpn',
        member: `uid=alice,ou=people,${SUFFIX}`,
      });
      await client.add(`cn=staff,ou=groups,${SUFFIX}`, {
        objectClass: 'groupOfNames',
        cn: 'staff',
        member: [`uid=carol,ou=people,${SUFFIX}`, `uid=bob,ou=people,${SUFFIX}`],
      });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await client.unbind().catch(() => {});
    }
  }
}

function killPid(pid: number): Promise<void> {
  return new Promise((resolve) => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      resolve();
      return;
    }
    const started = Date.now();
    const poll = setInterval(() => {
      let alive = true;
      try {
        process.kill(pid, 0);
      } catch {
        alive = false;
      }
      if (!alive || Date.now() - started > 5000) {
        if (alive) process.kill(pid, 'SIGKILL');
        clearInterval(poll);
        resolve();
      }
    }, 25);
  });
}

/** Starts slapd on a free loopback port; always removes its temp dir, even when start-up fails. */
export async function startSlapd(options: { tls?: boolean } = {}): Promise<Slapd> {
  const tls = options.tls === true;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assent-slapd-'));
  let pid: number | undefined;
  const stop = async (): Promise<void> => {
    if (pid !== undefined) await killPid(pid);
    pid = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    fs.mkdirSync(path.join(dir, 'db'));
    if (tls) {
      await run('openssl', [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`],
      ]);
    }
    const conf = path.join(dir, 'slapd.conf');
    fs.writeFileSync(conf, config(dir, await hash(ADMIN_PASSWORD), tls));
    fs.writeFileSync(path.join(dir, 'base.ldif'), await baseLdif());
    await run('slapadd', ['-f', conf, '-l', path.join(dir, 'base.ldif')]);
    const port = await freePort();
    const url = `ldap://127.0.0.1:${port}`;
    const ldapsPort = tls ? await freePort() : 0;
    const ldapsUrl = tls ? `ldaps://127.0.0.1:${ldapsPort}` : undefined;
    const listeners = tls ? `${url}/ ${ldapsUrl}/` : `${url}/`;
    // Generous: under a loaded CI run slapd once took longer than 10 s to write its pidfile.
    const deadline = Date.now() + 30_000;
    await run('slapd', ['-f', conf, '-h', listeners]); // daemonises; the parent exits once it listens
    pid = await waitForPidfile(path.join(dir, 'slapd.pid'), deadline);
    await addGroups(url, deadline);
    return { url, ldapsUrl, caFile: tls ? path.join(dir, 'cert.pem') : undefined, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
