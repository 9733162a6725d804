// Owns the first screen: the user's name and password (the first factor). The answer is the second-factor stage,
// or a password-only session that may only set up a second factor (enrollOnly).
import { actions, announce, h, show } from '../authenticator/ui.js';
import { type Portal, report } from './context.js';

/** The sign-in form. */
export function showSignIn(portal: Portal): void {
  const name = h('input', {
    id: 'username',
    name: 'username',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
  });
  const password = h('input', {
    id: 'password',
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const status = h('p', { class: 'form-status danger', role: 'alert' });
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'username' }, 'Name'), name),
    h('div', { class: 'field' }, h('label', { for: 'password' }, 'Password'), password),
    status,
    actions(submit),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (name.value.trim() === '' || password.value === '') {
      status.textContent = 'Type your name and your password.';
      (name.value.trim() === '' ? name : password).focus();
      return;
    }
    submit.disabled = true;
    status.textContent = '';
    announce('Signing in');
    void portal.api.signIn(name.value.trim(), password.value).then((answer) => {
      submit.disabled = false;
      if (answer.ok) {
        portal.enter(answer.value);
        return;
      }
      password.value = '';
      password.setAttribute('aria-invalid', 'true');
      if (report(status, answer.problem, 'Signing in did not work. Try again.')) password.focus();
    });
  });
  show(
    'Sign in',
    h(
      'section',
      { class: 'sign-in-screen', 'aria-labelledby': 'sign-in-title' },
      h('h1', { id: 'sign-in-title' }, 'Sign in to your account'),
      h(
        'p',
        { class: 'muted' },
        'See and change how you sign in: your phones, authenticator apps and backup codes.',
      ),
      form,
    ),
  );
}
