// Owns the settings of push authentication and of the HTTP listeners that serve devices and operators.
import { Type } from 'typebox';

const port = (description: string, def: number) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: def, description });

export const PushSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description: 'Offer push to users with an enrolled authenticator (docs/push.md). Off: codes only.',
    }),
    publicUrl: Type.String({
      default: '',
      maxLength: 200,
      description:
        'The https URL devices reach the public listener at, put in every push request as `reply_to` and in ' +
        'activation links (the NAT or proxy address, like FortiAuthenticator\'s "Public IP/FQDN for FortiToken ' +
        'Mobile"). Empty: https://<this host name>:<http.public.port>, with a warning at start.',
    }),
    serverName: Type.String({
      default: 'Assent',
      minLength: 1,
      maxLength: 64,
      description: 'The name authenticators show for this server.',
    }),
    timeoutSeconds: Type.Integer({
      minimum: 10,
      maximum: 600,
      default: 60,
      description:
        "How long a login waits for the answer; never longer than the client's nasTimeout − 5 s, so the " +
        'Access-Reject reaches the NAS before it gives up (docs/push.md §7).',
    }),
    maxPending: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: 100_000,
      description: 'Logins waiting for a push answer at once; more are refused (PUSH_PENDING is logged).',
    }),
    maxPerUser: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description:
        'Pushes per user in rateWindowSeconds; more are refused as PUSH_RATE_LIMITED (docs/security.md A7.7).',
    }),
    maxPerSource: Type.Integer({
      minimum: 1,
      maximum: 100_000,
      default: 20,
      description:
        'Pushes in rateWindowSeconds for logins from one user address (Calling-Station-Id), whatever users they ' +
        'name; more are refused as PUSH_RATE_LIMITED (docs/security.md A7.7). Raise it when many users share one ' +
        'address (a NAT in front of the VPN).',
    }),
    rateWindowSeconds: Type.Integer({
      minimum: 60,
      maximum: 3600,
      default: 300,
      description: 'The window of maxPerUser.',
    }),
    muteMinutes: Type.Integer({
      minimum: 1,
      maximum: 1440,
      default: 20,
      description: 'How long a "this wasn\'t me" answer mutes pushes to the user (docs/security.md A7.8).',
    }),
    numberMatching: Type.Boolean({
      default: false,
      description:
        'Show a 2-digit number in the challenge text that the user must type on the authenticator; a wrong ' +
        'number is a deny (docs/security.md A7.1). Needs a NAS that shows the Reply-Message.',
    }),
    serviceCaFile: Type.String({
      default: '',
      maxLength: 1024,
      description:
        "PEM certificates to trust, besides the system ones, for push services (a site's own ntfy server behind " +
        'a private CA).',
    }),
    fortiAnswers: Type.Union([Type.Literal('signed'), Type.Literal('code-only'), Type.Literal('off')], {
      default: 'signed',
      description:
        "FortiAuthenticator's answer route `POST /api/v1/pushauthresp/` (docs/push.md §10): `signed` takes it " +
        'with a device signature as well as the current token code; `code-only` takes session id and code ' +
        'alone, as FortiAuthenticator does (weaker: whoever sees the push and a code can approve); `off` refuses it.',
    }),
    vapidSubject: Type.String({
      default: '',
      maxLength: 200,
      description:
        'Contact for push services (RFC 8292 `sub`): a real `mailto:` or `https:` address; Apple refuses ' +
        'placeholders. Empty: no Web Push delivery (ntfy topics, which need no VAPID, still get pushes; other ' +
        'authenticators poll, docs/push.md §6).',
    }),
  },
  { default: {}, additionalProperties: false, description: 'Push authentication (docs/push.md).' },
);

const Listener = (what: string, bind: string, portNumber: number) =>
  Type.Object(
    {
      bind: Type.String({
        default: bind,
        minLength: 1,
        maxLength: 64,
        description: `Address the ${what} listens on.`,
      }),
      port: port(`TCP port of the ${what} (0: any free port).`, portNumber),
    },
    { default: {}, additionalProperties: false },
  );

export const HttpSchema = Type.Object(
  {
    public: Type.Object(
      {
        bind: Type.String({
          maxLength: 1024,
          default: '0.0.0.0',
          minLength: 1,
          description:
            'Address of the public listener (device routes and the user portal, docs/security.md A8.1, A12).',
        }),
        port: port('TCP port of the public listener (FortiAuthenticator uses 4433; 0: any free port).', 4433),
        certFile: Type.String({
          maxLength: 1024,
          default: '',
          description:
            'PEM certificate of the public listener. Empty: `<dataDir>/public-cert.pem`, made at start.',
        }),
        keyFile: Type.String({
          maxLength: 1024,
          default: '',
          description:
            'PEM private key of the public listener. Empty: `<dataDir>/public-key.pem`, made at start.',
        }),
        rateLimitPerSecond: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 50,
          description:
            'Requests a second one source address may make (bursts of twice as many); more get 429. Raise it ' +
            'when many phones reach the listener through one NAT address.',
        }),
      },
      { default: {}, additionalProperties: false, description: 'The listener devices reach (HTTPS).' },
    ),
    admin: Type.Object(
      {
        ...Listener(
          'admin listener (/healthz, /readyz, /metrics and the REST API; plain HTTP, keep it local)',
          '127.0.0.1',
          9180,
        ).properties,
        rateLimitPerSecond: Type.Integer({
          minimum: 1,
          maximum: 100_000,
          default: 200,
          description:
            'REST API requests a second one source address may make (bursts of twice as many); more get 429.',
        }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false, description: 'HTTP listeners (docs/http.md).' },
);

export const ApiSchema = Type.Object(
  {
    directoryPasswords: Type.Boolean({
      default: false,
      description:
        '`POST /api/v1/auth/` also checks passwords of directory (LDAP) users. Off: local users only, as ' +
        'FortiAuthenticator does (docs/api.md).',
    }),
  },
  {
    default: {},
    additionalProperties: false,
    description: 'The REST API on the admin listener (docs/api.md).',
  },
);
