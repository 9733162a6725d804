// Owns the sign-in history: the user's last 20 sign-ins (time in the browser's locale, where, from which address,
// the outcome and how), and "This wasn't me" on an accepted one, which pauses approval requests to the user's
// phones the way the phone's own "This wasn't me" does, and tells the administrator (audit.sign_in_not_me).
import { announce, h, show } from '../authenticator/ui.js';
import type { SignInEntry } from './api.js';
import { type Portal, report } from './context.js';
import { formatTime, formatWhen, outcomeText } from './format.js';
import { showLoadFailed } from './load-failed-screen.js';

function reported(): HTMLElement {
  return h('p', { class: 'badge warn' }, 'Reported as not you');
}

function entryCard(portal: Portal, entry: SignInEntry): HTMLLIElement {
  const when = formatWhen(entry.at);
  const status = h('p', { class: 'form-status', role: 'alert' });
  const tail = h('div', { class: 'actions compact' });
  const card = h(
    'li',
    { class: `card sign-in ${entry.result}`, 'data-sign-in': String(entry.id) },
    h(
      'div',
      { class: 'sign-in-title' },
      h('strong', {}, h('time', { datetime: entry.at }, when)),
      h('span', { class: `badge ${entry.result === 'accepted' ? 'ok' : 'bad'}` }, outcomeText(entry)),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Where'),
      h('dd', {}, entry.client === 'portal' ? 'This portal' : entry.client),
      h('dt', {}, 'From'),
      h('dd', {}, entry.userIp === '' ? 'address not known' : entry.userIp),
    ),
    status,
    tail,
  );
  const ask = () => {
    status.textContent = '';
    const question = h(
      'p',
      { class: 'confirm', id: `not-me-q-${entry.id}` },
      'Report this sign-in? Approval requests to your phones stop for a while, and your administrator is told. ' +
        'Change your password too.',
    );
    const cancel = h('button', { type: 'button', class: 'small', onclick: () => normal(true) }, 'Cancel');
    tail.replaceChildren(
      question,
      h(
        'button',
        { type: 'button', class: 'small danger', 'aria-describedby': question.id, onclick: send },
        'Yes, report it',
      ),
      cancel,
    );
    cancel.focus();
  };
  const send = () => {
    void portal.api.notMe(entry.id).then((answer) => {
      if (!answer.ok) {
        normal(false);
        report(status, answer.problem);
        return;
      }
      const until = formatTime(answer.value.mutedUntil);
      status.className = 'notice';
      status.textContent = `Reported. Approval requests to your phones are paused until ${until}.`;
      tail.replaceChildren(); // the line above says it; the badge shows on the next visit
      announce(status.textContent);
      status.tabIndex = -1;
      status.focus();
    });
  };
  const normal = (focus: boolean) => {
    if (entry.notMe) {
      tail.replaceChildren(reported());
      return;
    }
    if (entry.result !== 'accepted') {
      tail.replaceChildren();
      return;
    }
    const button = h(
      'button',
      {
        type: 'button',
        class: 'small danger',
        'aria-label': `This wasn't me: the sign-in of ${when}`,
        onclick: ask,
      },
      "This wasn't me",
    );
    tail.replaceChildren(button);
    if (focus) button.focus();
  };
  normal(false);
  return card;
}

export async function showSignIns(portal: Portal): Promise<void> {
  const answer = await portal.api.signIns();
  if (!answer.ok) {
    if (answer.problem.code !== 'signed_out') showLoadFailed(answer.problem, () => void showSignIns(portal));
    return;
  }
  const { signIns } = answer.value;
  show(
    'Recent sign-ins',
    h('h1', {}, 'Recent sign-ins'),
    h(
      'p',
      { class: 'muted' },
      'Your last 20 sign-ins, newest first, in your time zone. One you do not recognise? Report it, and change ' +
        'your password.',
    ),
    signIns.length === 0
      ? h('p', {}, 'No sign-ins yet.')
      : h('ul', { class: 'cards sign-ins' }, ...signIns.map((e) => entryCard(portal, e))),
  );
}
