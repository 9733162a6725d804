// Owns the list of SQLite migrations in order; listed explicitly so nothing depends on scanning the folder.
import type { Migration } from '../migration.js';
import { migration0001 } from './0001-users-and-clients.js';
import { migration0002 } from './0002-tokens.js';
import { migration0003 } from './0003-account-lockouts.js';
import { migration0004 } from './0004-push-devices.js';
import { migration0005 } from './0005-server-secrets.js';
import { migration0006 } from './0006-api-keys.js';
import { migration0007 } from './0007-grace-logins.js';
import { migration0008 } from './0008-user-grace.js';
import { migration0009 } from './0009-sign-ins.js';
import { migration0010 } from './0010-change-feed.js';
import { migration0011 } from './0011-shared-logins.js';
import { migration0012 } from './0012-challenge-indexes.js';
import { migration0013 } from './0013-challenge-sessions-unlogged.js';
import { migration0014 } from './0014-push-streaks.js';
import { migration0015 } from './0015-token-holder-keys.js';
import { migration0016 } from './0016-api-transactions.js';
import { migration0017 } from './0017-portal-sessions.js';
import { migration0018 } from './0018-pending-totps.js';
import { migration0019 } from './0019-enrollment-links.js';
import { migration0020 } from './0020-tokens-fillfactor.js';

/** Every migration the code knows, by ascending number. The last number is the code's schema version. */
export const ALL_MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
  migration0011,
  migration0012,
  migration0013,
  migration0014,
  migration0015,
  migration0016,
  migration0017,
  migration0018,
  migration0019,
  migration0020,
];
