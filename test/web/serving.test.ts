// How the public listener serves the web authenticator (SECURITY A10.2): content types, the CSP and its companion
// headers, cache validators, the redirects, the enrollment hints, CORS for the device routes, and nothing else.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { makeSelfSigned } from '../../src/http/public-certificate.js';
import { buildPublicApp } from '../../src/http/public-listener.js';
import { CONTENT_SECURITY_POLICY, loadWebAuthenticator } from '../../src/http/web-authenticator.js';

let app: FastifyInstance;
const refuse = async () => ({ status: 401 as const, body: { error: 'unauthorized' } });

before(async () => {
  const files = loadWebAuthenticator(fileURLToPath(new URL('../../dist/authenticator/', import.meta.url)));
  assert.ok(files, 'the committed bundle loads');
  app = buildPublicApp({
    bind: '127.0.0.1',
    port: 0,
    tls: await makeSelfSigned(['127.0.0.1']),
    logger: pino({ level: 'silent' }),
    routes: {
      activate: refuse,
      answer: refuse,
      poll: refuse,
      fortiAnswer: refuse,
      webHints: () => ({ serverName: 'Assent', vapidPublicKey: 'BKEY' }),
    },
    webAuthenticator: files,
  });
  await app.ready();
});
after(() => app?.close());

test('each file with its content type, the CSP and nosniff; no-cache with an ETag, a 304 when unchanged', async () => {
  const types: Record<string, RegExp> = {
    '/authenticator/': /^text\/html; charset=utf-8$/,
    '/authenticator/app.js': /^text\/javascript; charset=utf-8$/,
    '/authenticator/sw.js': /^text\/javascript; charset=utf-8$/,
    '/authenticator/app.css': /^text\/css; charset=utf-8$/,
    '/authenticator/manifest.webmanifest': /^application\/manifest\+json$/,
    '/authenticator/icon-192.png': /^image\/png$/,
    '/authenticator/icon.svg': /^image\/svg\+xml$/,
  };
  for (const [url, type] of Object.entries(types)) {
    const r = await app.inject({ method: 'GET', url });
    assert.equal(r.statusCode, 200, url);
    assert.match(String(r.headers['content-type']), type, url);
    assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY, url);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['cache-control'], 'no-cache');
    const again = await app.inject({
      method: 'GET',
      url,
      headers: { 'if-none-match': String(r.headers.etag) },
    });
    assert.equal(again.statusCode, 304, url);
  }
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
  const chunk = /jsQR-[A-Z0-9]{8}\.js/.exec((await app.inject({ url: '/authenticator/app.js' })).body)?.[0];
  assert.ok(chunk, 'the QR decoder is a separate chunk');
  const lazy = await app.inject({ url: `/authenticator/${chunk}` });
  assert.match(
    String(lazy.headers['cache-control']),
    /immutable/,
    'content-hashed chunks are cached for good',
  );
});

test('redirects: /authenticator → /authenticator/, an activation link opened in a browser → the app (code in the fragment)', async () => {
  const bare = await app.inject({ url: '/authenticator' });
  assert.equal(bare.statusCode, 301);
  assert.equal(bare.headers.location, '/authenticator/');
  const code = 'AbCdEfGhIjKlMnOpQrStUv';
  const link = await app.inject({ url: `/device/v1/activation/${code}` });
  assert.equal(link.statusCode, 303);
  assert.equal(link.headers.location, `/authenticator/#/add/${code}`);
  assert.equal((await app.inject({ url: '/device/v1/activation/short' })).statusCode, 404);
});

test('config.json gives the VAPID key; device routes answer CORS preflights for any origin, without credentials', async () => {
  const hints = await app.inject({
    url: '/authenticator/config.json',
    headers: { origin: 'https://other.example' },
  });
  assert.deepEqual(hints.json(), { server_name: 'Assent', vapid_public_key: 'BKEY' });
  assert.equal(hints.headers['access-control-allow-origin'], '*');
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/device/v1/answer',
    headers: { origin: 'https://other.example', 'access-control-request-method': 'POST' },
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  assert.equal(preflight.headers['access-control-allow-credentials'], undefined);
  const answer = await app.inject({ method: 'POST', url: '/device/v1/answer', payload: {} });
  assert.equal(answer.headers['access-control-allow-origin'], '*', 'the app can read a refusal');
});

test('nothing else: no path tricks, no other files, admin routes still absent (A8.1)', async () => {
  for (const url of [
    '/authenticator/..%2f..%2fpackage.json',
    '/authenticator/../package.json',
    '/authenticator/missing.js',
    '/authenticator/icon-maskable.svg',
    '/metrics',
    '/dist/authenticator/app.js',
  ]) {
    const r = await app.inject({ url });
    assert.equal(r.statusCode, 404, url);
    assert.deepEqual(r.json(), { error: 'not_found' }, url);
  }
});
