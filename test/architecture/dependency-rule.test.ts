// Enforces the layer rule of ARCHITECTURE.md §2 by reading every import in src/.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const src = resolve(import.meta.dirname, '../../src');

/** Folder → the folders of ours it may import (its own folder is always allowed). */
const allowed: Record<string, readonly string[]> = {
  radius: [],
  otp: [],
  config: [],
  domain: ['otp'],
  auth: ['domain', 'otp'],
  directory: ['domain', 'otp'],
  push: ['domain'],
  store: ['domain'],
  'radius-server': ['radius', 'auth', 'domain'],
  admin: ['domain', 'auth', 'otp', 'radius-server'],
  http: ['auth', 'admin', 'domain'],
  loadgen: ['radius', 'otp'],
  web: [],
  authenticator: ['domain', 'otp'],
  'package-version.ts': [],
};
const anything = new Set([
  'cli',
  'main.ts',
  'push-wiring.ts',
  'push-delivery-wiring.ts',
  'push-routes-wiring.ts',
  'api-wiring.ts',
  'cache-wiring.ts',
  'http-apps-wiring.ts',
  'http-wiring.ts',
  'login-wiring.ts',
  'portal-wiring.ts',
  'radius-wiring.ts',
  'server-wiring.ts',
  'store-wiring.ts',
]);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|mts|mjs)$/.test(name) ? [path] : [];
  });
}

const layerOf = (path: string) => relative(src, path).split('/')[0]!;
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

test('every import in src/ follows the dependency rule (ARCHITECTURE.md §2)', () => {
  const violations: string[] = [];
  const all = files(src);
  assert.ok(all.length > 10, 'found the source files');
  for (const file of all) {
    const from = layerOf(file);
    if (anything.has(from)) continue;
    const rule = allowed[from];
    if (rule === undefined) {
      violations.push(
        `${relative(src, file)}: folder "${from}" has no rule; add it to ARCHITECTURE.md and this test`,
      );
      continue;
    }
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      if (!specifier.startsWith('.')) continue;
      const to = layerOf(resolve(dirname(file), specifier));
      if (to === from || rule.includes(to)) continue;
      violations.push(`${relative(src, file)} imports ${specifier} (${from} → ${to} is not allowed)`);
    }
  }
  assert.deepEqual(violations, []);
});
