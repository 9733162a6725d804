// Owns the one configuration schema: every setting with its type, range, default and description.
import { type Static, Type } from 'typebox';
import {
  DirectoriesSchema,
  RealmsSchema,
  ReplyAttributesSchema,
  SecondFactorSchema,
} from './policy-schema.js';
import { PortalSchema } from './portal-schema.js';
import { ApiSchema, HttpSchema, PushSchema } from './push-schema.js';

const port = (description: string, def: number) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description });

const Storage = Type.Object(
  {
    url: Type.String({
      maxLength: 2048,
      default: '',
      pattern: '^(|postgres(ql)?://.*)$',
      description:
        'PostgreSQL instead of SQLite: `postgres://user@host:5432/assent`. Every node of a site names the same ' +
        'database and the same key file (`secrets.keyFile`); nodes share users, tokens, lockouts and the replay ' +
        "guard, and learn of each other's writes by LISTEN/NOTIFY (docs/storage.md). Keep the password out of " +
        'the file: `PGPASSWORD` or `~/.pgpass` are read (node-postgres); a password written here is never ' +
        'printed or logged. Empty: the SQLite file `sqlitePath`.',
    }),
    poolSize: Type.Integer({
      minimum: 1,
      maximum: 200,
      default: 10,
      description: 'PostgreSQL: connections each node keeps open at most (one more listens for changes).',
    }),
    timeoutMs: Type.Integer({
      minimum: 100,
      maximum: 60000,
      default: 3000,
      description:
        'PostgreSQL: a connection or a query that takes longer fails, and the login waiting on it is refused ' +
        'with a logged reason instead of outliving the NAS timeout.',
    }),
    sqlitePath: Type.String({
      maxLength: 1024,
      default: '',
      description: 'SQLite database file. Empty means `<dataDir>/assent.db`.',
    }),
    replaySyncMs: Type.Integer({
      minimum: 0,
      maximum: 50,
      // The journal's own default (MIN_SYNC_INTERVAL_MS, where the measurement behind it is told); a test keeps them equal.
      default: 5,
      description:
        'Group commit of the OTP replay guard: an accepted code is recorded in `<sqlitePath>.replay`, its Accept ' +
        'waits until that record is synced, and syncs start at most this often. Under load one sync serves ' +
        'every code of the interval, so a larger value costs each code login up to that many milliseconds and ' +
        'saves CPU (one sync is 60–100 µs of kernel time); an idle server syncs at once. 0 syncs as soon as the ' +
        'previous sync ended.',
    }),
    loginIndex: Type.Union([Type.Literal('memory'), Type.Literal('lazy')], {
      default: 'memory',
      description:
        "`memory`: every user and token (seeds unsealed) is read into memory at start, so a user's first login " +
        'after a start costs no database read, and a made-up name costs no query; writes by commands and other ' +
        'processes reach it row by row through the change log (docs/storage.md). Costs start-up time and memory, ' +
        'measured per 100,000 users in docs/performance.md. `lazy`: each user is read at its first login and kept ' +
        '(for very large directories on small machines).',
    }),
    autoMigrate: Type.Boolean({
      default: true,
      description:
        'Bring the database schema up to date when the server or a command opens it. Off: a database that ' +
        'needs a migration is refused with a message, and only `assent migrate` applies it (docs/storage.md).',
    }),
  },
  { default: {}, additionalProperties: false, description: 'Where users, clients and tokens are stored.' },
);

const Secrets = Type.Object(
  {
    keyFile: Type.String({
      maxLength: 1024,
      default: '',
      description:
        'Key-encryption key (32 random bytes, base64, mode 0600) that seals secrets in the database with ' +
        'AES-256-GCM. Keep it outside the database and its backups. Empty means `<dataDir>/secret.key`.',
    }),
  },
  { default: {}, additionalProperties: false, description: 'Secrets at rest (docs/security.md A9).' },
);

