// Owns adding an authenticator app (TOTP, RFC 6238): the server makes the secret and keeps it pending; the page
// shows it as an otpauth:// QR code and as text, and the first code the app shows confirms it (nothing is stored
// before a code matched, so a scan that went wrong leaves nothing behind).
import { actions, announce, h, show } from '../authenticator/ui.js';
import type { PendingApp } from './api.js';
import { type Portal, report } from './context.js';
import { groupedSecret, readCode } from './format.js';
import { labelForm } from './label-form.js';
import { PATHS } from './navigation.js';
import { qrImage } from './qr-image.js';

/** The first step: a name for the app's entry, then the QR code. */
export function showAddApp(portal: Portal): void {
  const form = labelForm({
    id: 'app-label',
    label: 'Name',
    hint: 'Optional, for example “Aegis on my phone”.',
    submit: 'Show the QR code',
    send: (label) => portal.api.addApp(label),
    next: (value) => showScan(portal, value),
  });
  show(
    'Add an authenticator app',
    h(
      'section',
      { class: 'add-app', 'aria-labelledby': 'add-app-title' },
      h('h1', { id: 'add-app-title' }, 'Add an authenticator app'),
      h(
        'p',
        {},
        'Any app that shows six-digit codes that change every 30 seconds works: Google Authenticator, Microsoft ' +
          'Authenticator, Aegis, FreeOTP, 1Password and others.',
      ),
      form,
    ),
  );
}

function showScan(portal: Portal, pending: PendingApp): void {
  const code = h('input', {
    id: 'first-code',
    inputmode: 'numeric',
    autocomplete: 'one-time-code',
    maxlength: 10,
  });
  const status = h('p', { class: 'form-status danger', role: 'alert' });
  const submit = h('button', { class: 'primary', type: 'submit' }, 'Confirm');
  const form = h(
    'form',
    { novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'first-code' }, 'The code the app shows now'), code),
    status,
    actions(submit, h('a', { class: 'button', href: PATHS.devices }, 'Cancel')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const typed = readCode(code.value);
    if (!typed.ok || typed.kind !== 'otp') {
      status.textContent = 'Type the 6-digit code the app shows for this account.';
      code.focus();
      return;
    }
    submit.disabled = true;
    void portal.api.confirmApp(pending.pendingId, typed.digits).then((answer) => {
      submit.disabled = false;
      if (answer.ok) {
        announce('Authenticator app added');
        showAdded(answer.value.device.label);
        return;
      }
      code.value = '';
      code.setAttribute('aria-invalid', 'true');
      const problem = answer.problem;
      if (problem.code === 'not_found') {
        status.replaceChildren(
          'This setup has expired: the app was not added. ',
          h('button', { type: 'button', class: 'link', onclick: () => showAddApp(portal) }, 'Start again'),
        );
        return;
      }
      const message =
        problem.code === 'code_wrong'
          ? problem.message ||
            "That code is not right. Check that the phone's clock is right, and type the code the app shows now."
          : problem.message;
      if (report(status, { ...problem, message })) code.focus();
    });
  });
  show(
    'Scan this with the app',
    h(
      'section',
      { class: 'app-scan', 'aria-labelledby': 'app-scan-title' },
      h('h1', { id: 'app-scan-title' }, 'Scan this with the app'),
      h('p', {}, 'In the app, choose to add an account and scan this QR code.'),
      h('figure', { class: 'qr-box' }, qrImage(pending.qrSvg, 'QR code for the authenticator app')),
      h('p', { id: 'secret-label' }, 'Or type this key into the app (time-based):'),
      h(
        'p',
        { class: 'secret', 'aria-labelledby': 'secret-label' },
        h('code', {}, groupedSecret(pending.secret)),
      ),
      h('p', { class: 'muted' }, 'Keep this key to yourself: anyone with it can make your codes.'),
      form,
    ),
  );
}

function showAdded(label: string): void {
  show(
    'Authenticator app added',
    h(
      'section',
      { class: 'outcome approve', 'aria-labelledby': 'app-added-title' },
      h('div', { class: 'outcome-icon', 'aria-hidden': 'true' }, '✓'),
      h('h1', { id: 'app-added-title' }, 'Authenticator app added'),
      h('p', {}, `“${label}” is ready: sign in with the code it shows.`),
      actions(h('a', { class: 'button primary', href: PATHS.devices }, 'Done')),
    ),
  );
}
