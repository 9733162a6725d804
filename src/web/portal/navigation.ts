// Owns which screen the portal shows: a pure function of the session and the URL fragment, so a reload, the back
// button and a session that ends elsewhere all land on the screen the session allows (tested in Node).
import type { Session } from './api.js';

export type Screen =
  | 'sign-in'
  | 'second-factor'
  | 'devices'
  | 'add-phone'
  | 'add-app'
  | 'backup-codes'
  | 'sign-ins';

/** The fragment of each signed-in screen (`/my/#/devices` …); the server serves index.html for `/my/` only. */
export const PATHS = {
  devices: '#/devices',
  'add-phone': '#/add/phone',
  'add-app': '#/add/app',
  'backup-codes': '#/backup-codes',
  'sign-ins': '#/sign-ins',
} as const satisfies Partial<Record<Screen, string>>;

type SignedInScreen = keyof typeof PATHS;

const BY_PATH = new Map<string, SignedInScreen>(
  Object.entries(PATHS).map(([screen, path]) => [path, screen as SignedInScreen]),
);

/** Screens a password-only session (enrollOnly) may see: adding a second factor, nothing else. */
const ENROLL_ONLY: ReadonlySet<SignedInScreen> = new Set(['devices', 'add-phone', 'add-app', 'backup-codes']);

/**
 * The screen for `session` at `hash`: signing in until both factors passed; then the fragment's screen, or the
 * devices for an unknown fragment or one the session may not see.
 */
export function screenFor(session: Session, hash: string): Screen {
  if (session.state === 'signed-out') return 'sign-in';
  if (session.state === 'second-factor') return 'second-factor';
  const wanted = BY_PATH.get(hash.replace(/\/$/, ''));
  if (wanted === undefined) return 'devices';
  if (session.enrollOnly && !ENROLL_ONLY.has(wanted)) return 'devices';
  return wanted;
}

/** The navigation links a session has, in order, with the screen each is "current" for. */
export function navigationFor(
  session: Session,
): readonly { readonly label: string; readonly href: string; readonly screens: readonly Screen[] }[] {
  if (session.state !== 'signed-in') return [];
  return [
    { label: 'Devices', href: PATHS.devices, screens: ['devices', 'add-phone', 'add-app'] },
    { label: 'Backup codes', href: PATHS['backup-codes'], screens: ['backup-codes'] },
    ...(session.enrollOnly
      ? []
      : [{ label: 'Sign-ins', href: PATHS['sign-ins'], screens: ['sign-ins'] as Screen[] }]),
  ];
}
