// Owns the settings of the user portal (issue 18): sign-in history now; its sessions and rules join here later.
import { Type } from 'typebox';

export const PortalSchema = Type.Object(
  {
    signInHistoryDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 90,
      description:
        'Days each user\'s sign-ins are kept (docs/self-service.md "Sign-in history"); older ones are deleted ' +
        'once an hour. Every final RADIUS and REST API login outcome of an existing user is kept (time, client, ' +
        "the user's address, result, how).",
    }),
  },
  {
    default: {},
    additionalProperties: false,
    description: 'The user portal and what it shows users about their account (docs/self-service.md).',
  },
);
