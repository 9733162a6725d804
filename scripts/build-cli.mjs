// Builds the two command lines into build/ so they start without a TypeScript loader: src/cli/main.ts into
// build/assent.mjs and src/authenticator/main.ts into build/assent-authenticator.mjs, one ESM file each. Run by
// `npm ci` / `npm install` (prepare), before `npm start` and `npm test`, or: npm run build.
//   --if-stale   build only when build/fingerprint does not match the sources (bin/build-state.js)
//   --out DIR    write to DIR instead of build/ (tests); DIR must sit directly in the repository, as build/ does,
//                since the bundles find package.json and dist/ one level up
// Only our own code and typebox (about 680 small ESM files, pure code) go into the bundles; every other package
// stays in node_modules and is imported from there, so native modules, worker files and packages that read their
// own files behave exactly as under tsx. bin/assent.js runs a bundle only while its fingerprint matches.
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { BUILD_DIR, freshBuild, ROOT, sourceFingerprint } from '../bin/build-state.js';

const ENTRIES = [
  ['src/cli/main.ts', 'assent.mjs'],
  ['src/authenticator/main.ts', 'assent-authenticator.mjs'],
];
/** Loaded by path next to the module that starts it (src/directory/password/worker-pool.ts). */
const WORKER = 'src/directory/password/crypt-worker.mjs';
const BUNDLED_PACKAGES = new Set(['typebox']);

if (process.argv.includes('--if-stale') && ENTRIES.every(([, out]) => freshBuild(out) !== undefined))
  process.exit(0);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  // Without esbuild (an install that left it out) everything still runs from src/ through tsx, only slower to start.
  process.stderr.write('build-cli: esbuild is not installed; the command lines run from src/ through tsx\n');
  process.exit(0);
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const external = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })
  .filter((name) => !BUNDLED_PACKAGES.has(name))
  .flatMap((name) => [name, `${name}/*`]);

// Taken before building: a source edited while the build runs then reads as stale, never as built.
const fingerprint = sourceFingerprint();
const outIndex = process.argv.indexOf('--out');
const target = outIndex > 0 ? resolve(process.argv[outIndex + 1] ?? '') : BUILD_DIR;
if (dirname(target) !== resolve(ROOT)) {
  process.stderr.write(`build-cli: --out must name a directory directly in ${ROOT}\n`);
  process.exit(2);
}
const staging = `${target}.${process.pid}`;
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
try {
  for (const [entry, out] of ENTRIES) {
    await esbuild.build({
      entryPoints: [join(ROOT, entry)],
      outfile: join(staging, out),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external,
      // Class and function names stay as written: error names, log lines and stack traces read as in src/.
      keepNames: true,
      sourcemap: 'linked',
      logLevel: 'warning',
    });
  }
  copyFileSync(join(ROOT, WORKER), join(staging, 'crypt-worker.mjs'));
  writeFileSync(join(staging, 'fingerprint'), `${fingerprint}\n`);
  // Several builds may run at once (parallel test files, two terminals): each writes its own directory and the
  // last rename wins whole, so a reader sees one complete build or none.
  const old = `${target}.old.${process.pid}`;
  try {
    renameSync(target, old);
  } catch {}
  try {
    renameSync(staging, target);
  } catch (error) {
    // Another build landed between the two renames: it stands, and bin/ runs it only if its fingerprint matches.
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
    rmSync(staging, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write(`build-cli: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
process.stdout.write(
  `build-cli: built ${ENTRIES.map(([, out]) => relative(ROOT, join(target, out))).join(' and ')}\n`,
);
