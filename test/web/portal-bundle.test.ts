// The committed user portal (dist/portal) is what its sources build to: built again into a temporary directory,
// every file must match byte for byte. If this fails, run `npm run build:web -- portal` and commit the result.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildPortal, PORTAL_OUTPUT } from '../../scripts/build-web.js';

test('dist/portal is up to date with src/web/portal (else: npm run build:web -- portal)', async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'assent-portal-build-'));
  try {
    const built = await buildPortal(fresh);
    assert.deepEqual(built, ['app.css', 'app.js', 'icon.svg', 'index.html']);
    assert.deepEqual(
      readdirSync(PORTAL_OUTPUT).sort(),
      built,
      'the same files (npm run build:web -- portal)',
    );
    for (const name of built) {
      assert.ok(
        readFileSync(join(PORTAL_OUTPUT, name)).equals(readFileSync(join(fresh, name))),
        `${name} (npm run build:web -- portal)`,
      );
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

test('the page loads nothing inline: one module script and one stylesheet, both from /my/ (a strict CSP holds)', () => {
  const html = readFileSync(join(PORTAL_OUTPUT, 'index.html'), 'utf8');
  assert.deepEqual(
    [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]),
    ['<script type="module" src="/my/app.js">'],
  );
  assert.doesNotMatch(html, /<script\b[^>]*>[^<\s]/, 'no inline script');
  assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
  const app = readFileSync(join(PORTAL_OUTPUT, 'app.js'), 'utf8');
  assert.doesNotMatch(app, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
  assert.ok(app.length < 48 * 1024, `the app stays small (${app.length} octets)`);
  const css = readFileSync(join(PORTAL_OUTPUT, 'app.css'), 'utf8');
  assert.doesNotMatch(css, /@import/, "the authenticator's stylesheet is bundled in, not fetched");
  assert.match(css, /prefers-color-scheme:\s*dark/);
});
