// Owns the second step of signing in: approve on the phone (push, with the number to type when the server asks
// for one) or type a code from an app or a backup code; each way that fails says so and leaves the other open.
import { actions, announce, h, onLeave, show } from '../authenticator/ui.js';
import type { SecondFactor } from './api.js';
import { type Portal, report } from './context.js';
import { readCode } from './format.js';
import { pushProblemText, waitForPush } from './push-wait.js';

/** A sentence shown above the choices: why the user is back here (a push that did not go through). */
export interface Notice {
  readonly text: string;
}

function codeForm(portal: Portal, alone: boolean): HTMLFormElement {
  const input = h('input', {
    id: 'code',
    name: 'code',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    maxlength: 14,
    'aria-describedby': 'code-hint',
  });
  const status = h('p', { class: 'form-status danger', role: 'alert' });
  const submit = h('button', { class: alone ? 'primary' : '', type: 'submit' }, 'Verify');
  const form = h(
    'form',
    { class: 'code-form', novalidate: true, 'aria-labelledby': 'code-title' },
    h('h2', { id: 'code-title' }, alone ? 'Type a code' : 'Or type a code'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'code' }, 'Code'),
      input,
      h(
        'p',
        { id: 'code-hint', class: 'muted hint' },
        'The code your authenticator app shows (6 to 8 digits). ',
        h('strong', {}, 'Lost your phone? Use a backup code'),
        ' (10 digits).',
      ),
    ),
    status,
    actions(submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = readCode(input.value);
    if (!typed.ok) {
      status.textContent = typed.message;
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    submit.disabled = true;
    status.textContent = '';
    announce('Checking the code');
    void portal.api.code(typed.digits).then((answer) => {
      submit.disabled = false;
      if (answer.ok) {
        portal.enter(answer.value);
        return;
      }
      input.value = '';
      input.setAttribute('aria-invalid', 'true');
      const wrong = answer.problem.code === 'code_wrong';
      const shown = report(
        status,
        wrong
          ? { ...answer.problem, message: answer.problem.message || 'That code is not right.' }
          : answer.problem,
      );
      if (shown) input.focus();
    });
  });
  return form;
}

/** The choice of second factor for `session` (its `methods`). */
export function showSecondFactor(portal: Portal, session: SecondFactor, notice?: Notice): void {
  const push = session.methods.includes('push');
  const code = session.methods.includes('code');
  show(
    'Confirm it is you',
    h(
      'section',
      { class: 'second-factor', 'aria-labelledby': 'second-factor-title' },
      h('h1', { id: 'second-factor-title' }, "Confirm it's you"),
      h('p', { class: 'muted' }, `Your password is right, ${session.user}. One more step:`),
      notice === undefined ? false : h('p', { class: 'notice error', role: 'alert' }, notice.text),
      push
        ? h(
            'section',
            { class: 'choice-push', 'aria-labelledby': 'push-title' },
            h('h2', { id: 'push-title' }, 'Approve on your phone'),
            h('p', {}, 'A request goes to your phones. Open it and approve.'),
            actions(
              h(
                'button',
                { class: 'primary', type: 'button', onclick: () => void sendPush(portal, session) },
                'Send a request to my phone',
              ),
            ),
          )
        : false,
      code ? codeForm(portal, !push) : false,
      !push && !code
        ? h('p', {}, 'No second factor of yours can be used here. Ask your administrator.')
        : false,
      h(
        'p',
        { class: 'start-over' },
        h(
          'button',
          { type: 'button', class: 'link', onclick: () => void portal.signOut(true) },
          'Start over',
        ),
      ),
    ),
  );
}

/** Sends the push, then shows "Check your phone" while waiting for the answer. */
async function sendPush(portal: Portal, session: SecondFactor): Promise<void> {
  announce('Sending the request');
  const started = await portal.api.startPush();
  if (!started.ok) {
    if (started.problem.code !== 'signed_out')
      showSecondFactor(portal, session, { text: pushProblemText(started.problem) });
    return;
  }
  const { number } = started.value;
  const stop = new AbortController();
  const back = () => {
    stop.abort();
    showSecondFactor(portal, session);
  };
  show(
    'Check your phone',
    h(
      'section',
      { class: 'check-phone', 'aria-labelledby': 'check-title' },
      h('h1', { id: 'check-title' }, 'Check your phone'),
      number === null
        ? h('p', {}, 'Open the sign-in request on your phone and approve it.')
        : h(
            'div',
            { class: 'match' },
            h('p', { id: 'match-label' }, 'Approve the request on your phone and type this number there:'),
            h('p', { class: 'match-number', 'aria-describedby': 'match-label' }, number),
          ),
      h(
        'p',
        { class: 'waiting muted' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        'Waiting for your answer…',
      ),
      actions(
        h(
          'button',
          { type: 'button', onclick: back },
          session.methods.includes('code') ? 'Use a code instead' : 'Cancel',
        ),
      ),
    ),
  );
  onLeave(() => stop.abort());
  const step = await waitForPush(portal.api, stop.signal);
  if (step.kind === 'signed-in') portal.enter(step.session);
  else if (step.kind === 'refused' && step.problem.code !== 'signed_out')
    showSecondFactor(portal, session, { text: pushProblemText(step.problem) });
}
