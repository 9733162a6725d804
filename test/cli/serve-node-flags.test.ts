// The server's node flags are the same wherever it is started: `npm start`, the installed `assent` command, the
// shipped systemd unit, and the benchmark (which must measure the server as users run it).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SERVE_NODE_FLAGS } from '../../bench/assent-server.js';
import { runPeer } from '../support/run-peer.js';

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

const unitPath = fileURLToPath(new URL('contrib/assent.service', root));
/** Every `Key=value` of the unit, values of a repeated key in order. */
function unitSettings(): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  for (const line of readFileSync(unitPath, 'utf8').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) settings.set(match[1]!, [...(settings.get(match[1]!) ?? []), match[2]!]);
  }
  return settings;
}

test('contrib/assent.service starts serve with the same flags, reloads with SIGHUP and is hardened', () => {
  const unit = unitSettings();
  const [execStart] = unit.get('ExecStart')!;
  const words = execStart!.split(' ');
  assert.equal(words[0], '/usr/bin/node');
  assert.deepEqual(
    words.filter((word) => word.startsWith('--')),
    [...SERVE_NODE_FLAGS],
  );
  assert.deepEqual(words.slice(-2), ['/opt/assent/bin/assent.js', 'serve']);
  assert.deepEqual(unit.get('ExecReload'), ['/bin/kill -HUP $MAINPID']);
  // Exit codes 2 and 3 (README) are configuration and data problems a restart cannot fix.
  assert.deepEqual(unit.get('RestartPreventExitStatus'), ['2 3']);
  for (const [key, value] of [
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['CapabilityBoundingSet', ''],
    ['UMask', '0077'],
    ['User', 'assent'],
    // docs/security.md A9.6: the login index holds the seeds in clear; a crash must not write them to disk.
    ['LimitCORE', '0'],
  ] as const) {
    assert.deepEqual(unit.get(key), [value], key);
  }
});

test('systemd-analyze accepts the unit', async () => {
  const r = await runPeer('systemd-analyze', ['verify', unitPath]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /assent\.service/, r.stderr);
});
