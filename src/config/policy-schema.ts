// Owns the schema of the second-factor policy, reply attributes by group, LDAP directories and realms.
import { Type } from 'typebox';

const choice = <T extends string>(values: readonly T[], def: T, description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { default: def, description },
  );

const int = (minimum: number, maximum: number, def: number, description: string) =>
  Type.Integer({ minimum, maximum, default: def, description });

/** The ways a NAS can carry the second factor (docs/protocol.md P6). */
/** Issue 12: every text setting is bounded, so no setting can make a reply or a log line unbounded. */
const CHALLENGE_TEXT_MAX = 500;
/** User, group, client and attribute names: RADIUS carries at most 253 octets in one attribute. */
const NAME_MAX = 253;
/** DNs, filters, URLs and file paths. */
const TEXT_MAX = 1024;
const LIST_MAX = 10_000;

export const SECOND_FACTOR_MODES = ['challenge', 'concat', 'otp-only', 'auto'] as const;
export type SecondFactorMode = (typeof SECOND_FACTOR_MODES)[number];

/** A calendar date, `YYYY-MM-DD` (UTC): grace periods end at its first instant. */
const GRACE_DATE = '^(\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01]))?$';

const ModeOverride = Type.Object(
  {
    mode: Type.Optional(Type.Union(SECOND_FACTOR_MODES.map((v) => Type.Literal(v)))),
    exempt: Type.Optional(Type.Boolean()),
    graceUntil: Type.Optional(Type.String({ pattern: GRACE_DATE, maxLength: 10 })),
    graceLogins: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    enrollAtLogin: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const SecondFactorSchema = Type.Object(
  {
    mode: choice(
      SECOND_FACTOR_MODES,
      'challenge',
      '`challenge`: password first, then Access-Challenge for the code; `concat`: the password immediately ' +
        'followed by the code in one User-Password (for a NAS that cannot answer a challenge); `otp-only`: ' +
        'User-Password is the code alone; `auto`: after the password a push is sent at once and the request held ' +
        'until the user answers (docs/protocol.md P6, for a NAS that cannot answer a challenge; users without an ' +
        'authenticator, and pushes that need number matching, get the `challenge` flow). Per client or group in ' +
        '`secondFactor.clients` / ' +
        '`secondFactor.groups`.',
    ),
    requireForAll: Type.Boolean({
      default: false,
      description:
        'Refuse users who hold no token (SECOND_FACTOR_MISSING) instead of letting them in on the password alone.',
    }),
    graceUntil: Type.String({
      pattern: GRACE_DATE,
      maxLength: 10,
      default: '',
      description:
        'With `requireForAll`: until this date (`YYYY-MM-DD`, UTC), a user without a second factor still logs in on ' +
        'the first factor, and each such Access-Accept carries `graceReminder`. Per group too ' +
        "(`secondFactor.groups.<name>.graceUntil`; the latest date of the user's groups and this one wins). " +
        'Empty: no grace period.',
    }),
    graceLogins: int(
      0,
      10_000,
      0,
      'With `requireForAll`: sign-ins a user without a second factor may still make on the first factor alone, ' +
        'each with `graceReminder` (with `graceUntil` too, whichever ends first). Per group too ' +
        '(`secondFactor.groups.<name>.graceLogins`; the largest applies). 0: no such allowance.',
    ),
    graceReminder: Type.String({
      minLength: 1,
      // RFC 2865 §5.18: one Reply-Message attribute; the date adds 10 characters.
      maxLength: 200,
      default: 'Two-step sign-in is required from {date}: set up an authenticator before then',
      description:
        'Reply-Message of an Access-Accept given in a grace period that has a date; `{date}` is replaced by it, ' +
        '`{left}` by the sign-ins left when `graceLogins` is set too.',
    }),
    graceLoginsReminder: Type.String({
      minLength: 1,
      maxLength: 200,
      default: 'Two-step sign-in is required after {left} more sign-ins: set up an authenticator now',
      description:
        'Reply-Message of a grace Access-Accept counted by `graceLogins` alone; `{left}`: sign-ins left.',
    }),
    enrollAtLogin: Type.Boolean({
      default: false,
      description:
        'A user who passed the first factor and holds no second factor (and whose grace period, if any, is over) ' +
        'gets an Access-Challenge naming a short link whose page enrolls the web authenticator or shows a TOTP key; ' +
        'answering it after enrolling sends the first push, or (with the TOTP key) the first code stores the token ' +
        '(docs/self-service.md). Needs push on. Per client or group too ' +
        '(`secondFactor.clients.<name>.enrollAtLogin`, `secondFactor.groups.<name>.enrollAtLogin`; a group set to ' +
        'false forbids it for its members).',
    }),
    enrollmentCodeMinutes: int(
      1,
      60,
      10,
      'How long the link of enrollment at login works; a TOTP key chosen on its page waits as long for its first code.',
    ),
    enrollmentText: Type.String({
      minLength: 1,
      maxLength: CHALLENGE_TEXT_MAX,
      default:
        'Set up two-step sign-in: open {url} on your phone, then press Enter or type the code of your app',
      description: 'Challenge text of enrollment at login; `{url}` is the link. No leading `+`: no push yet.',
    }),
    enrollmentPendingText: Type.String({
      minLength: 1,
      maxLength: CHALLENGE_TEXT_MAX,
      default:
        'Not set up yet: open {url} on your phone first, then press Enter or type the code of your app',
      description: 'Challenge text when the answer comes before the authenticator was enrolled.',
    }),
    enrollmentTotpText: Type.String({
      minLength: 1,
      maxLength: CHALLENGE_TEXT_MAX,
      default: 'Type the code your authenticator app shows',
      description:
        "Challenge text of enrollment at login once a TOTP key was chosen on the link's page, after an empty or " +
        'wrong answer; `{url}` is the link.',
    }),
    pushChallengeText: Type.String({
      minLength: 1,
      // Issue 12: a reply must fit RFC 2865 §3's 4096 octets; 500 characters are at most 2000 UTF-8 octets.
      maxLength: CHALLENGE_TEXT_MAX,
      default: '+Enter token code or no code to send a notification to your mobile app',
      description:
        'Challenge text for a user with a push device. The leading `+` tells a FortiGate push is offered. ' +
        'At most 500 characters; over 253 octets it is sent as several Reply-Message attributes (RFC 2865 §5.18).',
    }),
    codeChallengeText: Type.String({
      minLength: 1,
      maxLength: CHALLENGE_TEXT_MAX,
      default: 'Enter token code',
      description: 'Challenge text for a user without a push device. At most 500 characters.',
    }),
    challengeSeconds: int(
      10,
      600,
      120,
      'Life of a State issued with an Access-Challenge (docs/security.md A4.2).',
    ),
    maxCodeAttempts: int(
      1,
      10,
      3,
      'Codes that may be typed against one State; a wrong code before the last re-challenges (A4.4).',
    ),
    totpWindow: int(0, 10, 1, 'TOTP steps accepted either side of the token clock (A6.1).'),
    hotpLookAhead: int(0, 20, 3, 'HOTP counters accepted after the last used one (A6.3).'),
    lockoutFailures: int(
      1,
      100,
      10,
      'Consecutive wrong codes that lock a token and the account (A6.5). Wrong passwords are slowed by the reject delay, not counted, so nobody can lock a user out by name alone.',
    ),
    lockoutSeconds: int(
      1,
      86400,
      300,
      'How long a lock lasts; each further lock of the same account doubles it, up to 24 h (A6.5).',
    ),
    exemptUsers: Type.Array(Type.String({ minLength: 1, maxLength: NAME_MAX }), {
      maxItems: LIST_MAX,
      default: [],
      description: 'Users let in on the first factor alone even when they hold a token.',
    }),
    exemptGroups: Type.Array(Type.String({ minLength: 1, maxLength: NAME_MAX }), {
      maxItems: LIST_MAX,
      default: [],
      description: 'Groups whose members are let in on the first factor alone.',
    }),
    clients: Type.Record(Type.String({ maxLength: NAME_MAX }), ModeOverride, {
      default: {},
      description:
        'Per RADIUS client (by name): `mode` and `exempt` (the whole client needs no second factor). YAML only.',
    }),
    groups: Type.Record(Type.String({ maxLength: NAME_MAX }), ModeOverride, {
      default: {},
      description:
        'Per group: `mode` and `exempt`. A client setting wins over a group setting; groups come from the local ' +
        'user record. YAML only.',
    }),
  },
  { default: {}, additionalProperties: false, description: 'Second factor policy (docs/protocol.md P1–P6).' },
);

const AttributeValue = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: NAME_MAX }),
    // RFC 2865 §5: an attribute value is at most 253 octets.
    value: Type.Union([Type.String({ maxLength: 253 }), Type.Integer()]),
  },
  { additionalProperties: false },
);

