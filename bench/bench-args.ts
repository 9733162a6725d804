// Owns `npm run bench`'s command line: options, bounds, help text.
import { parseArgs } from 'node:util';
import { isScenario, SCENARIOS, type Scenario } from './scenario.js';

export const SERVER_CPU = '1';
export const LOADGEN_CPU = '0';

const HELP = `npm run bench -- [options]

Starts FreeRADIUS 3.2 (own config in a temp dir) and Assent (SQLite; with --postgres also Assent on PostgreSQL)
on the same users, pins each server (and PostgreSQL) to CPU ${SERVER_CPU} and the load generator to CPU ${LOADGEN_CPU}, and prints,
per scenario, requests/s (flows/s), server CPU µs per request (flow), p50/p99 latency and the Assent/FreeRADIUS
ratio measured in the same run, then argon2id verifications/s on all cores.

Scenarios: pap (PAP + Message-Authenticator, salted SHA-256); pap-totp-suffix (User-Password = password ‖
TOTP code, Assent secondFactor.mode concat); challenge-totp (password → Access-Challenge + State → code).

  --only A[,B…]      servers and/or scenarios: freeradius | assent | both, pap | pap-totp-suffix |
                     challenge-totp | totp (both TOTP scenarios); default both servers, all scenarios
  --users N          distinct users of the pap scenario (default 10000; first logins want 300000)
  --totp-users N     distinct users of the TOTP scenarios, each with its own key (default 300000)
  --duration S       measured seconds per server and round, pap (default 10, at most 60)
  --totp-duration S  measured seconds per server and round, TOTP scenarios (default 6); warm-up + this must
                     stay within one 30 s step, and users ≥ rate × (warm-up + this)
  --totp-prime S     TOTP scenarios: before round 1, one pass of S seconds per server (default 28, 0 = none)
                     over users not yet seen, reported as the "first login" row; the rounds after it
                     measure logins of users the server has seen before (Assent's caches warm)
  --late-first S     TOTP scenarios: after the rounds, one more pass of S seconds per server (default 0 =
                     none) over users no pass or round took: first logins on a server that has been up a
                     while (its code compiled, its start-up garbage collected), as in a morning rush
  --first-slices N   TOTP scenarios: split each first-login pass (--totp-prime, --late-first) into N slices
                     (default 1, at most 10) that the servers take in turn, each on users it has not seen;
                     the report adds the slice-by-slice ratios and their median. Memory speed on a virtual
                     machine drifts within a minute: pairs measured seconds apart compare more fairly
  --slice-warmup S   TOTP scenarios: seconds of first logins before each first-login slice is measured
                     (default 1; 0 = none). A server idle for the seconds the other one took pays its first
                     second of load again (the collector gave memory back; here each page costs a fault of
                     ~11 µs); the rounds have --warmup for the same reason. The warm-up logs in unseen users
                     too, so every measured flow is still a first login
  --pap-prime S      pap: before round 1, one pass of S seconds per server (default 0 = none) over users
                     not yet seen, reported as the "first login" row; give --users large enough that the
                     pass does not wrap (rate × S), e.g. --users 300000 --pap-prime 6
  --warmup S         warm-up seconds before each measurement (default 2)
  --window N         pap: requests in flight (default 64)      --sockets N   UDP sockets (default 8)
  --totp-window N    TOTP scenarios: flows in flight (default 256). More than pap's because Assent holds each
                     code login until its replay-guard write is durable (storage.replaySyncMs): with 64 in
                     flight its core idles between group commits, and the target is what a busy core does
  --rounds N         rounds, servers alternating; the table shows medians (default 2)
  --radblast         pap only: also run radblast (C) against both servers (it has no TOTP flows)
  --quiet-wait S     before the argon2id line, wait up to S seconds for other processes to go idle (default 120)
  --no-argon2        skip the argon2id line          --markdown   also print the tables as Markdown
  --no-api           skip the REST API line: after pap-totp-suffix, POST /api/v1/auth/ (password and code) on
                     the same users and tokens, checks/s and server CPU per check beside the RADIUS row
  --api-window N     REST API: calls in flight, one keep-alive connection each (default 64)
  --keep             keep the temp dir (configs, users, logs, each server's stdout/stderr as NAME-PID.out, and
                     run-secrets.json: the shared secret and TOTP key seed, to log its users in again)
  --compare-flags=F  also run "Assent B" with these extra node flags (quoted, space-separated, e.g.
                     --compare-flags="--max-semi-space-size=64") on its own copy of the data, in the same
                     rounds, and print Assent B/Assent: an A/B of a runtime flag within one run. To A/B a
                     setting, pass --compare-flags=--env-file=FILE with FILE holding ASSENT_* variables
  --postgres         also measure "Assent (PostgreSQL)": Assent with storage.url pointing at a PostgreSQL
                     started for the run (initdb in a temp dir, 127.0.0.1 only, trust authentication,
                     durability off: fsync, synchronous_commit and full_page_writes off; shared_buffers
                     512 MB, autovacuum on). Each data set (pap; both TOTP scenarios) gets its own database,
                     prepared like the SQLite data (init, client, user import, TOTP tokens through addMany),
                     then VACUUM ANALYZE. Every scenario then has first-login and warm rows for it beside
                     Assent (SQLite) and FreeRADIUS, and ratio lines against FreeRADIUS and Assent (SQLite).
                     Pinning: PostgreSQL's postmaster and every process it forks (backends, checkpointer,
                     walwriter…) share CPU ${SERVER_CPU} with the servers; the generator stays alone on CPU
                     ${LOADGEN_CPU}. So Assent and its database together on one core are compared with
                     FreeRADIUS on one core: the DB columns (CPU s, µs per request or flow, % of a core) are
                     the postmaster's whole process tree in each measured window, sampled at the same edges
                     as the server's own CPU, and the PostgreSQL ratios count both CPUs. PostgreSQL is
                     stopped at the end, also on failure or Ctrl-C. Needs initdb and postgres
                     (/usr/lib/postgresql/*/bin or pg_config --bindir; as root they run as user postgres).
                     Not with --only freeradius; the REST API line stays on SQLite
  --two-cores        with --postgres, after the rounds of each scenario: "two nodes on two cores". Two Assent
                     nodes on the PostgreSQL database (node 1 on CPU 0, node 2 on CPU 1, PostgreSQL on both)
                     against FreeRADIUS on both CPUs (its thread pool), each loaded by two generators at once
                     (one per node; both at FreeRADIUS), the generators also on both CPUs: this machine has no
                     third core, so generators and servers share, and the table compares CPU per request or
                     flow (servers and PostgreSQL, generators not counted), not absolute rates. TOTP flows:
                     the second generator starts at user N/2, so no user is logged in by both`;

