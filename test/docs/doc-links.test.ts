// Issue 12 item 13: every file the README, docs/ and --help texts point to is in the project.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name)),
];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

test('every relative Markdown link in README.md and docs/ names a file that exists', () => {
  for (const doc of docs) {
    const text = readFileSync(join(root, doc), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      assert.ok(existsSync(join(root, dirname(doc), target!)), `${doc} links to missing ${target}`);
    }
  }
});

test('no text points to design files that are not shipped, or to tools that are not installed', () => {
  for (const file of [...docs, ...sourceFiles('src')]) {
    const text = readFileSync(join(root, file), 'utf8');
    assert.doesNotMatch(text, /(?<![\w/])(SECURITY|PROTOCOL|ARCHITECTURE|PEERS|DEPENDENCIES)\.md/, file);
    assert.doesNotMatch(text, /pino-pretty/, file);
  }
  for (const pointer of ['docs/security.md', 'docs/protocol.md', 'contrib/assent.service']) {
    assert.ok(existsSync(join(root, pointer)), pointer);
  }
});
