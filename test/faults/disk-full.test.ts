// Issue 16, faults: the disk under the database fills up, and the database becomes read-only. A real `assent serve`
// runs in its own mount namespace on a small tmpfs (unshare -m, as the PAM tests do for /etc/pam.d). When the disk
// is full, a code login is refused (its replay-guard record cannot be made durable, so it is not accepted) with a
// logged reason, and the server stays up; once space is back it accepts again without a restart, and the file is
// whole. On a read-only database the server refuses to start with a clear message and exit code 3, which the
// systemd unit does not restart (no crash loop).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load-config.js';
import { generateHotp } from '../../src/otp/hotp.js';
import { Code } from '../../src/radius/code.js';
import { openStores } from '../../src/store/open-stores.js';
import { createKeyFile } from '../../src/store/sealer.js';
import { freeUdpPort } from '../support/free-udp-port.js';
import { decodeReply, RawRadiusClient } from '../support/raw-radius-client.js';
import { ASSENT_BIN, cliEnv } from '../support/run-cli.js';

const SECRET = 'disk-full-radius-secret';
const seed = createHash('sha256').update('disk-full').digest().subarray(0, 20);
const root = mkdtempSync(join(tmpdir(), 'assent-diskfull-'));
after(() => rmSync(root, { recursive: true, force: true }));
const sqliteModule = fileURLToPath(new URL('../../node_modules/better-sqlite3', import.meta.url));

/** Prepares a data dir (key, database with one user holding an HOTP token, one client) in `dir`. */
async function prepare(dir: string, port: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const configFile = join(root, `${port}.yaml`);
  writeFileSync(
    configFile,
    `dataDir: ${JSON.stringify(dir)}
radius: { bind: ['127.0.0.1'], authPort: ${port}, accountingPort: null, rejectDelayMs: 0, rejectJitterMs: 0 }
http: { public: { bind: 127.0.0.1, port: 0 }, admin: { bind: 127.0.0.1, port: 0 } }
secondFactor: { mode: concat }
log: { level: info }
`,
  );
  const loaded = loadConfig({ file: configFile, env: {} });
  if (!loaded.ok) throw new Error(loaded.errors.join('; '));
  createKeyFile(loaded.config.secrets.keyFile);
  const stores = openStores(loaded.config);
  try {
    await stores.clients.add({ name: 'nas', address: '127.0.0.1', secret: new TextEncoder().encode(SECRET) });
    const salt = randomBytes(8);
    const digest = createHash('sha256').update('kai-pw').update(salt).digest();
    await stores.users.add({
      name: 'kai',
      passwordHash: `{SSHA256}${Buffer.concat([digest, salt]).toString('base64')}`,
    });
    await stores.tokens.add({
      serial: 'H1',
      userName: 'kai',
      type: 'hotp',
      secret: seed,
      algorithm: 'SHA1',
      digits: 6,
    });
  } finally {
    await stores.close();
  }
  return configFile;
}

/**
 * A shell in a new mount namespace that mounts a tmpfs of `sizeMiB` over the data dir (copying the prepared
 * files in), runs `script` and reads commands from the test on its stdin. Lines it prints arrive in `lines`.
 * The shell is the first process of a PID namespace of its own, and dies with `unshare` (`--kill-child`): so
 * killing `shell` also ends every server the script started in the background, even when a test fails half-way
 * (the kernel kills a PID namespace's processes when its first one ends).
 */