export interface BenchArgs {
  readonly users: number;
  readonly totpUsers: number;
  readonly duration: number;
  readonly totpDuration: number;
  readonly totpPrime: number;
  /** Seconds of the TOTP scenarios' pass of first logins after the rounds (0: none). */
  readonly lateFirst: number;
  readonly firstSlices: number;
  /** `--slice-warmup`: unmeasured seconds of first logins before each first-login slice. */
  readonly sliceWarmup: number;
  readonly papPrime: number;
  readonly warmup: number;
  readonly window: number;
  readonly totpWindow: number;
  readonly sockets: number;
  readonly rounds: number;
  readonly quietWait: number;
  readonly servers: { readonly freeradius: boolean; readonly assent: boolean };
  readonly scenarios: readonly Scenario[];
  readonly radblast: boolean;
  readonly argon2: boolean;
  readonly api: boolean;
  readonly apiWindow: number;
  readonly markdown: boolean;
  readonly keep: boolean;
  /** `--compare-flags`: node flags of the second Assent; undefined when not asked for. */
  readonly compareFlags: readonly string[] | undefined;
  /** `--postgres`: also measure Assent on a PostgreSQL started for the run. */
  readonly postgres: boolean;
  /** `--two-cores`: also two Assent nodes on PostgreSQL against FreeRADIUS, each on both cores. */
  readonly twoCores: boolean;
}

