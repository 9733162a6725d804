// The committed web authenticator (dist/authenticator) is what its sources build to: built again into a temporary
// directory, every file must match byte for byte. If this fails, run `npm run build:web` and commit the result.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildAuthenticator, OUTPUT } from '../../scripts/build-web.js';

test('dist/authenticator is up to date with src/web/authenticator (else: npm run build:web)', async () => {
  const fresh = mkdtempSync(join(tmpdir(), 'assent-web-build-'));
  try {
    const built = await buildAuthenticator(fresh);
    assert.deepEqual(readdirSync(OUTPUT).sort(), built, 'the same files (npm run build:web)');
    for (const name of built) {
      assert.ok(
        readFileSync(join(OUTPUT, name)).equals(readFileSync(join(fresh, name))),
        `${name} (npm run build:web)`,
      );
    }
    const app = readFileSync(join(OUTPUT, 'app.js'), 'utf8');
    assert.ok(app.length < 64 * 1024, `the app without the QR decoder stays small (${app.length} octets)`);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});
