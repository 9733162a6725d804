// Builds the web authenticator (src/web/authenticator) into dist/authenticator, the directory the public listener
// serves at /authenticator/. The output is committed (docs/authenticator.md explains why): test/web/bundle.test.ts
// builds again into a temporary directory and fails when the committed files differ. Run: npm run build:web
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SOURCE = join(root, 'src/web/authenticator');
export const OUTPUT = join(root, 'dist/authenticator');
const STATIC = join(SOURCE, 'static');
/** Browsers with Web Push, WebCrypto P-256 and module scripts: Chrome 111, Firefox 115 ESR, Safari 16.4. */
const TARGET = ['es2022', 'chrome111', 'firefox115', 'safari16.4'];

function files(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    })
    .sort();
}

/** The build's id: a hash of every source file and of the tools that shape the output. */
function buildId(): string {
  const hash = createHash('sha256');
  hash.update(`esbuild ${esbuildVersion}\n`);
  hash.update(readFileSync(join(root, 'node_modules/jsqr/package.json')));
  for (const file of files(SOURCE)) hash.update(`${relative(SOURCE, file)}\n`).update(readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

/** Builds into `outDir` (emptied first); returns the file names written, relative to it. */
export async function buildAuthenticator(outDir: string = OUTPUT): Promise<string[]> {
  const id = buildId();
  const banner = {
    js: `// Assent web authenticator ${id}: built by scripts/build-web.ts from src/web/authenticator; do not edit. jsQR 1.4.0 (Apache-2.0, github.com/cozmo/jsQR) is bundled for QR codes.`,
  };
  const common = {
    bundle: true,
    write: false,
    minify: true,
    target: TARGET,
    legalComments: 'none',
    charset: 'utf8',
    banner,
    logLevel: 'silent',
    define: { ASSENT_BUILD: JSON.stringify(id) },
  } as const;
  const app = await build({
    ...common,
    entryPoints: { app: join(SOURCE, 'main.ts') },
    format: 'esm',
    splitting: true,
    chunkNames: '[name]-[hash]',
    outdir: outDir,
  });
  const out = new Map<string, Uint8Array>();
  for (const file of app.outputFiles) out.set(relative(outDir, file.path), file.contents);
  for (const file of files(STATIC))
    if (!file.endsWith('-maskable.svg')) out.set(relative(STATIC, file), readFileSync(file));
  // The service worker keeps every other file for offline use; it is built last, knowing them.
  const shell = [...out.keys()].sort();
  const worker = await build({
    ...common,
    entryPoints: { sw: join(SOURCE, 'sw.ts') },
    format: 'iife',
    outdir: outDir,
    define: { ...common.define, ASSENT_SHELL: JSON.stringify(shell) },
  });
  for (const file of worker.outputFiles) out.set(relative(outDir, file.path), file.contents);

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const [name, contents] of out) writeFileSync(join(outDir, name), contents);
  return [...out.keys()].sort();
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const written = await buildAuthenticator();
  const size = written.reduce((sum, name) => sum + statSync(join(OUTPUT, name)).size, 0);
  console.log(
    `built ${written.length} files (${Math.round(size / 1024)} KiB) into ${relative(root, OUTPUT)}`,
  );
}
