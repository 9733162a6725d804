// Starts a real Assent server in-process for tests: temp data dir, port 0 on 127.0.0.1, captured JSON logs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/cli/logger.js';
import type { ConfigOverrides } from '../../src/config/config-schema.js';
import { loadConfig } from '../../src/config/load-config.js';
import { hashArgon2id } from '../../src/directory/password/argon2id.js';
import type { NewToken } from '../../src/domain/token.js';
import type { UserStatus } from '../../src/domain/user.js';
import { type RunningServer, startServer } from '../../src/main.js';
import { openStores } from '../../src/store/open-stores.js';
import { createKeyFile } from '../../src/store/sealer.js';

export interface TestUser {
  readonly name: string;
  /** Clear password, hashed with cheap argon2id; or give `passwordHash`. */
  readonly password?: string;
  readonly passwordHash?: string;
  readonly status?: UserStatus;
  readonly groups?: readonly string[];
}

export interface TestClient {
  readonly name: string;
  readonly address: string;
  readonly secret: string;
  readonly requireMessageAuthenticator?: boolean;
  readonly limitProxyState?: boolean;
  /** Seconds the NAS waits for a reply (default 60). */
  readonly nasTimeout?: number;
}

export interface TestServer {
  readonly port: number;
  readonly accountingPort: number;
  readonly dir: string;
  readonly server: RunningServer;
  /** Every log line written so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The raw log text, for "no secret appears anywhere" checks. */
  rawLogs(): string;
  /** Stops the server and starts it again on the same data directory and ports (state kept on disk only). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Cheap argon2id for tests; the hashes are real, only the cost is low. */
export const TEST_ARGON2 = { memoryCost: 8192, timeCost: 1, parallelism: 1 } as const;

export const DEFAULT_SECRET = 'testing123-assent';

export async function startTestServer(
  options: {
    users?: readonly TestUser[];
    clients?: readonly TestClient[];
    tokens?: readonly NewToken[];
    config?: ConfigOverrides;
  } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'assent-test-'));
  const overrides: ConfigOverrides = {
    dataDir: dir,
    ...options.config,
    radius: {
      bind: ['127.0.0.1'],
      authPort: 0,
      accountingPort: 0,
      rejectDelayMs: 0,
      rejectJitterMs: 0,
      ...options.config?.radius,
    },
    // Loopback and any free port: tests never listen beyond this machine or on a fixed port.
    http: {
      public: { bind: '127.0.0.1', port: 0, ...options.config?.http?.public },
      admin: { bind: '127.0.0.1', port: 0, ...options.config?.http?.admin },
    },
    passwords: { argon2: { ...TEST_ARGON2 }, ...options.config?.passwords },
    log: { level: 'info' as const, ...options.config?.log },
  };
  const loaded = loadConfig({ env: {}, overrides, cwd: dir });
  if (!loaded.ok) throw new Error(`test config invalid: ${loaded.errors.join('; ')}`);
  const config = loaded.config;
  createKeyFile(config.secrets.keyFile);
  const stores = openStores(config);
  try {
    for (const user of options.users ?? []) {
      const hash =
        user.passwordHash ??
        (user.password === undefined ? null : await hashArgon2id(user.password, TEST_ARGON2));
      await stores.users.add({
        name: user.name,
        passwordHash: hash,
        ...(user.status === undefined ? {} : { status: user.status }),
        ...(user.groups === undefined ? {} : { groups: user.groups }),
      });
    }
    const clients = options.clients ?? [{ name: 'local', address: '127.0.0.1', secret: DEFAULT_SECRET }];
    for (const client of clients) {
      await stores.clients.add({
        name: client.name,
        address: client.address,
        secret: new TextEncoder().encode(client.secret),
        ...(client.requireMessageAuthenticator === undefined
          ? {}
          : { requireMessageAuthenticator: client.requireMessageAuthenticator }),
        ...(client.limitProxyState === undefined ? {} : { limitProxyState: client.limitProxyState }),
        ...(client.nasTimeout === undefined ? {} : { nasTimeout: client.nasTimeout }),
      });
    }
    if (options.tokens !== undefined && options.tokens.length > 0)
      await stores.tokens.addMany(options.tokens);
  } finally {
    await stores.close();
  }

  const logs: Record<string, unknown>[] = [];
  let raw = '';
  const logger = createLogger(config.log.level, {
    write(line: string) {
      raw += line;
      logs.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  let server = await startServer(config, logger);
  const portOf = (kind: string) => server.sockets.find((s) => s.kind === kind)?.port ?? 0;
  const handle: TestServer = {
    port: portOf('auth'),
    accountingPort: portOf('acct'),
    dir,
    server,
    logs,
    rawLogs: () => raw,
    async restart() {
      await server.close(1000);
      // Same data directory and the same ports, so peers keep their settings across the restart.
      const again = loadConfig({
        env: {},
        overrides: {
          ...overrides,
          radius: { ...overrides.radius, authPort: handle.port, accountingPort: handle.accountingPort },
        },
        cwd: dir,
      });
      if (!again.ok) throw new Error(again.errors.join('; '));
      server = await startServer(again.config, logger);
      (handle as { server: RunningServer }).server = server;
    },
    async stop() {
      await server.close(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
