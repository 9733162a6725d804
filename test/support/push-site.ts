// A whole push site for tests: Assent with push on, a fake Web Push service, enrollment through the real CLI, the
// command-line authenticator, and a Web Push subscription whose messages an independent Python decryptor opens;
// on request a fake ntfy server too, and `watch` run on a terminal.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createECDH, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call } from '../../src/authenticator/device-client.js';
import type { ConfigOverrides } from '../../src/config/config-schema.js';
import type { NewToken } from '../../src/domain/token.js';
import { type FakeNtfy, startFakeNtfy } from './fake-ntfy.js';
import { type FakePushService, type ReceivedPush, startFakePushService } from './fake-push-service.js';
import { CLI_TIMEOUT_MS, cliEnv, runCli } from './run-cli.js';
import { type PeerResult, runPeer } from './run-peer.js';
import { freePort } from './slapd.js';
import {
  DEFAULT_SECRET,
  startTestServer,
  type TestClient,
  type TestServer,
  type TestUser,
} from './test-server.js';

// The installed command (bin/assent-authenticator.js): the build when fresh, else src/ through tsx.
const authenticatorBin = fileURLToPath(new URL('../../bin/assent-authenticator.js', import.meta.url));
const decryptor = fileURLToPath(new URL('../interop/peers/webpush-decrypt.py', import.meta.url));
export const VAPID_SUBJECT = 'mailto:security@assent-project.org';

/** The authenticator CLI (`src/authenticator/main.ts`) with its data in `home`, as a phone a test holds. */
export function runAuthenticator(home: string, args: readonly string[]): Promise<PeerResult> {
  return runPeer(process.execPath, [authenticatorBin, ...args], '', CLI_TIMEOUT_MS, {
    env: { ...process.env, ASSENT_AUTHENTICATOR_HOME: home },
  });
}

/** A Web Push subscription as a browser makes it, with the private half kept for the decryptor. */
export interface TestSubscription {
  readonly endpoint: string;
  readonly p256dh: string;
  readonly auth: string;
  readonly privateScalar: string;
}

