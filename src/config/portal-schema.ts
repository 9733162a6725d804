// Owns the settings of the user portal (`/my/` on the public listener, docs/self-service.md) and its sign-in history.
import { Type } from 'typebox';

export const PortalSchema = Type.Object(
  {
    enabled: Type.Boolean({
      default: true,
      description:
        'Serve the user portal at `/my/` on the public listener (docs/self-service.md): users sign in with both ' +
        'factors and manage their own devices, tokens and backup codes. The public listener is opened for it ' +
        'even when push is off.',
    }),
    idleMinutes: Type.Integer({
      minimum: 1,
      maximum: 240,
      default: 15,
      description: 'A portal session unused this long ends; the user signs in again (docs/security.md A12).',
    }),
    sessionMinutes: Type.Integer({
      minimum: 5,
      maximum: 1440,
      default: 480,
      description: 'A portal session ends this long after sign-in, however busy (absolute timeout).',
    }),
    allowRemovingLast: Type.Boolean({
      default: false,
      description:
        'Let users remove their last push device or OTP token in the portal (backup codes do not count). Off: ' +
        'the portal refuses it, so nobody locks themselves out by mistake; an administrator still can.',
    }),
    passwordOnlyEnrollment: Type.Boolean({
      default: true,
      description:
        'A user holding no second factor may sign in to the portal on the password alone, to enrol their first ' +
        'device (nothing else). A group with `secondFactor.groups.<name>.enrollAtLogin: false` forbids it for ' +
        'its members. Off: such users cannot sign in to the portal; an administrator enrols them.',
    }),
    signInHistoryDays: Type.Integer({
      minimum: 0,
      maximum: 3650,
      default: 90,
      description:
        'Days each user\'s sign-ins are kept for the portal\'s "last sign-ins" and `GET /api/v2/users/{name}/sign-ins` ' +
        '(docs/self-service.md "Sign-in history"); older ones are deleted once an hour. Every final RADIUS, REST API ' +
        "and portal login outcome of an existing user is kept (time, client, the user's address, result, how). " +
        '0: no history is recorded (each login then costs a few microseconds less, docs/performance.md).',
    }),
  },
  {
    default: {},
    additionalProperties: false,
    description: 'The user portal at `/my/` (docs/self-service.md).',
  },
);