const Radius = Type.Object(
  {
    bind: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      // Issue 12: a server with no listener is a configuration error, not a silent "ready".
      minItems: 1,
      maxItems: 16,
      default: ['0.0.0.0', '::'],
      description: 'Addresses the RADIUS listeners bind to (IPv4 and IPv6).',
    }),
    authPort: port('UDP port for Access-Request (RFC 2865). 0 lets the OS choose (tests).', 1812),
    accountingPort: Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()], {
      default: 1813,
      description:
        'UDP port for Accounting-Request (RFC 2866). `null` (or `off` in the environment) turns accounting off.',
    }),
    rejectDelayMs: Type.Integer({
      minimum: 0,
      maximum: 10000,
      default: 1000,
      description:
        'Delay before every Access-Reject, so guessing is slow and unknown users look like known ones ' +
        '(docs/security.md A3.7). Below 1000 warns at start.',
    }),
    rejectJitterMs: Type.Integer({
      minimum: 0,
      maximum: 5000,
      default: 500,
      description: 'Random extra delay (0 to this value) added to the reject delay.',
    }),
    duplicateCacheSeconds: Type.Integer({
      minimum: 5,
      maximum: 30,
      default: 30,
      description:
        'How long a reply is kept to answer retransmissions of the same request (RFC 5080 §2.2.2).',
    }),
    maxInFlight: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 16384,
      description: 'Requests being processed or held at once; more are dropped and counted.',
    }),
    maxAttributes: Type.Integer({
      minimum: 1,
      maximum: 200,
      default: 200,
      description: 'Most attributes accepted in one packet; packets with more are dropped.',
    }),
    unknownClientLogIntervalSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 60,
      description:
        'Packets from unknown addresses are dropped silently; one log line per address per interval.',
    }),
    dictionaries: Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), {
      maxItems: 64,
      default: [],
      description: 'Extra vendor dictionary files in FreeRADIUS format, loaded after the built-in ones.',
    }),
    udpBatching: Type.Boolean({
      default: true,
      description:
        'Read requests and send replies in batches (recvmmsg/sendmmsg, Linux) through the addon `npm ci` builds ' +
        'from native/udp-batch.c; a fifth to two fifths less CPU per login (docs/performance.md). false, or no addon ' +
        "(no C compiler or Node's headers at install), uses Node's dgram: the same behaviour, one system call " +
        'per datagram. The `radius.listening` log line says which.',
    }),
  },
  { default: {}, additionalProperties: false, description: 'RADIUS listeners and their limits.' },
);

const Argon2 = Type.Object(
  {
    memoryCost: Type.Integer({
      minimum: 8192,
      maximum: 1048576,
      default: 19456,
      description: 'argon2id memory in KiB for new password hashes (OWASP: 19456 with timeCost 2).',
    }),
    timeCost: Type.Integer({
      minimum: 1,
      maximum: 10,
      default: 2,
      description: 'argon2id iterations for new password hashes.',
    }),
    parallelism: Type.Integer({
      minimum: 1,
      maximum: 8,
      default: 1,
      description: 'argon2id lanes for new password hashes.',
    }),
  },
  { default: {}, additionalProperties: false, description: 'argon2id parameters.' },
);

const Passwords = Type.Object(
  {
    upgradeLegacyHashes: Type.Boolean({
      default: true,
      description:
        'Replace an imported legacy hash (crypt, bcrypt, salted SHA) or an argon2id hash with other ' +
        'parameters by a current argon2id hash after a successful login.',
    }),
    argon2: Argon2,
  },
  { default: {}, additionalProperties: false, description: 'Local first-factor passwords.' },
);

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const Log = Type.Object(
  {
    level: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info', description: 'Least severe log level written (pino levels).' },
    ),
  },
  { default: {}, additionalProperties: false, description: 'Logging (JSON lines on stdout).' },
);

/** The whole configuration. Every leaf has a default, so an empty file is a valid configuration. */
export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({
      maxLength: 1024,
      minLength: 1,
      default: './data',
      description: 'Directory for the database and the key file unless they are set on their own.',
    }),
    storage: Storage,
    secrets: Secrets,
    radius: Radius,
    passwords: Passwords,
    secondFactor: SecondFactorSchema,
    replyAttributes: ReplyAttributesSchema,
    directories: DirectoriesSchema,
    realms: RealmsSchema,
    push: PushSchema,
    http: HttpSchema,
    api: ApiSchema,
    portal: PortalSchema,
    log: Log,
  },
  { additionalProperties: false },
);

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** The configuration after defaults, validation and path resolution; deeply frozen. */
export type Config = DeepReadonly<Static<typeof ConfigSchema>>;

/** Settings given on the command line; they win over every other source. */
export type ConfigOverrides = DeepPartial<Static<typeof ConfigSchema>>;
