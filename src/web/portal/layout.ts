// Owns the portal's frame around each screen: who is signed in, the Sign out button, and the navigation with the
// current page marked (aria-current) for screen readers.
import { h } from '../authenticator/ui.js';
import type { Session } from './api.js';
import { navigationFor, type Screen } from './navigation.js';

/** Fills the header's account area and the navigation for `session` on `screen`. */
export function renderFrame(session: Session, screen: Screen | 'ended', signOut: () => void): void {
  const account = document.getElementById('account')!;
  const nav = document.getElementById('nav')!;
  if (session.state !== 'signed-in') {
    account.replaceChildren();
    nav.replaceChildren();
    nav.hidden = true;
    return;
  }
  account.replaceChildren(
    h('span', { class: 'who', title: 'Signed in as' }, session.user),
    h('button', { type: 'button', class: 'small', id: 'sign-out', onclick: signOut }, 'Sign out'),
  );
  nav.hidden = false;
  nav.replaceChildren(
    h(
      'ul',
      {},
      ...navigationFor(session).map((item) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: item.href,
              'aria-current': screen !== 'ended' && item.screens.includes(screen) ? 'page' : undefined,
            },
            item.label,
          ),
        ),
      ),
    ),
  );
}