export interface PushSite {
  readonly server: TestServer;
  readonly push: FakePushService;
  readonly publicUrl: string;
  /** PEM of the server's public certificate (made at its first start). */
  readonly serverCert: string;
  /** The same in a file, for `assent-authenticator enroll --ca`. */
  readonly certFile: string;
  readonly home: string;
  /** radclient against the server: `wait` seconds per try, `tries` tries (a NAS that retransmits). */
  radclient(
    attributes: string,
    wait?: number,
    tries?: number,
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Runs `assent` against the server's data directory. */
  assent(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Runs `assent-authenticator` with this site's state directory. */
  authenticator(
    args: readonly string[],
    home?: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** A one-time activation link for `user`, from `assent token add --type push`. */
  activationLink(user: string): Promise<string>;
  /** Enrolls a Web Push device for `user` over the device API; returns its id and subscription. */
  enrollWebPush(
    user: string,
  ): Promise<{ deviceId: string; serverKey: string; subscription: TestSubscription }>;
  /** Decrypts and checks a received message with the Python peer; returns the envelope it carried. */
  decrypt(
    message: ReceivedPush,
    subscription: TestSubscription,
  ): Promise<{ envelope: unknown; claims: Record<string, unknown> }>;
  /** The fake ntfy server (`startPushSite({ ntfy: true })`) and a file with its certificate, for `--ntfy-ca`. */
  readonly ntfy: { readonly service: FakeNtfy; readonly certFile: string } | undefined;
  /** Runs `assent-authenticator watch` on a pseudo-terminal (it refuses anything else), until stopped. */
  watch(args: readonly string[], home?: string): WatchSession;
  stop(): Promise<void>;
}

/** A running `watch`: what it printed (stdout and stderr share the terminal), and the keyboard. */
export interface WatchSession {
  /** Everything printed so far, line ends as `\n`. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output after `from` (an index into output()). */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpExecArray>;
  /** Types `line` and Enter. */
  type(line: string): void;
  stop(): Promise<void>;
}

/** `script` gives the child a terminal; its own stdin (a pipe) is what the user types. */
function startWatch(args: readonly string[], home: string): WatchSession {
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, authenticatorBin, 'watch', ...args].map(quote).join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ASSENT_AUTHENTICATOR_HOME: home },
    detached: true,
  });
  let text = '';
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.stdout.on('data', (d: Buffer) => {
    text += d.toString().replace(/\r/g, '');
  });
  child.stderr.on('data', (d: Buffer) => {
    text += d.toString().replace(/\r/g, '');
  });
  child.stdin.on('error', () => {});
  return {
    output: () => text,
    async waitFor(pattern, timeoutMs = 15_000, from = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(text.slice(from));
        if (match !== null) return match;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`watch never printed ${pattern}; it printed:\n${text}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    type(line) {
      child.stdin.write(`${line}\n`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        // script leads its own process group; the authenticator under it gets SIGHUP when the terminal closes.
        process.kill(-child.pid!, 'SIGTERM');
        const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5_000);
        await closed;
        clearTimeout(killer);
      }
    },
  };
}

export async function startPushSite(options: {
  users: readonly TestUser[];
  tokens?: readonly NewToken[];
  clients?: readonly TestClient[];
  config?: ConfigOverrides;
  /** Also start a fake ntfy server; the server trusts its certificate beside the push service's. */
  ntfy?: boolean;
}): Promise<PushSite> {
  const push = await startFakePushService();
  const ntfyService = options.ntfy ? await startFakeNtfy({ keepaliveMs: 1_000 }) : undefined;
  const scratch = mkdtempSync(join(tmpdir(), 'assent-push-site-'));
  const caFile = join(scratch, 'push-service-ca.pem');
  // Our PEM ends without a line break: join, or OpenSSL reads only the first certificate.
  writeFileSync(caFile, [push.certificate, ...(ntfyService ? [ntfyService.certificate] : [])].join('\n'));
  const ntfyCertFile = join(scratch, 'ntfy-cert.pem');
  if (ntfyService !== undefined) writeFileSync(ntfyCertFile, ntfyService.certificate);
  const port = await freePort();
  const publicUrl = `https://127.0.0.1:${port}`;
  const server = await startTestServer({
    users: options.users,
    ...(options.tokens === undefined ? {} : { tokens: options.tokens }),
    ...(options.clients === undefined ? {} : { clients: options.clients }),
    config: {
      ...options.config,
      push: { publicUrl, vapidSubject: VAPID_SUBJECT, serviceCaFile: caFile, ...options.config?.push },
      http: { ...options.config?.http, public: { ...options.config?.http?.public, bind: '127.0.0.1', port } },
    },
  });
  const serverCert = readFileSync(join(server.dir, 'public-cert.pem'), 'utf8');
  const certFile = join(scratch, 'server-cert.pem');
  writeFileSync(certFile, serverCert);
  const home = join(scratch, 'authenticator');
  const env = cliEnv({ ASSENT_PUSH_PUBLIC_URL: publicUrl });

  const site: PushSite = {
    server,
    push,
    publicUrl,
    serverCert,
    certFile,
    home,
    radclient: (attributes, wait = 1, tries = 1) =>
      runPeer(
        'radclient',
        ['-x', '-r', String(tries), '-t', String(wait), `127.0.0.1:${server.port}`, 'auth', DEFAULT_SECRET],
        `${attributes}Message-Authenticator = 0x00\n`,
        (wait * tries + 5) * 1000,
      ),
    assent: (args) => runCli(server.dir, ['--data-dir', server.dir, ...args], '', env),
    authenticator: (args, at = home) => runAuthenticator(at, args),
    async activationLink(user) {
      const r = await site.assent(['token', 'add', '--user', user, '--type', 'push']);
      assert.equal(r.code, 0, `token add exited ${r.code}:\n${r.stdout}${r.stderr}`);
      const link = /https:\/\/\S+\/device\/v1\/activation\/[A-Za-z0-9_-]{22}/.exec(r.stdout)?.[0];
      assert.ok(link, r.stdout);
      assert.match(r.stdout, /--ca \S+public-cert\.pem/, 'the self-signed certificate to trust is named');
      return link;
    },
    async enrollWebPush(user) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const subscription: TestSubscription = {
        endpoint: `${push.origin}/wpush/${randomBytes(8).toString('hex')}`,
        p256dh: ecdh.getPublicKey().toString('base64url'),
        auth: randomBytes(16).toString('base64url'),
        privateScalar: ecdh.getPrivateKey().toString('base64url'),
      };
      const deviceKey = createECDH('prime256v1');
      deviceKey.generateKeys();
      const answer = await call('POST', await site.activationLink(user), serverCert, {
        public_key: deviceKey.getPublicKey().toString('base64url'),
        label: 'browser',
        delivery: {
          kind: 'webpush',
          endpoint: subscription.endpoint,
          keys: { p256dh: subscription.p256dh, auth: subscription.auth },
        },
      });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      const body = answer.body as { device_id: string; server_key: string; vapid_public_key: string };
      assert.ok(body.vapid_public_key.length > 80, 'the VAPID key is given for PushManager.subscribe()');
      return { deviceId: body.device_id, serverKey: body.server_key, subscription };
    },
    async decrypt(message, subscription) {
      const input = JSON.stringify({
        body: message.body.toString('base64'),
        headers: message.headers,
        ua_private: subscription.privateScalar,
        ua_public: subscription.p256dh,
        auth: subscription.auth,
        audience: push.origin,
        subject: VAPID_SUBJECT,
      });
      // Debian's python3 with python3-cryptography: an implementation web-push never shared code with.
      const r = await runPeer('/usr/bin/python3', [decryptor], input);
      assert.equal(r.code, 0, `decryptor: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { plaintext: string; claims: Record<string, unknown> };
      return { envelope: JSON.parse(out.plaintext), claims: out.claims };
    },
    ntfy: ntfyService === undefined ? undefined : { service: ntfyService, certFile: ntfyCertFile },
    watch: (args, at = home) => startWatch(args, at),
    async stop() {
      await server.stop();
      await push.stop();
      await ntfyService?.stop();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  return site;
}
