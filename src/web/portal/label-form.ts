// Owns the first step of adding a device (a phone or an app): an optional name, checked here as the server checks
// it, then one request whose answer opens the next screen.
import { actions, h } from '../authenticator/ui.js';
import type { Answer } from './api.js';
import { report } from './context.js';
import { readLabel } from './format.js';
import { PATHS } from './navigation.js';

export interface LabelFormOptions<T> {
  /** The input's id (its hint is `<id>-hint`). */
  readonly id: string;
  readonly label: string;
  readonly hint: string;
  readonly submit: string;
  /** Sends the name (undefined: none given) to the server. */
  readonly send: (label: string | undefined) => Promise<Answer<T>>;
  /** Opens the next screen with the server's answer. */
  readonly next: (value: T) => void;
}

export function labelForm<T>(options: LabelFormOptions<T>): HTMLFormElement {
  const hintId = `${options.id}-hint`;
  const label = h('input', {
    id: options.id,
    maxlength: 64,
    autocomplete: 'off',
    'aria-describedby': hintId,
  });
  const status = h('p', { class: 'form-status danger', role: 'alert' });
  const submit = h('button', { class: 'primary', type: 'submit' }, options.submit);
  const form = h(
    'form',
    { novalidate: true },
    h(
      'div',
      { class: 'field' },
      h('label', { for: options.id }, options.label),
      label,
      h('p', { id: hintId, class: 'muted hint' }, options.hint),
    ),
    status,
    actions(submit, h('a', { class: 'button', href: PATHS.devices }, 'Cancel')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const named = label.value.trim() === '' ? undefined : readLabel(label.value);
    if (named !== undefined && !named.ok) {
      status.textContent = named.message;
      label.focus();
      return;
    }
    submit.disabled = true;
    void options.send(named?.label).then((answer) => {
      submit.disabled = false;
      if (answer.ok) options.next(answer.value);
      else report(status, answer.problem);
    });
  });
  return form;
}
