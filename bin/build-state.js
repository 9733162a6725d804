// Owns knowing whether build/ (scripts/build-cli.mjs) was made from the sources as they are now. Plain JavaScript:
// the launchers in bin/ read it before any TypeScript loader is in the process.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUILD_DIR = join(ROOT, 'build');

/** What a bundle is made of besides src/: the dependency tree as installed, and the build's own options. */
const INPUTS = ['package.json', 'package-lock.json', 'node_modules/.package-lock.json', 'scripts/build-cli.mjs'];

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
}

/**
 * The path, size and modification time of every source file, hashed: what `make` would compare. Any edit, checkout,
 * `npm install` or new file changes it; reading it costs one stat per file (a few milliseconds), not the contents.
 */
export function sourceFingerprint(root = ROOT) {
  const files = [];
  walk(join(root, 'src'), files);
  for (const input of INPUTS) {
    const path = join(root, input);
    if (existsSync(path)) files.push(path);
  }
  files.sort();
  const hash = createHash('sha256');
  for (const file of files) {
    const stat = statSync(file);
    hash.update(`${relative(root, file)}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

/**
 * The bundle `name` in build/ when it was made from the sources as they are now, else undefined: a missing or
 * older build is never run, so an edited source is what runs (through tsx) until the next build.
 */
export function freshBuild(name, root = ROOT) {
  const bundle = join(root, 'build', name);
  if (process.env.ASSENT_FROM_SOURCE === '1') return undefined;
  try {
    const recorded = readFileSync(join(root, 'build', 'fingerprint'), 'utf8').trim();
    if (!existsSync(bundle) || recorded !== sourceFingerprint(root)) return undefined;
  } catch {
    return undefined;
  }
  return bundle;
}

/**
 * Runs a command line: the bundle `name` from build/ when fresh, else `source` (a path from bin/, TypeScript)
 * through tsx, which is then loaded only for that.
 */
export async function launch(name, source) {
  const built = freshBuild(name);
  if (built !== undefined) return import(pathToFileURL(built).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL(source, import.meta.url).href);
}
