// Owns the screen for data that could not be loaded (the server unreachable, or refusing): the reason, and trying
// again.
import { actions, h, show } from '../authenticator/ui.js';
import type { Problem } from './api.js';

export function showLoadFailed(problem: Problem, retry: () => void): void {
  const title = problem.code === 'network' ? "Can't reach the server" : "Couldn't load this page";
  show(
    title,
    h(
      'section',
      { class: 'problem', 'data-screen': 'load-failed', 'aria-labelledby': 'load-failed-title' },
      h('div', { class: 'problem-icon', 'aria-hidden': 'true' }, '!'),
      h('h1', { id: 'load-failed-title' }, title),
      h('p', {}, problem.message || `The server answered ${problem.status}.`),
      actions(h('button', { class: 'primary', type: 'button', onclick: retry }, 'Try again')),
    ),
  );
}