export const ReplyAttributesSchema = Type.Record(
  Type.String({ maxLength: NAME_MAX }),
  Type.Array(AttributeValue, { maxItems: 50 }),
  {
    default: {},
    description:
      'Group name → attributes put in the Access-Accept of its members (any dictionary attribute, repeated names ' +
      'allowed), e.g. `vpn-users: [{name: Fortinet-Group-Name, value: vpn}]`. The group `*` applies to everyone. ' +
      'YAML only.',
  },
);

const LdapDirectory = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: TEXT_MAX,
      description: '`ldap://host:389` or `ldaps://host:636`.',
    }),
    startTls: Type.Boolean({ default: false }),
    tlsCaFile: Type.String({ default: '', maxLength: TEXT_MAX }),
    bindDnTemplate: Type.String({ default: '', maxLength: TEXT_MAX }),
    serviceDn: Type.String({ default: '', maxLength: TEXT_MAX }),
    servicePasswordFile: Type.String({ default: '', maxLength: TEXT_MAX }),
    searchBase: Type.String({ default: '', maxLength: TEXT_MAX }),
    searchFilter: Type.String({ default: '(uid={user})', maxLength: TEXT_MAX }),
    nameAttribute: Type.String({ default: '', maxLength: TEXT_MAX }),
    groups: Type.Union([Type.Literal('none'), Type.Literal('memberOf'), Type.Literal('search')], {
      default: 'memberOf',
    }),
    groupAttribute: Type.String({ default: 'memberOf', maxLength: TEXT_MAX }),
    groupSearchBase: Type.String({ default: '', maxLength: TEXT_MAX }),
    groupFilter: Type.String({ default: '(member={dn})', maxLength: TEXT_MAX }),
    groupNameAttribute: Type.String({ default: 'cn', maxLength: TEXT_MAX }),
    disabledCheck: Type.Union(
      [Type.Literal('none'), Type.Literal('userAccountControl'), Type.Literal('attribute')],
      { default: 'none' },
    ),
    disabledAttribute: Type.String({ default: '', maxLength: TEXT_MAX }),
    disabledValue: Type.String({ default: '', maxLength: TEXT_MAX }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 60000, default: 5000 }),
    poolSize: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
  },
  { additionalProperties: false },
);

export const DirectoriesSchema = Type.Record(
  Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  LdapDirectory,
  {
    default: {},
    description:
      'Named LDAP / Active Directory first-factor sources (docs/ldap.md lists every key). YAML only.',
  },
);

export const RealmsSchema = Type.Object(
  {
    default: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 20,
      default: ['local'],
      description:
        'Sources tried in order for a name without a realm: `local` (users in the database) or a directory name.',
    }),
    map: Type.Record(
      Type.String({ maxLength: NAME_MAX }),
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 }),
      {
        default: {},
        description:
          'Realm (case-insensitive) → sources, for `user@realm` and `REALM\\user`. An unknown realm is rejected. ' +
          'YAML only.',
      },
    ),
  },
  {
    default: {},
    additionalProperties: false,
    description: 'Which first-factor source checks a user name (docs/ldap.md).',
  },
);
