// Builds the web authenticator (src/web/authenticator) into dist/authenticator and the user portal (src/web/portal)
// into dist/portal, the directories the public listener serves at /authenticator/ and /my/. The output is committed
// (docs/authenticator.md explains why): test/web/bundle.test.ts and test/web/portal-bundle.test.ts build again into
// a temporary directory and fail when the committed files differ. Run: npm run build:web
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SOURCE = join(root, 'src/web/authenticator');
export const OUTPUT = join(root, 'dist/authenticator');
const STATIC = join(SOURCE, 'static');
export const PORTAL_SOURCE = join(root, 'src/web/portal');
export const PORTAL_OUTPUT = join(root, 'dist/portal');
/** What the portal takes from the authenticator: its DOM helper and stylesheet (one look) and its icon. */
const PORTAL_SHARED = [join(SOURCE, 'ui.ts'), join(STATIC, 'app.css'), join(STATIC, 'icon.svg')];
/** Browsers with Web Push, WebCrypto P-256 and module scripts: Chrome 111, Firefox 115 ESR, Safari 16.4. */
const TARGET = ['es2022', 'chrome111', 'firefox115', 'safari16.4'];
/** What both apps are built with: bundled, minified, in memory (the caller writes), no legal comments. */
const ESBUILD_COMMON = {
  bundle: true,
  write: false,
  minify: true,
  target: TARGET,
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'silent',
} as const;

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

/** The portal's build id: its sources and the authenticator's files it shares. */
function portalBuildId(): string {
  const hash = createHash('sha256');
  hash.update(`esbuild ${esbuildVersion}\n`);
  for (const file of [...files(PORTAL_SOURCE), ...PORTAL_SHARED])
    hash.update(`${relative(root, file)}\n`).update(readFileSync(file));
  return hash.digest('hex').slice(0, 12);
}

function replaceDirectory(outDir: string, out: ReadonlyMap<string, Uint8Array>): string[] {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const [name, contents] of out) writeFileSync(join(outDir, name), contents);
  return [...out.keys()].sort();
}

/** Builds into `outDir` (emptied first); returns the file names written, relative to it. */
export async function buildAuthenticator(outDir: string = OUTPUT): Promise<string[]> {
  const id = buildId();
  const banner = {
    js: `// Assent web authenticator ${id}: built by scripts/build-web.ts from src/web/authenticator; do not edit. jsQR 1.4.0 (Apache-2.0, github.com/cozmo/jsQR) is bundled for QR codes.`,
  };
  const common = { ...ESBUILD_COMMON, banner, define: { ASSENT_BUILD: JSON.stringify(id) } } as const;
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
  return replaceDirectory(outDir, out);
}

/**
 * Builds the user portal into `outDir` (emptied first): one script, one stylesheet (the authenticator's with the
 * portal's additions), index.html and the icon; no service worker (a session needs the network anyway).
 * Returns the file names written, relative to `outDir`.
 */
export async function buildPortal(outDir: string = PORTAL_OUTPUT): Promise<string[]> {
  const id = portalBuildId();
  const note = `Assent user portal ${id}: built by scripts/build-web.ts from src/web/portal; do not edit.`;
  const common = { ...ESBUILD_COMMON, outdir: outDir } as const;
  const script = await build({
    ...common,
    entryPoints: { app: join(PORTAL_SOURCE, 'main.ts') },
    format: 'esm',
    banner: { js: `// ${note}` },
  });
  const style = await build({
    ...common,
    entryPoints: { app: join(PORTAL_SOURCE, 'static/app.css') },
    banner: { css: `/* ${note} */` },
  });
  const out = new Map<string, Uint8Array>();
  for (const file of [...script.outputFiles, ...style.outputFiles])
    out.set(relative(outDir, file.path), file.contents);
  out.set('index.html', readFileSync(join(PORTAL_SOURCE, 'static/index.html')));
  out.set('icon.svg', readFileSync(join(STATIC, 'icon.svg')));
  return replaceDirectory(outDir, out);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  // `npm run build:web -- portal` builds one of them; no argument builds both.
  const only = process.argv[2];
  for (const [name, make, output] of [
    ['authenticator', buildAuthenticator, OUTPUT],
    ['portal', buildPortal, PORTAL_OUTPUT],
  ] as const) {
    if (only !== undefined && only !== name) continue;
    const written = await make(output);
    const size = written.reduce((sum, file) => sum + statSync(join(output, file)).size, 0);
    console.log(
      `built ${written.length} files (${Math.round(size / 1024)} KiB) into ${relative(root, output)}`,
    );
  }
}
