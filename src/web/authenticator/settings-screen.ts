// Owns the settings screen: how the user proves it is them before approving (SECURITY A10.3), removing accounts
// and code generators, and what the app knows about this browser (installed, notifications).
import { accounts, remove, setVerification, tokens, verification } from './db.js';
import { isInstalled } from './push-subscribe.js';
import { actions, announce, h, hostOf, show } from './ui.js';
import { enableWebAuthn, pinVerification, platformAuthenticator } from './verify-user.js';

declare const ASSENT_BUILD: string;

/** Removes an account; the browser's push subscription goes too when no account needs it any more. */
async function removeAccount(deviceId: string): Promise<void> {
  await remove('accounts', deviceId);
  if ((await accounts()).some((a) => a.delivery === 'webpush')) return;
  const registration = await navigator.serviceWorker?.getRegistration();
  await (await registration?.pushManager.getSubscription())?.unsubscribe();
}

/** A button that asks once more before it acts. */
function confirmButton(label: string, run: () => Promise<void>): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'small danger' }, label);
  button.addEventListener('click', () => {
    if (button.dataset.armed !== 'yes') {
      button.dataset.armed = 'yes';
      button.textContent = 'Tap again to remove';
      return;
    }
    void run().then(() => showSettings());
  });
  return button;
}

export async function showSettings(): Promise<void> {
  const [uv, platform, held, codes] = await Promise.all([
    verification(),
    platformAuthenticator(),
    accounts(),
    tokens(),
  ]);
  const status = h('p', { class: 'form-status', role: 'alert' });
  const choice = (value: string, text: string, disabled = false) =>
    h(
      'label',
      { class: 'choice' },
      h('input', { type: 'radio', name: 'uv', value, checked: uv.kind === value, disabled }),
      text,
    );
  const pin = h('input', {
    id: 'new-pin',
    type: 'password',
    inputmode: 'numeric',
    autocomplete: 'new-password',
  });
  const form = h(
    'form',
    { class: 'uv', novalidate: true },
    h(
      'fieldset',
      {},
      h('legend', {}, "Before approving, check it's me"),
      choice('none', 'No check'),
      choice(
        'webauthn',
        platform
          ? 'Screen lock, fingerprint or face'
          : 'Screen lock, fingerprint or face (not available here)',
        !platform,
      ),
      choice('pin', 'A PIN for this app'),
      h('div', { class: 'field' }, h('label', { for: 'new-pin' }, 'New PIN (at least 4 digits)'), pin),
    ),
    status,
    actions(h('button', { class: 'primary', type: 'submit' }, 'Save')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const picked = (form.querySelector('input[name=uv]:checked') as HTMLInputElement | null)?.value ?? 'none';
    // WebAuthn's create() needs this click's gesture: it is the first thing awaited.
    const making =
      picked === 'webauthn'
        ? enableWebAuthn()
        : picked === 'pin'
          ? /^\d{4,12}$/.test(pin.value)
            ? pinVerification(pin.value)
            : Promise.reject(new Error('A PIN is 4 to 12 digits.'))
          : Promise.resolve({ kind: 'none' } as const);
    status.textContent = 'Saving…';
    making.then(
      async (v) => {
        await setVerification(v);
        status.textContent = 'Saved.';
        announce('Saved');
        pin.value = '';
      },
      (error: unknown) => {
        status.textContent = `Not saved: ${(error as Error).message}`;
      },
    );
  });

  show(
    'Settings',
    h('h1', {}, 'Settings'),
    form,
    h(
      'section',
      { 'aria-labelledby': 'remove-title' },
      h('h2', { id: 'remove-title' }, 'Accounts and code generators'),
      held.length + codes.length === 0
        ? h('p', { class: 'muted' }, 'None yet.')
        : h(
            'ul',
            { class: 'cards' },
            ...held.map((a) =>
              h(
                'li',
                { class: 'card row' },
                h('span', {}, `${a.user} · ${hostOf(a.replyTo)}`),
                confirmButton('Remove', () => removeAccount(a.deviceId)),
              ),
            ),
            ...codes.map((t) =>
              h(
                'li',
                { class: 'card row' },
                h('span', {}, `${t.issuer} ${t.account}`.trim()),
                confirmButton('Remove', () => remove('tokens', t.id)),
              ),
            ),
          ),
      h(
        'p',
        { class: 'muted' },
        'Removing an account here does not remove the device on the server: ask your administrator.',
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'about-title' },
      h('h2', { id: 'about-title' }, 'This browser'),
      h(
        'dl',
        { class: 'context' },
        h('dt', {}, 'Installed as an app'),
        h('dd', {}, isInstalled() ? 'yes' : 'no'),
        h('dt', {}, 'Notifications'),
        h('dd', {}, 'Notification' in window ? Notification.permission : 'not available'),
        h('dt', {}, 'Version'),
        h('dd', {}, ASSENT_BUILD),
      ),
    ),
  );
}
