// Owns the screens without a session: it ended (idle or absolute timeout, too many wrong codes), the user signed
// out. Each says what happened and offers the one way on.
import { actions, h, show } from '../authenticator/ui.js';

const ENDED = 'Your session ended; sign in again.';

/** A 401 `signed_out` on any request: why (when the server says more than the heading), and signing in again. */
export function showSessionEnded(message: string, signInAgain: () => void): void {
  // The server's usual sentence repeats the heading; any other (too many wrong codes …) is worth showing.
  const why = message === '' || message === ENDED ? '' : message;
  show(
    'Session ended',
    h(
      'section',
      { class: 'ended', 'data-screen': 'session-ended', 'aria-labelledby': 'ended-title' },
      h('div', { class: 'problem-icon', 'aria-hidden': 'true' }, '!'),
      h('h1', { id: 'ended-title' }, 'Your session ended'),
      why === '' ? false : h('p', {}, why),
      h('p', {}, 'Sign in again to go on. A change you were making when it ended was not made.'),
      h(
        'p',
        { class: 'muted' },
        'A session ends after some minutes without use, after a few hours in all, and after too many wrong codes.',
      ),
      actions(h('button', { class: 'primary', type: 'button', onclick: signInAgain }, 'Sign in again')),
    ),
  );
}

/** After Sign out. */
export function showSignedOut(signInAgain: () => void): void {
  show(
    'Signed out',
    h(
      'section',
      { class: 'ended', 'data-screen': 'signed-out', 'aria-labelledby': 'signed-out-title' },
      h('h1', { id: 'signed-out-title' }, 'You are signed out'),
      h('p', {}, 'You can close this page now.'),
      actions(h('button', { class: 'primary', type: 'button', onclick: signInAgain }, 'Sign in again')),
    ),
  );
}
