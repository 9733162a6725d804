// How the public listener serves the portal's app at /my/ (SECURITY A12.9): index.html and the built files with
// the strict CSP and its companions, validators, `/my` redirected, nothing else; and without a build, the API alone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { PORTAL_CONTENT_SECURITY_POLICY } from '../../../src/http/portal/portal-files.js';
import type { PortalRoutes } from '../../../src/http/portal/portal-routes.js';
import { makeSelfSigned } from '../../../src/http/public-certificate.js';
import { buildPublicApp } from '../../../src/http/public-listener.js';
import { loadStaticFiles } from '../../../src/http/web-authenticator.js';
import { startPortalSite } from '../../support/portal-site.js';

let dir: string;
let app: FastifyInstance;
let portal: PortalRoutes;
const closers: (() => Promise<void>)[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'assent-portal-files-'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>Portal</title><script src="app.js"></script>',
  );
  writeFileSync(join(dir, 'app.js'), 'console.log("portal");');
  writeFileSync(join(dir, 'app.css'), 'body{}');
  writeFileSync(join(dir, 'notes.txt'), 'not served: no known type');
  // The routes of a real portal wiring; only the files differ between the apps below.
  const site = await startPortalSite();
  closers.push(() => site.close());
  portal = site.routes;
  app = buildPublicApp({
    bind: '127.0.0.1',
    port: 0,
    tls: await makeSelfSigned(['127.0.0.1']),
    logger: pino({ level: 'silent' }),
    portal,
    portalFiles: loadStaticFiles(dir),
  });
  await app.ready();
});
after(async () => {
  await app?.close();
  for (const close of closers) await close();
  rmSync(dir, { recursive: true, force: true });
});

test('/my/ and its files: content types, the strict CSP, nosniff, no framing, ETags and 304', async () => {
  const types: Record<string, RegExp> = {
    '/my/': /^text\/html; charset=utf-8$/,
    '/my/app.js': /^text\/javascript; charset=utf-8$/,
    '/my/app.css': /^text\/css; charset=utf-8$/,
  };
  for (const [url, type] of Object.entries(types)) {
    const r = await app.inject({ url });
    assert.equal(r.statusCode, 200, url);
    assert.match(String(r.headers['content-type']), type);
    assert.equal(r.headers['content-security-policy'], PORTAL_CONTENT_SECURITY_POLICY);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    const again = await app.inject({ url, headers: { 'if-none-match': String(r.headers.etag) } });
    assert.equal(again.statusCode, 304, url);
  }
  for (const part of [
    "script-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
  ])
    assert.ok(PORTAL_CONTENT_SECURITY_POLICY.includes(part), part);
  assert.doesNotMatch(PORTAL_CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
  const bare = await app.inject({ url: '/my' });
  assert.equal(bare.statusCode, 301);
  assert.equal(bare.headers.location, '/my/');
  for (const url of ['/my/notes.txt', '/my/missing.js', '/my/..%2Fpackage.json', '/my/index.html']) {
    assert.equal((await app.inject({ url })).statusCode, 404, url);
  }
  assert.equal((await app.inject({ url: '/device/v1/pending' })).statusCode, 404, 'no device routes given');
});

test('the API answers beside the files; without a build only the API is served', async () => {
  const session = await app.inject({ url: '/my/api/session' });
  assert.deepEqual(session.json(), { state: 'signed-out' });
  assert.equal(session.headers['cache-control'], 'no-store');
  const apiOnly = buildPublicApp({
    bind: '127.0.0.1',
    port: 0,
    tls: await makeSelfSigned(['127.0.0.1']),
    logger: pino({ level: 'silent' }),
    portal,
    portalFiles: loadStaticFiles(join(dir, 'not-built')),
  });
  try {
    assert.equal((await apiOnly.inject({ url: '/my/' })).statusCode, 404);
    assert.equal((await apiOnly.inject({ url: '/my/api/session' })).statusCode, 200);
    const unknown = await apiOnly.inject({ url: '/my/api/nothing-here' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error, 'not_found');
    assert.equal(typeof unknown.json().message, 'string');
  } finally {
    await apiOnly.close();
  }
});
