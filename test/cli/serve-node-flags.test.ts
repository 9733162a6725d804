// The server's node flags are the same wherever it is started: `npm start`, the installed `assent` command, and
// the benchmark (which must measure the server as users run it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SERVE_NODE_FLAGS } from '../../bench/assent-server.js';

const root = new URL('../../', import.meta.url);

test('npm start, bin/assent.js and the benchmark give node the same flags', () => {
  const start: string = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).scripts.start;
  const startFlags = start.split(' ').filter((word) => word.startsWith('--') && word !== '--import');
  const shebang = readFileSync(new URL('bin/assent.js', root), 'utf8').split('\n')[0]!;
  const binFlags = shebang.split(' ').filter((word) => word.startsWith('--'));
  assert.deepEqual(startFlags, [...SERVE_NODE_FLAGS]);
  assert.deepEqual(binFlags, [...SERVE_NODE_FLAGS]);
  assert.match(shebang, /^#!\/usr\/bin\/env -S node /);
});
