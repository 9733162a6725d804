// Firefox ESR (Debian's firefox-esr) driven over WebDriver BiDi directly: playwright-core 1.65's Firefox support
// sends BiDi commands that Firefox 153 ESR does not have yet (emulation.setMediaFeaturesOverride, on every new
// page), so the few commands these tests need are spoken here. Headless, its own profile, killed by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectWebSocket, type TextSocket } from './websocket.js';

export const FIREFOX = '/usr/bin/firefox-esr';

export interface Firefox {
  /** One BiDi command; rejects with the browser's error. */
  send(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** The top-level browsing context of the first tab. */
  readonly context: string;
  /** Evaluates `expression` (awaiting a promise) in the tab; returns its JSON-serialisable value. */
  evaluate(expression: string): Promise<unknown>;
  navigate(url: string): Promise<void>;
  screenshot(): Promise<Buffer>;
  close(): Promise<void>;
}

/** `value` from a BiDi RemoteValue (WebDriver BiDi §6.5): primitives, arrays and plain objects. */
function plain(remote: Record<string, unknown>): unknown {
  const { type, value } = remote as { type: string; value: unknown };
  if (type === 'undefined' || type === 'null') return null;
  if (type === 'array') return (value as Record<string, unknown>[]).map(plain);
  if (type === 'object')
    return Object.fromEntries((value as [string, Record<string, unknown>][]).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** Starts Firefox with `prefs` in a fresh profile under `dir`. @throws after 30 s without BiDi */
export async function launchFirefox(
  dir: string,
  prefs: Record<string, string | number | boolean>,
): Promise<Firefox> {
  const profile = join(dir, 'profile');
  mkdirSync(profile, { recursive: true });
  writeFileSync(
    join(profile, 'user.js'),
    Object.entries(prefs)
      .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
      .join('\n'),
  );
  const child: ChildProcess = spawn(
    FIREFOX,
    ['--headless', '--remote-debugging-port=0', '--no-remote', '--profile', profile, 'about:blank'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' } },
  );
  let log = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Firefox did not start BiDi in 30 s:\n${log}`)), 30_000);
    const read = (chunk: Buffer) => {
      log += chunk.toString();
      const match = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(log);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', () => reject(new Error(`Firefox exited:\n${log}`)));
  });
  const socket: TextSocket = await connectWebSocket(`${endpoint}/session`);
  let next = 0;
  const pending = new Map<
    number,
    { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  socket.onText((text) => {
    const message = JSON.parse(text) as {
      id?: number;
      result?: Record<string, unknown>;
      error?: string;
      message?: string;
    };
    if (message.id === undefined) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(`${message.error}: ${message.message}`));
    else waiter?.resolve(message.result ?? {});
  });
  const send = (method: string, params: Record<string, unknown>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++next;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  const stop = async () => {
    socket.close();
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await new Promise((resolve) => child.once('exit', resolve));
      clearTimeout(killer);
    }
  };
  try {
    await send('session.new', { capabilities: { alwaysMatch: { acceptInsecureCerts: true } } });
    const tree = (await send('browsingContext.getTree', {})) as { contexts: { context: string }[] };
    const context = tree.contexts[0]!.context;
    return {
      send,
      context,
      async evaluate(expression) {
        const r = (await send('script.evaluate', {
          expression,
          target: { context },
          awaitPromise: true,
          resultOwnership: 'none',
        })) as { type: string; result?: Record<string, unknown>; exceptionDetails?: { text: string } };
        if (r.type === 'exception') throw new Error(`in Firefox: ${r.exceptionDetails?.text}`);
        return plain(r.result!);
      },
      async navigate(url) {
        await send('browsingContext.navigate', { context, url, wait: 'complete' });
      },
      async screenshot() {
        const r = (await send('browsingContext.captureScreenshot', { context })) as { data: string };
        return Buffer.from(r.data, 'base64');
      },
      close: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
