// Owns adding a phone that approves sign-ins: a one-time activation link from the server, shown as a QR code and
// as the link, to open on the phone (it lands in the web authenticator's "Add this account?"). While the screen
// is open it watches the device list, so the user sees the phone arrive.
import { actions, announce, h, onLeave, show } from '../authenticator/ui.js';
import type { PhoneLink } from './api.js';
import type { Portal } from './context.js';
import { formatTime } from './format.js';
import { labelForm } from './label-form.js';
import { PATHS } from './navigation.js';
import { qrImage } from './qr-image.js';

/** How often the open screen asks whether the phone was added. */
const WATCH_MS = 3_000;

/** The first step: a name for the phone, then the link. */
export function showAddPhone(portal: Portal): void {
  const form = labelForm({
    id: 'phone-label',
    label: 'Name of the phone',
    hint: 'Optional, for example “Work phone”.',
    submit: 'Make the link',
    send: (label) => portal.api.addPhone(label),
    next: (value) => void showPhoneLink(portal, value),
  });
  show(
    'Add a phone',
    h(
      'section',
      { class: 'add-phone', 'aria-labelledby': 'add-phone-title' },
      h('h1', { id: 'add-phone-title' }, 'Add a phone'),
      h(
        'p',
        {},
        'Your phone will approve your sign-ins with a tap, in the Assent web authenticator: it runs in the ' +
          "phone's browser, with no app store.",
      ),
      form,
    ),
  );
}

async function showPhoneLink(portal: Portal, link: PhoneLink): Promise<void> {
  const before = await portal.api.devices();
  const known = new Set(before.ok ? before.value.devices.map((d) => d.id) : []);
  const progress = h(
    'p',
    { class: 'waiting muted' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    'Waiting for your phone…',
  );
  const done = h('a', { class: 'button', href: PATHS.devices }, 'Done');
  show(
    'Open this on your phone',
    h(
      'section',
      { class: 'phone-link', 'aria-labelledby': 'phone-link-title' },
      h('h1', { id: 'phone-link-title' }, 'Open this on your phone'),
      h('p', {}, "Scan the QR code with your phone's camera, then tap “Add account” on the phone."),
      h('figure', { class: 'qr-box' }, qrImage(link.qrSvg, 'QR code of the activation link')),
      h('p', {}, 'Or open this link on the phone:'),
      h(
        'p',
        { class: 'link-text' },
        h('a', { href: link.activationUrl, target: '_blank', rel: 'noreferrer' }, link.activationUrl),
      ),
      h(
        'p',
        { class: 'muted' },
        `The link works once, until ${formatTime(link.expiresAt)}. It adds a device to your account: do not share it.`,
      ),
      progress,
      actions(done),
    ),
  );
  const expires = Date.parse(link.expiresAt);
  const timer = setInterval(() => {
    if (Date.now() > expires) {
      clearInterval(timer);
      progress.textContent = 'The link has expired. Make a new one if the phone was not added.';
      return;
    }
    void portal.api.devices().then((answer) => {
      if (!answer.ok) return;
      const added = answer.value.devices.find((d) => d.type === 'push' && !known.has(d.id));
      if (added === undefined) return;
      clearInterval(timer);
      progress.className = 'notice';
      progress.textContent = `Added “${added.label}”. It approves your sign-ins from now on.`;
      announce(progress.textContent);
      done.classList.add('primary');
    });
  }, WATCH_MS);
  onLeave(() => clearInterval(timer));
}
