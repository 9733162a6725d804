// A small HTTPS server that speaks the portal's JSON API as docs/self-service.md describes it, with fixed data and
// outcomes a test chooses (a push denied, unreachable, timed out; a session that ended), and serves dist/portal
// under the same strict CSP: for the browser tests of screens the real server reaches only slowly or never.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import QRCode from 'qrcode';
import { makeSelfSigned } from '../../src/http/public-certificate.js';
import type { Device, Session, SignInEntry } from '../../src/web/portal/api.js';

const DIST = fileURLToPath(new URL('../../dist/portal/', import.meta.url));
export const FAKE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};
const COOKIE = '__Host-assent-my';

export type PushOutcome = 'approve' | 'deny' | 'timeout' | 'unreachable' | 'limited';

interface FakeSession {
  user: string;
  state: 'second-factor' | 'signed-in';
  csrf: string;
  enrollOnly: boolean;
  how: string;
  wrongCodes: number;
  polls: number;
}

export interface FakePortal {
  readonly url: string;
  readonly cert: string;
  /** What the next push does; `pendingPolls` long polls answer `pending` first. */
  push: { outcome: PushOutcome; number: string | null; pendingPolls: number };
  /** Every API request: method, path and whether its CSRF token matched. */
  readonly requests: { method: string; path: string; csrf: 'ok' | 'missing' | 'wrong' | 'none' }[];
  devices(user: string): Device[];
  /** A phone opened the activation link: a push device appears. */
  addPhone(user: string, label: string): void;
  /** The idle timeout: every session ends. */
  expireSessions(): void;
  /** Back to the fixed data, no sessions, pushes approved with the number 42. */
  reset(): void;
  stop(): Promise<void>;
}

const day = (d: string, t: string) => `2026-12-${d}T${t}:00.000Z`;

function aliceDevices(): Device[] {
  return [
    {
      id: 'ASNP00000001',
      type: 'push',
      label: 'Pixel 8',
      createdAt: day('01', '09:12'),
      lastUsedAt: day('05', '08:14'),
    },
    {
      id: 'ASNT00000002',
      type: 'totp',
      label: 'Aegis',
      createdAt: day('01', '09:20'),
      lastUsedAt: day('04', '17:40'),
    },
    {
      id: 'ASNT00000003',
      type: 'backup',
      label: 'Backup codes',
      createdAt: day('01', '09:25'),
      lastUsedAt: null,
      unusedCodes: 8,
    },
  ];
}

function aliceSignIns(): SignInEntry[] {
  const entry = (id: number, at: string, rest: Partial<SignInEntry>): SignInEntry => ({
    id,
    at,
    client: 'vpn-fw1',
    userIp: '203.0.113.9',
    result: 'accepted',
    how: 'push',
    reason: '',
    notMe: false,
    ...rest,
  });
  return [
    entry(6, day('05', '08:14'), {}),
    entry(5, day('05', '08:13'), { result: 'rejected', how: '', reason: 'CODE_WRONG' }),
    entry(4, day('04', '17:40'), { how: 'totp', client: 'portal', userIp: '198.51.100.23' }),
    entry(3, day('04', '02:03'), { userIp: '192.0.2.66', notMe: true }),
    entry(2, day('03', '07:58'), { result: 'rejected', how: '', reason: 'PUSH_DENIED', userIp: '' }),
    entry(1, day('02', '12:00'), { how: 'backup', client: 'wifi-radius' }),
  ];
}