function namespace(dataDir: string, sizeMiB: number, script: string) {
  const shell = spawn(
    'unshare',
    [
      '--mount',
      '--pid',
      '--fork',
      '--kill-child',
      'bash',
      '-c',
      `set -e
mkdir -p ${root}/stash && cp -a ${dataDir}/. ${root}/stash/
mount -t tmpfs -o size=${sizeMiB}m tmpfs ${dataDir}
cp -a ${root}/stash/. ${dataDir}/ && rm -rf ${root}/stash
${script}`,
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...cliEnv(), SERVE: `${process.execPath} ${ASSENT_BIN}` },
    },
  );
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: shell.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  let errors = '';
  shell.stderr!.on('data', (d: Buffer) => {
    errors += d.toString();
  });
  const next = async (prefix: string, ms = 30_000): Promise<string> => {
    const end = Date.now() + ms;
    for (;;) {
      const found = lines.find((l) => l.startsWith(prefix));
      if (found !== undefined) return found;
      if (Date.now() > end || shell.exitCode !== null)
        throw new Error(`no "${prefix}" from the namespace:\n${lines.join('\n')}\n${errors}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  };
  return { shell, next, say: (line: string) => shell.stdin!.write(`${line}\n`), errors: () => errors };
}

async function login(port: number, password: string): Promise<number | undefined> {
  const client = await RawRadiusClient.open(port, SECRET);
  try {
    const reply = await client.exchange(client.accessRequest({ user: 'kai', password }), 3000);
    return reply === undefined ? undefined : decodeReply(reply).code;
  } finally {
    client.close();
  }
}

test('disk full: code logins are refused with a logged reason, the server stays up, and recovers with space', async () => {
  const port = await freeUdpPort();
  const dataDir = join(root, 'full');
  const configFile = await prepare(dataDir, port);
  const log = join(root, 'full.log');
  const ns = namespace(
    dataDir,
    16,
    `$SERVE -c ${configFile} serve --no-init > ${log} 2>&1 &
server=$!
until grep -q radius.listening ${log}; do kill -0 $server 2>/dev/null || { echo "died"; exit 1; }; sleep 0.1; done
echo ready
read -r _; dd if=/dev/zero of=${dataDir}/filler bs=1M 2>/dev/null || true; sync; echo "filled $(df -k ${dataDir} | tail -1 | awk '{print $4}')"
read -r _; rm -f ${dataDir}/filler; echo freed
read -r _; kill -KILL $server; code=0; wait $server || code=$?; echo "exit $code"
$SERVE -c ${configFile} serve --no-init > ${log}.2 2>&1 &
server=$!
until grep -q radius.listening ${log}.2; do kill -0 $server 2>/dev/null || { echo "died"; exit 1; }; sleep 0.1; done
echo again
read -r _; kill -TERM $server; code=0; wait $server || code=$?; echo "exit2 $code"
echo "check $(node -e "const D = require(process.argv[1]); console.log(new D(process.argv[2]).pragma('quick_check', { simple: true }))" ${sqliteModule} ${dataDir}/assent.db 2>&1)"`,
  );
  try {
    await ns.next('ready');
    assert.equal(await login(port, `kai-pw${generateHotp(seed, 0, 6, 'SHA1')}`), Code.AccessAccept);
    ns.say('fill');
    const filled = await ns.next('filled');
    assert.match(filled, /^filled 0$/, 'the tmpfs is full');
    // Codes are accepted while their replay records still fit in pages the journal already has; the first one
    // whose record cannot be written must be refused, with the reason in the log, and the server must stay up.
    const accepted = [0];
    let counter = 1;
    let during: number | undefined = Code.AccessAccept;
    for (; counter < 2000 && during === Code.AccessAccept; counter++) {
      during = await login(port, `kai-pw${generateHotp(seed, counter, 6, 'SHA1')}`);
      if (during === Code.AccessAccept) accepted.push(counter);
    }
    assert.notEqual(during, Code.AccessAccept, 'every code was accepted on a full disk');
    // The server's log reaches the file a moment after the answer reaches us.
    const reason = (text: string) =>
      text
        .split('\n')
        .some(
          (line) =>
            line.includes('"event":"auth.error"') &&
            line.includes('"context":"login"') &&
            /ENOSPC: no space left on device|SQLITE_FULL/.test(line),
        );
    let text = readFileSync(log, 'utf8');
    for (let i = 0; i < 40 && !reason(text); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      text = readFileSync(log, 'utf8');
    }
    assert.ok(reason(text), `the reason is logged:\n${text.split('\n').slice(-6).join('\n')}`);
    ns.say('free');
    await ns.next('freed');
    // Space is back: the same server accepts the next code, no restart.
    let after: number | undefined;
    for (const end = counter + 5; counter < end && after !== Code.AccessAccept; counter++) {
      after = await login(port, `kai-pw${generateHotp(seed, counter, 6, 'SHA1')}`);
      if (after === Code.AccessAccept) accepted.push(counter);
    }
    assert.equal(after, Code.AccessAccept, 'accepts again once there is space');
    // Five more after the space came back: their records follow the ones from before the disk filled.
    for (let i = 0; i < 5; i++, counter++) {
      assert.equal(await login(port, `kai-pw${generateHotp(seed, counter, 6, 'SHA1')}`), Code.AccessAccept);
      accepted.push(counter);
    }
    // Killed, so what the second server knows of those codes comes from the journal file as the full disk left it.
    ns.say('kill');
    assert.equal(await ns.next('exit'), 'exit 137');
    // A second server on the same files: every code accepted above stays spent (no torn journal record lost them).
    await ns.next('again');
    // Newest first: the codes at risk are the last ones, and the failures of the old ones would soon lock the
    // account and hide them.
    for (const used of accepted.reverse())
      assert.notEqual(
        await login(port, `kai-pw${generateHotp(seed, used, 6, 'SHA1')}`),
        Code.AccessAccept,
        `HOTP counter ${used} was accepted twice`,
      );
    ns.say('stop');
    assert.equal(await ns.next('exit2'), 'exit2 0', 'stops cleanly');
    assert.equal(await ns.next('check'), 'check ok', 'the database is whole');
  } finally {
    ns.shell.kill('SIGKILL');
  }
});

test('read-only database: the server refuses to start with a clear message and exit 3 (no restart loop)', async () => {
  const port = await freeUdpPort();
  const dataDir = join(root, 'ro');
  const configFile = await prepare(dataDir, port);
  const ns = namespace(
    dataDir,
    16,
    `mount -o remount,ro ${dataDir}
set +e
$SERVE -c ${configFile} serve --no-init > ${root}/ro.log 2>&1
echo "exit $?"`,
  );
  try {
    assert.equal(await ns.next('exit'), 'exit 3', readFileSync(join(root, 'ro.log'), 'utf8'));
    const text = readFileSync(join(root, 'ro.log'), 'utf8');
    assert.match(text, /read-only|readonly|EROFS/i, 'the message says why');
    assert.doesNotMatch(text, / {4}at /, 'a message, not a stack trace');
  } finally {
    ns.shell.kill('SIGKILL');
  }
});
