// Builds native/udp-batch.c, the RADIUS listener's batched UDP socket, into native/build/udp-batch.node. Run by
// `npm ci` / `npm install` (prepare) and `npm run build`; before `npm start`, `npm test` and `npm run bench` with
// --if-stale (build only when the source, Node's version or the compiler flags changed).
// It never fails an install: without Linux, a C compiler or Node's headers it says why and exits 0, and the
// server answers through Node's dgram instead (its radius.listening log line says which path it took).
//   --if-stale   skip when native/build/udp-batch.stamp matches
//   --out DIR    write udp-batch.node and its stamp to DIR instead (tests)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'native', 'udp-batch.c');
const FLAGS = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-fPIC', '-shared', '-fvisibility=hidden'];

const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? resolve(process.argv[outIndex + 1] ?? '') : join(ROOT, 'native', 'build');
const target = join(outDir, 'udp-batch.node');
const stampFile = join(outDir, 'udp-batch.stamp');

function say(text) {
  process.stderr.write(`build-native: ${text}\n`);
}

/** Node's own headers (node_api.h, uv.h): beside the node binary, or where npm / node-gyp keep them. */
function nodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
    join(dirname(process.execPath), '..', 'include', 'node'),
    join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node'),
  ];
  return candidates.find(
    (dir) => dir && existsSync(join(dir, 'node_api.h')) && existsSync(join(dir, 'uv.h')),
  );
}

if (process.platform !== 'linux') {
  say(`batched UDP needs Linux (recvmmsg, sendmmsg); on ${process.platform} RADIUS uses Node's dgram`);
  process.exit(0);
}
const headers = nodeHeaders();
if (headers === undefined) {
  say("Node's headers (node_api.h, uv.h) were not found; RADIUS uses Node's dgram (slower, works the same)");
  process.exit(0);
}
const compiler = process.env.CC || 'cc';
const stamp = createHash('sha256')
  .update(readFileSync(SOURCE))
  .update(`\0${process.version}\0${process.arch}\0${compiler}\0${FLAGS.join(' ')}`)
  .digest('hex');

if (process.argv.includes('--if-stale') && existsSync(target) && existsSync(stampFile)) {
  if (readFileSync(stampFile, 'utf8').trim() === stamp) process.exit(0);
}

mkdirSync(outDir, { recursive: true });
// Several builds may run at once (parallel test files): each compiles to its own file, the last rename wins whole.
const staging = `${target}.${process.pid}`;
const result = spawnSync(compiler, [...FLAGS, `-I${headers}`, SOURCE, '-o', staging], { encoding: 'utf8' });
if (result.error !== undefined || result.status !== 0) {
  // An addon built from an older source must not stand in for this one: without it, dgram serves.
  rmSync(staging, { force: true });
  rmSync(target, { force: true });
  rmSync(stampFile, { force: true });
  const why = result.error !== undefined ? result.error.message : result.stderr.trim();
  say(
    `${compiler} could not build native/udp-batch.c; RADIUS uses Node's dgram (slower, works the same)\n${why}`,
  );
  process.exit(0);
}
renameSync(staging, target);
writeFileSync(stampFile, `${stamp}\n`);