function parseOnly(value: string): Pick<BenchArgs, 'servers' | 'scenarios'> {
  let freeradius = false;
  let assent = false;
  const scenarios = new Set<Scenario>();
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (name === 'both' || name === 'freeradius') freeradius = true;
    if (name === 'both' || name === 'assent') assent = true;
    if (name === 'totp') {
      scenarios.add('pap-totp-suffix');
      scenarios.add('challenge-totp');
    } else if (isScenario(name)) scenarios.add(name);
    else if (name !== 'both' && name !== 'freeradius' && name !== 'assent')
      throw new Error(
        `--only: unknown ${name}; freeradius | assent | both | totp | ${SCENARIOS.join(' | ')}`,
      );
  }
  if (!freeradius && !assent) {
    freeradius = true;
    assent = true;
  }
  return {
    servers: { freeradius, assent },
    scenarios: scenarios.size === 0 ? SCENARIOS : SCENARIOS.filter((s) => scenarios.has(s)),
  };
}

/** Parses `process.argv`; prints the help and exits for `--help`. @throws Error for a bad value */
export function parseBenchArgs(): BenchArgs {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '10000' },
      'totp-users': { type: 'string', default: '300000' },
      'pap-prime': { type: 'string', default: '0' },
      duration: { type: 'string', default: '10' },
      'totp-duration': { type: 'string', default: '6' },
      'totp-prime': { type: 'string', default: '28' },
      'late-first': { type: 'string', default: '0' },
      'first-slices': { type: 'string', default: '1' },
      'slice-warmup': { type: 'string', default: '1' },
      warmup: { type: 'string', default: '2' },
      window: { type: 'string', default: '64' },
      'totp-window': { type: 'string', default: '256' },
      sockets: { type: 'string', default: '8' },
      rounds: { type: 'string', default: '2' },
      'quiet-wait': { type: 'string', default: '120' },
      only: { type: 'string', default: 'both' },
      radblast: { type: 'boolean', default: false },
      'no-argon2': { type: 'boolean', default: false },
      'no-api': { type: 'boolean', default: false },
      'api-window': { type: 'string', default: '64' },
      markdown: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'compare-flags': { type: 'string' },
      postgres: { type: 'boolean', default: false },
      'two-cores': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const num = (name: string, v: string, min: number, max: number): number => {
    const n = Number(v);
    if (!(Number.isFinite(n) && n >= min && n <= max))
      throw new Error(`--${name}: expected ${min}–${max}, got ${v}`);
    return n;
  };
  const warmup = num('warmup', values.warmup, 0, 10);
  const totpDuration = num('totp-duration', values['totp-duration'], 1, 20);
  if (warmup + totpDuration > 28)
    throw new Error('--warmup + --totp-duration must stay within one 30 s TOTP step (at most 28 s)');
  const totpPrime = num('totp-prime', values['totp-prime'], 0, 28);
  const only = parseOnly(values.only);
  if (values.postgres && !only.servers.assent)
    throw new Error('--postgres measures an Assent on PostgreSQL: not with --only freeradius');
  if (values['two-cores'] && !values.postgres)
    throw new Error('--two-cores runs two Assent nodes on one PostgreSQL: add --postgres');
  return {
    totpPrime,
    lateFirst: num('late-first', values['late-first'], 0, 28),
    firstSlices: Math.trunc(num('first-slices', values['first-slices'], 1, 10)),
    sliceWarmup: num('slice-warmup', values['slice-warmup'], 0, 10),
    papPrime: num('pap-prime', values['pap-prime'], 0, 60),
    users: num('users', values.users, 1, 1_000_000),
    totpUsers: num('totp-users', values['totp-users'], 1, 1_000_000),
    duration: num('duration', values.duration, 1, 60),
    totpDuration,
    warmup,
    window: num('window', values.window, 1, 4096),
    totpWindow: num('totp-window', values['totp-window'], 1, 2048),
    sockets: num('sockets', values.sockets, 1, 64),
    rounds: num('rounds', values.rounds, 1, 10),
    quietWait: num('quiet-wait', values['quiet-wait'], 0, 3600),
    ...only,
    radblast: values.radblast,
    argon2: !values['no-argon2'],
    api: !values['no-api'],
    apiWindow: num('api-window', values['api-window'], 1, 1024),
    markdown: values.markdown,
    keep: values.keep,
    compareFlags: values['compare-flags']?.split(' ').filter(Boolean),
    postgres: values.postgres,
    twoCores: values['two-cores'],
  };
}