export async function startFakePortal(): Promise<FakePortal> {
  const tls = await makeSelfSigned(['127.0.0.1']);
  const sessions = new Map<string, FakeSession>();
  const devices = new Map<string, Device[]>([
    ['alice', aliceDevices()],
    ['erin', []],
  ]);
  const signIns = new Map<string, SignInEntry[]>([['alice', aliceSignIns()]]);
  const pending = new Map<string, { user: string; label: string }>();
  const passwords: Record<string, string> = { alice: 'alice-pw', erin: 'erin-pw' };
  let serial = 10;
  let base = '';

  const sessionOf = (request: IncomingMessage) => {
    const id = /(?:^|;\s*)__Host-assent-my=([A-Za-z0-9_-]{43})/.exec(request.headers.cookie ?? '')?.[1];
    return id === undefined ? undefined : { id, session: sessions.get(id) };
  };
  const view = (s: FakeSession | undefined): Session => {
    if (s === undefined) return { state: 'signed-out' };
    if (s.state === 'second-factor') {
      const methods = (devices.get(s.user) ?? []).some((d) => d.type === 'push')
        ? ['push', 'code']
        : ['code'];
      return { state: 'second-factor', user: s.user, methods: methods as ('push' | 'code')[], csrf: s.csrf };
    }
    return {
      state: 'signed-in',
      user: s.user,
      csrf: s.csrf,
      how: s.how as 'totp',
      enrollOnly: s.enrollOnly,
      expiresAt: new Date(Date.now() + 8 * 3600_000).toISOString(),
      idleMinutes: 15,
    };
  };

  const fake: FakePortal = {
    url: '',
    cert: tls.cert,
    push: { outcome: 'approve', number: '42', pendingPolls: 0 },
    requests: [],
    devices: (user) => devices.get(user) ?? [],
    addPhone(user, label) {
      devices.get(user)?.unshift({
        id: `ASNP${String(++serial).padStart(8, '0')}`,
        type: 'push',
        label,
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
      });
    },
    expireSessions: () => sessions.clear(),
    reset() {
      sessions.clear();
      pending.clear();
      devices.set('alice', aliceDevices()).set('erin', []);
      signIns.set('alice', aliceSignIns());
      fake.push = { outcome: 'approve', number: '42', pendingPolls: 0 };
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };

  async function api(request: IncomingMessage, path: string, body: Record<string, string>) {
    const method = request.method ?? 'GET';
    const found = sessionOf(request);
    const s = found?.session;
    const token = request.headers['x-csrf-token'];
    const csrf =
      method === 'GET' || path === '/sign-in'
        ? 'none'
        : token === undefined
          ? 'missing'
          : token === s?.csrf
            ? 'ok'
            : 'wrong';
    fake.requests.push({ method, path, csrf });
    const ended = {
      status: 401,
      body: { error: 'signed_out', message: 'Your session ended; sign in again.' },
    };
    if (method === 'GET' && path === '/session') return { status: 200, body: view(s) };
    if (method === 'POST' && path === '/sign-in') {
      if (passwords[body.username ?? ''] !== body.password || body.password === undefined)
        return {
          status: 401,
          body: {
            error: 'sign_in_failed',
            message: 'The name or password is not right, or the account cannot sign in now.',
          },
        };
      const user = body.username!;
      const id = randomBytes(32).toString('base64url');
      const none = (devices.get(user) ?? []).length === 0;
      const next: FakeSession = {
        user,
        state: none ? 'signed-in' : 'second-factor',
        csrf: randomBytes(16).toString('base64url'),
        enrollOnly: none,
        how: none ? 'password' : '',
        wrongCodes: 0,
        polls: 0,
      };
      sessions.set(id, next);
      return {
        status: 200,
        body: view(next),
        cookie: `${COOKIE}=${id}; HttpOnly; Secure; SameSite=Strict; Path=/`,
      };
    }
    if (s === undefined) return ended;
    if (csrf === 'missing' || csrf === 'wrong')
      return {
        status: 403,
        body: { error: 'csrf', message: 'This request was refused: reload the page and try again.' },
      };
    if (path === '/sign-out') {
      sessions.delete(found!.id);
      return { status: 204, cookie: `${COOKIE}=; Max-Age=0; HttpOnly; Secure; SameSite=Strict; Path=/` };
    }
    if (s.state === 'second-factor') {
      if (path === '/second-factor/code') {
        const how = body.code === '123456' ? 'totp' : body.code === '0123456789' ? 'backup' : '';
        if (how === '') {
          if (++s.wrongCodes >= 5) {
            sessions.delete(found!.id);
            return {
              status: 401,
              body: { error: 'signed_out', message: 'Too many wrong codes: sign in again.' },
            };
          }
          return { status: 401, body: { error: 'code_wrong', message: 'That code is not right.' } };
        }
        Object.assign(s, { state: 'signed-in', how });
        return { status: 200, body: view(s) };
      }
      if (path === '/second-factor/push' && method === 'POST') {
        s.polls = 0;
        if (fake.push.outcome === 'unreachable')
          return { status: 503, body: { error: 'push_unreachable', message: 'No device could be reached.' } };
        if (fake.push.outcome === 'limited')
          return { status: 429, body: { error: 'push_limited', message: 'Too many requests.' } };
        return { status: 200, body: { txn: 'txn-1', number: fake.push.number } };
      }
      if (path === '/second-factor/push' && method === 'GET') {
        await new Promise((resolve) => setTimeout(resolve, 400));
        if (s.polls++ < fake.push.pendingPolls) return { status: 200, body: { state: 'pending' } };
        if (fake.push.outcome === 'deny') return { status: 401, body: { error: 'push_denied', message: '' } };
        if (fake.push.outcome === 'timeout')
          return { status: 401, body: { error: 'push_timeout', message: '' } };
        Object.assign(s, { state: 'signed-in', how: 'push' });
        return { status: 200, body: view(s) };
      }
      return ended;
    }
    const mine = devices.get(s.user)!;
    if (method === 'GET' && path === '/devices')
      return { status: 200, body: { devices: mine, canRemoveLast: false } };
    if (method === 'POST' && path === '/devices/push') {
      const activationUrl = `${base}/device/v1/activation/AbCdEfGhIjKlMnOpQrStUv`;
      const qrSvg = await QRCode.toString(activationUrl, { type: 'svg' });
      return {
        status: 201,
        body: { activationUrl, expiresAt: new Date(Date.now() + 600_000).toISOString(), qrSvg },
      };
    }
    if (method === 'POST' && path === '/devices/totp') {
      const pendingId = randomBytes(12).toString('base64url');
      pending.set(pendingId, { user: s.user, label: body.label ?? 'Authenticator app' });
      const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
      const uri = `otpauth://totp/Assent:${s.user}?secret=${secret}&issuer=Assent&algorithm=SHA1&digits=6&period=30`;
      const qrSvg = await QRCode.toString(uri, { type: 'svg' });
      return {
        status: 201,
        body: { pendingId, uri, secret, qrSvg, expiresAt: new Date(Date.now() + 600_000).toISOString() },
      };
    }
    if (method === 'POST' && path === '/devices/totp/confirm') {
      const open = pending.get(body.pendingId ?? '');
      if (open === undefined || open.user !== s.user)
        return { status: 404, body: { error: 'not_found', message: 'This setup has expired; start again.' } };
      if (body.code !== '654321')
        return { status: 400, body: { error: 'code_wrong', message: 'That code is not right.' } };
      pending.delete(body.pendingId!);
      const device: Device = {
        id: `ASNT${String(++serial).padStart(8, '0')}`,
        type: 'totp',
        label: open.label,
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
      };
      mine.push(device);
      return { status: 201, body: { device } };
    }
    const one = /^\/devices\/([A-Z0-9]+)$/.exec(path);
    if (one !== null) {
      const device = mine.find((d) => d.id === one[1]);
      if (device === undefined)
        return { status: 404, body: { error: 'not_found', message: 'No such device.' } };
      if (method === 'PATCH') {
        Object.assign(device, { label: body.label });
        return { status: 200, body: { device } };
      }
      if (mine.filter((d) => d.type !== 'backup').length === 1 && device.type !== 'backup')
        return {
          status: 409,
          body: { error: 'last_device', message: 'This is your only way to sign in. Add another first.' },
        };
      mine.splice(mine.indexOf(device), 1);
      return { status: 204 };
    }
    if (method === 'POST' && path === '/backup-codes') {
      const old = mine.findIndex((d) => d.type === 'backup');
      if (old >= 0) mine.splice(old, 1);
      const id = `ASNT${String(++serial).padStart(8, '0')}`;
      mine.push({
        id,
        type: 'backup',
        label: 'Backup codes',
        createdAt: new Date().toISOString(),
        lastUsedAt: null,
        unusedCodes: 10,
      });
      const codes = Array.from({ length: 10 }, (_, i) =>
        String(3_141_592_653 + i * 271_828_183)
          .slice(0, 10)
          .padStart(10, '0'),
      );
      return { status: 201, body: { codes, serial: id } };
    }
    if (s.enrollOnly)
      return { status: 403, body: { error: 'forbidden', message: 'Set up a second factor first.' } };
    if (method === 'GET' && path === '/sign-ins')
      return { status: 200, body: { signIns: signIns.get(s.user) ?? [] } };
    const notMe = /^\/sign-ins\/(\d+)\/not-me$/.exec(path);
    const entry = notMe === null ? undefined : signIns.get(s.user)?.find((e) => e.id === Number(notMe[1]));
    if (method === 'POST' && entry !== undefined) {
      Object.assign(entry, { notMe: true });
      return { status: 200, body: { mutedUntil: new Date(Date.now() + 3600_000).toISOString() } };
    }
    return { status: 404, body: { error: 'not_found', message: 'Not found.' } };
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'https://x');
    if (url.pathname.startsWith('/my/api/')) {
      let raw = '';
      for await (const chunk of request) raw += chunk;
      const body = raw === '' ? {} : (JSON.parse(raw) as Record<string, string>);
      const answer = await api(request, url.pathname.slice('/my/api'.length), body);
      response.setHeader('cache-control', 'no-store');
      if ('cookie' in answer && answer.cookie !== undefined) response.setHeader('set-cookie', answer.cookie);
      if (answer.status === 204) return response.writeHead(204).end();
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      return response.end(JSON.stringify(answer.body));
    }
    const name = url.pathname === '/my/' ? 'index.html' : url.pathname.slice('/my/'.length);
    const type = url.pathname.startsWith('/my/') ? TYPES[name] : undefined;
    if (type === undefined) return response.writeHead(404).end();
    response.writeHead(200, {
      'content-type': type,
      'content-security-policy': FAKE_CSP,
      'cache-control': 'no-cache',
    });
    return response.end(readFileSync(join(DIST, name)));
  }

  const server = createServer({ cert: tls.cert, key: tls.key }, (request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(fake, { url: base });
  return fake;
}
