// Owns the "Add" screen: an account from an activation link or QR code, or a TOTP code generator from an otpauth://
// QR code, by camera, picture or pasted text; then the result, or the screen for what went wrong.
import { put } from './db.js';
import { ApiFailure } from './device-api.js';
import { classify, defaultLabel, enroll } from './enroll.js';
import { showProblem } from './problem.js';
import { iosNeedsInstall } from './push-subscribe.js';
import { scanCamera, scanFile } from './qr-scan.js';
import { importTotpSecret, OtpauthError, parseOtpauth } from './totp.js';
import { actions, announce, h, hostOf, onLeave, show } from './ui.js';

function added(title: string, lines: string[]): void {
  show(
    title,
    h(
      'section',
      { class: 'outcome approve', 'data-outcome': 'added' },
      h('div', { class: 'outcome-icon', 'aria-hidden': 'true' }, '✓'),
      h('h1', {}, title),
      ...lines.map((line) => h('p', {}, line)),
      actions(
        h('button', { class: 'primary', type: 'button', onclick: () => (location.hash = '#/') }, 'Done'),
      ),
    ),
  );
}

async function addToken(uri: string): Promise<void> {
  let key: ReturnType<typeof parseOtpauth>;
  try {
    key = parseOtpauth(uri);
  } catch (error) {
    showProblem('not-a-link', {
      detail: error instanceof OtpauthError ? `It was refused: ${error.message}.` : '',
    });
    return;
  }
  await put('tokens', {
    id: crypto.randomUUID(),
    issuer: key.issuer,
    account: key.account,
    key: await importTotpSecret(key),
    digits: key.digits,
    period: key.period,
    addedAt: new Date().toISOString(),
  });
  added('Code generator added', [`${key.issuer || 'Codes'} ${key.account}`.trim()]);
}

async function addAccount(
  link: { url: string; origin: string },
  label: string,
  notify = true,
): Promise<void> {
  show('Adding the account', h('section', { class: 'busy' }, h('h1', {}, 'Adding the account…')));
  announce('Adding the account');
  try {
    const { account, pushRefused } = await enroll(link, label, notify);
    if (pushRefused) {
      showProblem('push-refused', { detail: `The account ${account.user} was added all the same.` });
      return;
    }
    added('Account added', [
      `${account.user} at ${account.serverName} (${hostOf(account.replyTo)})`,
      account.delivery === 'webpush'
        ? 'Sign-in requests will arrive as notifications.'
        : `Notifications are off (${account.pushNote}): open the app to see sign-in requests.`,
    ]);
  } catch (error) {
    if (error instanceof ApiFailure && error.kind === 'refused') showProblem('link-refused');
    else if (error instanceof ApiFailure && error.kind === 'unreachable')
      showProblem('unreachable', {
        subject: hostOf(link.url),
        alternative: { label: 'Try again', run: () => void addAccount(link, label, notify) },
      });
    else if (error instanceof DOMException || (error as Error).message?.includes('IndexedDB'))
      showProblem('storage', { detail: String(error) });
    else showProblem('unreachable', { subject: hostOf(link.url), detail: String(error) });
  }
}

/** Acts on a scanned or pasted text. Runs inside the user's click where it can: enrolling may ask to notify. */
export function handleText(text: string, label: string): void {
  const what = classify(text);
  if (what.kind === 'otpauth') void addToken(what.uri);
  else if (what.kind === 'unknown') showProblem('not-a-link', { subject: what.text });
  else if (iosNeedsInstall())
    showProblem('ios-install', {
      alternative: {
        label: 'Continue without notifications',
        run: () => void addAccount(what, label, false),
      },
    });
  else void addAccount(what, label);
}

export function showAdd(): void {
  const label = h('input', {
    id: 'label',
    name: 'label',
    value: defaultLabel(),
    maxlength: 64,
    autocomplete: 'off',
  });
  const link = h('input', {
    id: 'link',
    name: 'link',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'https://…/device/v1/activation/…',
  });
  const video = h('video', { class: 'camera', muted: true, playsinline: true, 'aria-label': 'Camera view' });
  const cameraBox = h('div', { class: 'camera-box', hidden: true }, video);
  const picture = h('input', { id: 'picture', type: 'file', accept: 'image/*', class: 'visually-hidden' });
  let scan: ReturnType<typeof scanCamera> | undefined;
  onLeave(() => scan?.stop());

  const startCamera = () => {
    cameraBox.hidden = false;
    scan = scanCamera(video);
    scan.result.then(
      (text) => handleText(text, label.value.trim()),
      (error: unknown) => {
        if ((error as Error).message !== 'stopped') showProblem('camera', { detail: String(error) });
      },
    );
  };
  picture.addEventListener('change', () => {
    const file = picture.files?.[0];
    if (file === undefined) return;
    scanFile(file).then(
      (text) =>
        text === undefined
          ? showProblem('not-a-link', { detail: 'No QR code was found in that picture.' })
          : handleText(text, label.value.trim()),
      () => showProblem('not-a-link', { detail: 'That picture could not be read.' }),
    );
  });
  const form = h(
    'form',
    { class: 'paste', novalidate: true },
    h('label', { for: 'link' }, 'Or paste the link'),
    link,
    actions(h('button', { class: 'primary', type: 'submit' }, 'Add')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    handleText(link.value, label.value.trim());
  });

  show(
    'Add',
    h(
      'section',
      { class: 'add' },
      h('h1', {}, 'Add an account'),
      h(
        'p',
        {},
        'Scan the QR code from your administrator to approve sign-ins on this device, or a code-generator QR code ' +
          '(otpauth://) to show its codes here.',
      ),
      actions(
        h('button', { class: 'primary', type: 'button', onclick: startCamera }, 'Scan with the camera'),
        h('label', { for: 'picture', class: 'button' }, 'Choose a picture'),
      ),
      picture,
      cameraBox,
      form,
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'label' }, 'Name of this device'),
        label,
        h('p', { class: 'muted' }, 'Your administrator sees it in the list of your devices.'),
      ),
    ),
  );
}
