// Enforces the file-size rule of docs/contributing.md: a file over 400 lines says why in its header.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const root = resolve(import.meta.dirname, '../..');
/** Where our TypeScript lives; `src/web`'s bundles are built into `dist`, which is not looked at. */
const FOLDERS = ['src', 'test', 'bench', 'scripts'];
const LIMIT = 400;
/** The phrase a longer file's header must carry, followed by its reason. */
const EXCUSE = 'Over 400 lines:';
/** The header: the comment lines a file starts with. */
const HEADER_LINES = 6;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mts|mjs)$/.test(name) ? [path] : [];
  });
}

/** Lines as an editor counts them (a final newline ends the last line, it does not start another). */
function lineCount(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

test(`every source file has at most ${LIMIT} lines, or says why in its header`, () => {
  const files = FOLDERS.flatMap((folder) => sources(join(root, folder)));
  assert.ok(files.length > 100, 'found the source files');
  const tooLong: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const lines = lineCount(text);
    if (lines <= LIMIT) continue;
    const header = text.split('\n').slice(0, HEADER_LINES).join('\n');
    if (!header.includes(EXCUSE))
      tooLong.push(
        `${relative(root, file)}: ${lines} lines; split it, or say "${EXCUSE} <why>" in its header`,
      );
  }
  assert.deepEqual(tooLong, []);
});

test('the line count matches an editor (no phantom last line)', () => {
  assert.equal(lineCount('a\nb\n'), 2);
  assert.equal(lineCount('a\nb'), 2);
  assert.equal(lineCount(''), 0);
});
