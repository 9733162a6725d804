// Owns the cluster tests' shared set-up: one PostgreSQL, one config file, `assent serve` nodes on it, and their stop.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.js';
import { openConfiguredStores, type Stores } from '../../src/store/open-stores.js';
import { createKeyFile } from '../../src/store/sealer.js';
import { createDatabase, type Postgres, startPostgres } from './postgres.js';
import { RawRadiusClient } from './raw-radius-client.js';
import { cliEnv, startCli } from './run-cli.js';

/** `{SSHA256}`: checked at once, so the tests measure nothing but the store's behaviour, not argon2's cost. */
export function ssha256(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha256').update(password).update(salt).digest();
  return `{SSHA256}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** Adds `name` with a password and, when given, an HOTP token (SHA1, 6 digits) on `seed`. */
export async function addUser(
  stores: Stores,
  name: string,
  password: string,
  hotp?: { readonly serial: string; readonly seed: Uint8Array },
): Promise<void> {
  await stores.users.add({ name, passwordHash: ssha256(password) });
  if (hotp === undefined) return;
  await stores.tokens.add({
    serial: hotp.serial,
    userName: name,
    type: 'hotp',
    secret: hotp.seed,
    algorithm: 'SHA1',
    digits: 6,
  });
}

/** One `assent serve` process of the cluster. */
export interface ClusterNode {
  readonly name: string;
  /** A NAS (127.0.0.1) with the cluster's secret, pointed at this node's RADIUS port. */
  readonly radius: RawRadiusClient;
  /** The admin HTTP listener's port (`/readyz`). */
  readonly adminPort: number;
  /** Everything the process printed so far, stdout and stderr together. */
  output(): string;
  /** SIGKILL: the node dies without shutting down (the cluster's `stop()` still cleans up after it). */
  kill9(): void;
}

export interface ClusterOptions {
  /** `mkdtemp` prefix of the shared data directory, e.g. `assent-two-nodes-`. */
  readonly tempPrefix: string;
  /** The database created for the file on its own PostgreSQL server. */
  readonly database: string;
  /** The RADIUS secret of the `nas` client (127.0.0.1) and of every node's {@link RawRadiusClient}. */
  readonly secret: string;
  /** `storage.timeoutMs`, when the file tests it; else the default. */
  readonly storageTimeoutMs?: number;
  /** The YAML lines that differ between the files (`secondFactor:`, `push:`), each ending in a newline. */
  readonly config: string;
}

/** How long `stop()` lets SIGTERMed nodes shut down before it kills what is left (and stops PostgreSQL). */
const NODE_STOP_MS = 500;

/** Resolves once `child` has exited, or after `ms`. */
async function exited(child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (child.exitCode === null && child.signalCode === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A PostgreSQL server, a config file and a data directory shared by every node, as a site's nodes share them.
 * The data directory is made at once (as the files made it at load); `start()` starts PostgreSQL and writes the
 * config; `stop()` ends everything, whatever was started.
 */
export class Cluster {
  readonly dir: string;
  readonly configFile: string;
  readonly nodes: ClusterNode[] = [];
  private started: Postgres | undefined;
  private readonly children: ChildProcess[] = [];
  private readonly clients: RawRadiusClient[] = [];
  private stopped = false;

  constructor(private readonly options: ClusterOptions) {
    this.dir = mkdtempSync(join(tmpdir(), options.tempPrefix));
    this.configFile = join(this.dir, 'assent.yaml');
  }

  /** The PostgreSQL server (after `start()`). */
  get postgres(): Postgres {
    if (this.started === undefined) throw new Error('the cluster is not started');
    return this.started;
  }

  /**
   * Starts PostgreSQL, creates the database, writes the config file (loopback, port 0 everywhere, cheap
   * argon2, no reject delay), makes the key file and adds the `nas` client. Nodes are started by `startNode`.
   */
  async start(): Promise<void> {
    // Kept at once: `stop()` stops it even when a later step here fails (startPostgres cleans up its own failure).
    this.started = await startPostgres();
    const url = await createDatabase(this.started.url, this.options.database);
    const timeout = this.options.storageTimeoutMs;
    writeFileSync(
      this.configFile,
      `dataDir: ${JSON.stringify(this.dir)}
storage: { url: ${JSON.stringify(url)}${timeout === undefined ? '' : `, timeoutMs: ${timeout}`} }
radius: { bind: ['127.0.0.1'], authPort: 0, accountingPort: null, rejectDelayMs: 0, rejectJitterMs: 0 }
http:
  public: { bind: 127.0.0.1, port: 0 }
  admin: { bind: 127.0.0.1, port: 0 }
passwords: { argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 } }
${this.options.config}log: { level: info }
`,
    );
    const loaded = loadConfig({ file: this.configFile, env: {} });
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    createKeyFile(loaded.config.secrets.keyFile);
    await this.withStores((stores) =>
      stores.clients.add({
        name: 'nas',
        address: '127.0.0.1',
        secret: new TextEncoder().encode(this.options.secret),
      }),
    );
  }

  /** Runs `use` on the shared database, as another process (the CLI, an import) would write to it. */
  async withStores<T>(use: (stores: Stores) => T | Promise<T>): Promise<T> {
    const loaded = loadConfig({ file: this.configFile, env: {} });
    if (!loaded.ok) throw new Error(loaded.errors.join('; '));
    const stores = await openConfiguredStores(loaded.config);
    try {
      return await use(stores);
    } finally {
      await stores.close();
    }
  }

  /**
   * Starts `assent serve --no-init` on the shared config and resolves once it listens. `env` is added to
   * `cliEnv()` (which keeps the outer shell's ASSENT_* out and the HTTP listeners on loopback, port 0). Start
   * nodes one after the other: the first makes the certificates in the shared data directory.
   */
  async startNode(name: string, env: Record<string, string> = {}): Promise<ClusterNode> {
    const started = await startCli(this.dir, ['-c', this.configFile, 'serve', '--no-init'], cliEnv(env));
    // Tracked before anything here can fail, so `stop()` ends the process whatever happens next.
    this.children.push(started.child);
    const out = started.output();
    const radiusPort = Number(/"kind":"auth","address":"127\.0\.0\.1","port":(\d+)/.exec(out)?.[1]);
    const adminPort = Number(/"admin":"127\.0\.0\.1:(\d+)"/.exec(out)?.[1]);
    assert.ok(radiusPort > 0 && adminPort > 0, out);
    const radius = await RawRadiusClient.open(radiusPort, this.options.secret);
    this.clients.push(radius);
    const node: ClusterNode = {
      name,
      radius,
      adminPort,
      output: started.output,
      kill9: () => started.child.kill('SIGKILL'),
    };
    this.nodes.push(node);
    return node;
  }

  /**
   * Closes the NAS sockets, SIGTERMs every node (our children: by their PID), gives them `graceMs` to shut down
   * and SIGKILLs the rest, then stops PostgreSQL and removes the data directory. Idempotent; safe after a
   * failed or partial start.
   */
  async stop(graceMs = NODE_STOP_MS): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const client of this.clients) client.close();
    for (const child of this.children) child.kill('SIGTERM');
    await Promise.all(this.children.map((child) => exited(child, graceMs)));
    const left = this.children.filter((child) => child.exitCode === null && child.signalCode === null);
    for (const child of left) child.kill('SIGKILL');
    // A killed node must be gone before its data directory is removed under it.
    await Promise.all(left.map((child) => exited(child, 5000)));
    await this.started?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
