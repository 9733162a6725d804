// Owns starting the user portal and moving between its screens: asks the server for the session, shows the screen
// the session allows at the URL's fragment (navigation.ts), and notices a session that ended by itself.

import { showAddApp } from './add-app-screen.js';
import { showAddPhone } from './add-phone-screen.js';
import { type Problem, portalApi, type Session } from './api.js';
import { showBackupCodes } from './backup-codes-screen.js';
import type { Portal } from './context.js';
import { showDevices } from './devices-screen.js';
import { renderFrame } from './layout.js';
import { showLoadFailed } from './load-failed-screen.js';
import { PATHS, type Screen, screenFor } from './navigation.js';
import { showSecondFactor } from './second-factor-screen.js';
import { showSessionEnded, showSignedOut } from './session-end-screens.js';
import { showSignIn } from './sign-in-screen.js';
import { showSignIns } from './sign-ins-screen.js';

/** The second-factor stage lasts at most this long on the server (docs/self-service.md). */
const SECOND_FACTOR_MS = 5 * 60_000;
/** Asked this long after the server's deadline, so the answer is sure to be "ended". */
const MARGIN_MS = 2_000;

let session: Session = { state: 'signed-out' };
/** The screen on show; `ended` while the session-ended screen is up (one 401 is enough to show it). */
let current: Screen | 'ended' | 'signed-out' | undefined;
let expiry: ReturnType<typeof setTimeout> | undefined;

const api = portalApi({
  csrf: () => (session.state === 'signed-out' ? undefined : session.csrf),
  onSignedOut: (problem) => ended(problem),
  onActivity: () => watchExpiry(),
});

const portal: Portal = {
  api,
  enter(next) {
    session = next;
    if (
      next.state === 'signed-in' &&
      screenFor(next, location.hash) === 'devices' &&
      location.hash !== PATHS.devices
    )
      history.replaceState(null, '', PATHS.devices);
    render();
  },
  async signOut(again = false) {
    const answer = await api.signOut();
    if (!answer.ok && answer.problem.code !== 'signed_out') {
      showLoadFailed(answer.problem, () => void portal.signOut(again));
      return;
    }
    session = { state: 'signed-out' };
    clearTimeout(expiry);
    history.replaceState(null, '', location.pathname);
    if (again) return signInAgain();
    current = 'signed-out';
    renderFrame(session, 'sign-in', noop);
    showSignedOut(() => signInAgain());
  },
};

function noop(): void {}

function signInAgain(): void {
  current = 'sign-in';
  renderFrame(session, 'sign-in', noop);
  showSignIn(portal);
}

/** A 401 signed_out from any request, or the expiry check: the session-ended screen, once. */
function ended(problem: Problem): void {
  clearTimeout(expiry);
  session = { state: 'signed-out' };
  if (current === 'ended') return;
  current = 'ended';
  renderFrame(session, 'ended', noop);
  showSessionEnded(problem.message, () => signInAgain());
}

/**
 * The server ends an idle session without telling the page: after its deadline (idle, absolute or the
 * second-factor stage, whichever comes first) the page asks, and shows the session-ended screen rather than
 * waiting for the user's next click to fail.
 */
function watchExpiry(): void {
  clearTimeout(expiry);
  if (session.state === 'signed-out') return;
  const now = Date.now();
  const deadline =
    session.state === 'signed-in'
      ? Math.min(
          now + session.idleMinutes * 60_000,
          Date.parse(session.expiresAt) || Number.POSITIVE_INFINITY,
        )
      : now + SECOND_FACTOR_MS;
  expiry = setTimeout(
    () => {
      void api.session().then((answer) => {
        if (answer.ok && answer.value.state === 'signed-out')
          ended({ code: 'signed_out', message: 'Your session ended; sign in again.', status: 401 });
      });
    },
    Math.max(0, deadline - now) + MARGIN_MS,
  );
}

/** Shows the screen for the session at the current fragment. */
function render(): void {
  const screen = screenFor(session, location.hash);
  current = screen;
  renderFrame(session, screen, () => void portal.signOut());
  watchExpiry();
  if (session.state === 'signed-out') showSignIn(portal);
  else if (session.state === 'second-factor') showSecondFactor(portal, session);
  else if (screen === 'add-phone') showAddPhone(portal);
  else if (screen === 'add-app') showAddApp(portal);
  else if (screen === 'backup-codes') void showBackupCodes(portal);
  else if (screen === 'sign-ins') void showSignIns(portal);
  else void showDevices(portal, session);
}

async function load(): Promise<void> {
  const answer = await api.session();
  if (!answer.ok) {
    showLoadFailed(answer.problem, () => void load());
    return;
  }
  portal.enter(answer.value);
}

function start(): Promise<void> {
  // The skip link targets #main; with routes in the fragment, following it would leave the screen.
  document.querySelector('.skip')?.addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main')?.focus();
  });
  window.addEventListener('hashchange', () => {
    // Signing in has no routes: a changed fragment waits for the session that may show it.
    if (session.state === 'signed-in') render();
  });
  return load();
}

void start();
