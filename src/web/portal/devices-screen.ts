// Owns the home screen: the user's devices (name, type, added, last used) with rename in place and remove after
// a confirmation (the server refuses to remove the last way to sign in, and the card says so), and the ways to add
// one. A password-only session (enrollOnly) sees the banner that asks for a second factor.
import { actions, announce, h, refreshing, show } from '../authenticator/ui.js';
import type { Device, SignedIn } from './api.js';
import { type Portal, report } from './context.js';
import { deviceTypeName, formatWhen, readLabel } from './format.js';
import { showLoadFailed } from './load-failed-screen.js';
import { PATHS } from './navigation.js';

/** After a change: a line at the top, and which element gets the focus (else that line). */
export interface DevicesNotice {
  readonly text: string;
  readonly focus?: string;
}

function facts(device: Device): HTMLElement {
  // The server keeps no time of use for hardware (HOTP) tokens and backup codes: "Never" would be untrue there.
  const timed = device.type === 'push' || device.type === 'totp' || device.lastUsedAt !== null;
  return h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Added'),
    h('dd', {}, formatWhen(device.createdAt)),
    timed ? h('dt', {}, 'Last used') : false,
    timed ? h('dd', {}, device.lastUsedAt === null ? 'Never' : formatWhen(device.lastUsedAt)) : false,
    device.type === 'backup' && device.unusedCodes !== undefined ? h('dt', {}, 'Codes left') : false,
    device.type === 'backup' && device.unusedCodes !== undefined
      ? h('dd', {}, String(device.unusedCodes))
      : false,
  );
}

function deviceCard(portal: Portal, session: SignedIn, device: Device): HTMLLIElement {
  const key = device.id.replace(/[^A-Za-z0-9_-]/g, '_');
  const status = h('p', { class: 'form-status danger', role: 'alert' });
  const title = h(
    'div',
    { class: 'device-title' },
    h('strong', { class: 'device-label', id: `label-${key}` }, device.label || device.id),
    // "Backup codes · Backup codes" says nothing twice.
    device.label.toLowerCase() === deviceTypeName(device.type).toLowerCase()
      ? false
      : h('span', { class: 'muted' }, deviceTypeName(device.type)),
  );
  const buttons = h('div', { class: 'actions compact' });
  const card = h(
    'li',
    { class: 'card device', 'data-device': device.id },
    title,
    facts(device),
    status,
    buttons,
  );
  const name = device.label || device.id;

  const normal = () => {
    buttons.replaceChildren(
      h(
        'button',
        {
          type: 'button',
          class: 'small',
          id: `rename-${key}`,
          'aria-label': `Rename ${name}`,
          onclick: rename,
        },
        'Rename',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'small danger',
          id: `remove-${key}`,
          'aria-label': `Remove ${name}`,
          onclick: confirm,
        },
        'Remove',
      ),
    );
  };

  const rename = () => {
    const input = h('input', {
      id: `new-label-${key}`,
      value: device.label,
      maxlength: 64,
      autocomplete: 'off',
    });
    const form = h(
      'form',
      { class: 'rename', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: `new-label-${key}` }, `New name for ${name}`), input),
      actions(
        h('button', { type: 'submit', class: 'small primary' }, 'Save'),
        h('button', { type: 'button', class: 'small', onclick: cancel }, 'Cancel'),
      ),
    );
    function cancel() {
      form.replaceWith(title);
      status.textContent = '';
      normal();
      document.getElementById(`rename-${key}`)?.focus();
    }
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') cancel();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const label = readLabel(input.value);
      if (!label.ok) {
        status.textContent = label.message;
        input.focus();
        return;
      }
      void portal.api.rename(device.id, label.label).then((answer) => {
        if (answer.ok)
          void showDevices(portal, session, {
            text: `Renamed to “${answer.value.device.label}”.`,
            focus: `rename-${key}`,
          });
        else if (report(status, answer.problem)) input.focus();
      });
    });
    title.replaceWith(form);
    buttons.replaceChildren();
    input.focus();
    input.select();
  };

  const confirm = () => {
    status.textContent = '';
    const question = h(
      'p',
      { class: 'confirm', id: `confirm-${key}` },
      `Remove ${name}? You can no longer sign in with it.`,
    );
    const keep = h(
      'button',
      {
        type: 'button',
        class: 'small',
        onclick: () => {
          normal();
          document.getElementById(`remove-${key}`)?.focus();
        },
      },
      'Keep it',
    );
    buttons.replaceChildren(
      question,
      h(
        'button',
        { type: 'button', class: 'small danger', 'aria-describedby': `confirm-${key}`, onclick: remove },
        'Yes, remove',
      ),
      keep,
    );
    keep.focus();
  };

  const remove = () => {
    void portal.api.remove(device.id).then((answer) => {
      if (answer.ok) {
        void showDevices(portal, session, { text: `Removed ${name}.` });
        return;
      }
      normal();
      if (report(status, answer.problem)) document.getElementById(`remove-${key}`)?.focus();
    });
  };

  normal();
  return card;
}

const addChoice = (href: string, title: string, text: string) =>
  h(
    'li',
    {},
    h('a', { class: 'card choice-card', href }, h('strong', {}, title), h('span', { class: 'muted' }, text)),
  );

/** Loads and shows the devices; `notice` after a change made on this screen. */
export async function showDevices(portal: Portal, session: SignedIn, notice?: DevicesNotice): Promise<void> {
  const answer = await portal.api.devices();
  if (!answer.ok) {
    if (answer.problem.code !== 'signed_out')
      showLoadFailed(answer.problem, () => void showDevices(portal, session));
    return;
  }
  const { devices } = answer.value;
  if (notice !== undefined) refreshing();
  show(
    'Your devices',
    h('h1', { id: 'devices-title' }, 'Your devices'),
    session.enrollOnly
      ? h(
          'section',
          { class: 'banner', 'aria-labelledby': 'setup-title' },
          h('h2', { id: 'setup-title' }, 'Set up your second factor'),
          h(
            'p',
            {},
            'You signed in with your password alone because you have no second factor yet. Add a phone or an ' +
              'authenticator app now, and make backup codes: from then on, signing in takes both.',
          ),
        )
      : false,
    notice === undefined ? false : h('p', { class: 'notice', id: 'notice', tabindex: '-1' }, notice.text),
    devices.length === 0
      ? h('p', { class: 'muted' }, 'No devices yet.')
      : h('ul', { class: 'cards devices' }, ...devices.map((d) => deviceCard(portal, session, d))),
    h(
      'section',
      { 'aria-labelledby': 'add-title' },
      h('h2', { id: 'add-title' }, 'Add a device'),
      h(
        'ul',
        { class: 'cards choices' },
        addChoice(
          PATHS['add-phone'],
          'A phone that approves sign-ins',
          'The Assent web authenticator: open a link on the phone, then approve each sign-in with a tap.',
        ),
        addChoice(
          PATHS['add-app'],
          'An authenticator app',
          'Google Authenticator, Microsoft Authenticator, Aegis, 1Password…: type the code it shows.',
        ),
        addChoice(
          PATHS['backup-codes'],
          'Backup codes',
          'Ten codes on paper, for the day you lose your phone.',
        ),
      ),
    ),
  );
  if (notice !== undefined) {
    announce(notice.text);
    const target =
      (notice.focus === undefined ? null : document.getElementById(notice.focus)) ??
      document.getElementById('notice');
    target?.focus();
  }
}
