// Owns the reference FreeRADIUS 3.2 for the benchmark: its own config dir (pap + files) and its process.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runToEnd, type Started, startPinned } from './child-processes.js';
import { freeRadiusPolicy } from './freeradius-policy.js';
import type { Scenario } from './scenario.js';

/** Where and how the reference server listens. */
export interface FreeRadiusSetup {
  readonly dir: string;
  readonly port: number;
  readonly secret: string;
  readonly usersFile: string;
  /** What the server does with a request (bench/freeradius-policy.ts); default `pap`. */
  readonly scenario?: Scenario;
}

/**
 * radiusd.conf for the benchmark. Server settings are those of Debian's packaged radiusd.conf (thread pool,
 * max_requests, cleanup_delay, reject_delay) so FreeRADIUS is measured as shipped; only paths, the one client,
 * the one listener and the module list are ours. Authentication is `files` (the users file, hashed by name)
 * then `pap` (SSHA2-256-Password), the same work Assent does for an imported {SSHA256} hash.
 */
function radiusdConf(s: FreeRadiusSetup): string {
  const d = s.dir;
  const policy = freeRadiusPolicy(s.scenario ?? 'pap');
  return `# Written by bench/run.ts; see docs/performance.md.
prefix = /usr
exec_prefix = /usr
sbindir = /usr/sbin
localstatedir = ${d}
raddbdir = ${d}
confdir = ${d}
logdir = ${d}/log
run_dir = ${d}/run
db_dir = ${d}
libdir = /usr/lib/freeradius
pidfile = ${d}/run/radiusd.pid
name = radiusd
max_request_time = 30
cleanup_delay = 5
max_requests = 16384
hostname_lookups = no
log {
  destination = files
  file = ${d}/log/radius.log
  auth = no
}
security {
  allow_core_dumps = no
  max_attributes = 200
  reject_delay = 1
  status_server = no
}
proxy_requests = no
client bench {
  ipaddr = 127.0.0.1
  secret = ${s.secret}
  # Like Assent's default (requireMessageAuthenticator: true): both servers check the MA of every request.
  require_message_authenticator = yes
}
thread pool {
  start_servers = 5
  max_servers = 32
  min_spare_servers = 3
  max_spare_servers = 10
  max_requests_per_server = 0
  auto_limit_acct = no
}
modules {
  pap {
  }
  files {
    filename = ${s.usersFile}
  }${policy.modules}
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = ${s.port}
    # The receive buffer Assent asks for (src/radius-server/udp-listener.ts), so with hundreds of requests in
    # flight neither server's kernel drops datagrams the other's would keep.
    recv_buff = 4194304
  }
  authorize {${policy.authorize}
  }
  authenticate {${policy.authenticate}
  }
}
`;
}

/** Writes the config directory; returns the path of radiusd.conf. */
export function writeFreeRadiusConfig(setup: FreeRadiusSetup): string {
  mkdirSync(path.join(setup.dir, 'log'), { recursive: true });
  mkdirSync(path.join(setup.dir, 'run'), { recursive: true });
  const file = path.join(setup.dir, 'radiusd.conf');
  writeFileSync(file, radiusdConf(setup), { mode: 0o600 });
  return file;
}

/** `freeradius -v` first line, e.g. `FreeRADIUS Version 3.2.1, for host …`. */
export async function freeRadiusVersion(): Promise<string> {
  const { output } = await runToEnd('freeradius', ['-v'], { timeoutMs: 10_000 });
  const match = /FreeRADIUS Version ([^\s,]+)/.exec(output);
  return match?.[1] ?? 'unknown';
}

/**
 * Checks the config (`freeradius -C`), then starts `freeradius -f -d DIR -n radiusd` pinned to `cpus`.
 * @throws Error with FreeRADIUS's own log when the config does not load
 */
export async function startFreeRadius(setup: FreeRadiusSetup, cpus: string): Promise<Started> {
  writeFreeRadiusConfig(setup);
  const check = await runToEnd('freeradius', ['-C', '-d', setup.dir, '-n', 'radiusd', '-l', 'stdout'], {
    timeoutMs: 60_000,
  });
  if (check.code !== 0) throw new Error(`freeradius -C failed:\n${check.output.slice(-4000)}`);
  return startPinned('FreeRADIUS', cpus, 'freeradius', ['-f', '-d', setup.dir, '-n', 'radiusd']);
}
