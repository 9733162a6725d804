// Owns backup codes: how many of the current set are left, making a new set (which ends the old one in the same
// call), and showing the new codes once, to print or copy; the server keeps only their hashes.
import { actions, announce, h, show } from '../authenticator/ui.js';
import { type Portal, report } from './context.js';
import { formatWhen, spacedBackupCode } from './format.js';
import { showLoadFailed } from './load-failed-screen.js';
import { PATHS } from './navigation.js';

/** The screen before making codes: the current set, the warning, the button. */
export async function showBackupCodes(portal: Portal): Promise<void> {
  const answer = await portal.api.devices();
  if (!answer.ok) {
    if (answer.problem.code !== 'signed_out')
      showLoadFailed(answer.problem, () => void showBackupCodes(portal));
    return;
  }
  const current = answer.value.devices.find((d) => d.type === 'backup');
  const status = h('p', { class: 'form-status danger', role: 'alert' });
  const make = h(
    'button',
    { class: 'primary', type: 'button' },
    current ? 'Make new codes' : 'Make backup codes',
  );
  make.addEventListener('click', () => {
    make.disabled = true;
    announce('Making backup codes');
    void portal.api.backupCodes().then((made) => {
      make.disabled = false;
      if (made.ok) showNewCodes(made.value.codes, current !== undefined);
      else report(status, made.problem);
    });
  });
  show(
    'Backup codes',
    h(
      'section',
      { class: 'backup', 'aria-labelledby': 'backup-title' },
      h('h1', { id: 'backup-title' }, 'Backup codes'),
      h(
        'p',
        {},
        "Backup codes let you sign in when you don't have your phone: type one where a code is asked. Each " +
          'code works once.',
      ),
      current === undefined
        ? h('p', { class: 'muted' }, 'You have no backup codes yet.')
        : h(
            'p',
            {},
            `You have ${current.unusedCodes ?? 'some'} unused codes, made ${formatWhen(current.createdAt)}.`,
          ),
      current === undefined
        ? false
        : h(
            'p',
            { class: 'badge warn', id: 'replace-warning' },
            'New codes replace these: your old codes stop working at once.',
          ),
      status,
      actions(make, h('a', { class: 'button', href: PATHS.devices }, 'Cancel')),
    ),
  );
  if (current !== undefined) make.setAttribute('aria-describedby', 'replace-warning');
}

function showNewCodes(codes: readonly string[], replaced: boolean): void {
  const copy = h('button', { type: 'button' }, 'Copy the codes');
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(`${codes.join('\n')}\n`).then(
      () => {
        copy.textContent = 'Copied';
        announce('The codes are copied');
      },
      () => announce('Copying is not allowed here: select the codes instead'),
    );
  });
  show(
    'Your new backup codes',
    h(
      'section',
      { class: 'backup-new', 'aria-labelledby': 'backup-new-title' },
      h('h1', { id: 'backup-new-title' }, 'Your new backup codes'),
      h('p', { class: 'badge warn' }, 'Save them now: they are shown only this once.'),
      h(
        'ol',
        { class: 'backup-codes', 'aria-label': 'Backup codes' },
        ...codes.map((c) => h('li', {}, h('code', {}, spacedBackupCode(c)))),
      ),
      h(
        'p',
        {},
        'Print this page or copy the codes into a password manager, and keep them away from your phone. Each ' +
          'code works once.',
      ),
      replaced ? h('p', {}, 'Your old backup codes no longer work.') : false,
      actions(
        copy,
        h('button', { type: 'button', class: 'no-print', onclick: () => window.print() }, 'Print'),
        h('a', { class: 'button primary', href: PATHS.devices }, 'Done'),
      ),
    ),
  );
}
