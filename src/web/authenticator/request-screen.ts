// Owns the sign-in request screen: the context the server signed (who, where to, from which address, when, time
// left), the number-matching field, optional user verification, and Approve / Deny / "This wasn't me" (docs/push.md
// §5); then the outcome, or the screen for what went wrong.
import { setVerification, type Verification, verification } from './db.js';
import { ApiFailure, answer, poll, unsignedAnswer } from './device-api.js';
import { forget, type OpenRequest } from './open-requests.js';
import { showProblem } from './problem.js';
import { answerSigningInput, type Decision, type Reason, type UnsignedAnswer } from './protocol.js';
import { actions, announce, clock, duration, h, hostOf, onLeave, show } from './ui.js';
import { challengeFor, checkPin, verifyWithWebAuthn } from './verify-user.js';

/** A WebAuthn challenge made ahead of the click (Safari needs `credentials.get` inside the gesture itself). */
interface Prepared {
  readonly number: string;
  readonly unsigned: UnsignedAnswer;
  readonly challenge: Uint8Array;
  readonly at: number;
}

const secondsTo = (iso: string) => (Date.parse(iso) - Date.now()) / 1000;

async function closeNotification(sessionId: string): Promise<void> {
  const registration = await navigator.serviceWorker?.getRegistration();
  for (const n of (await registration?.getNotifications({ tag: sessionId })) ?? []) n.close();
}

function showOutcome(open: OpenRequest, decision: Decision, reason: Reason): void {
  const { request } = open;
  const [title, text] =
    decision === 'approve'
      ? ['Approved', `${request.user} is signing in to ${request.client}.`]
      : reason === 'not_me'
        ? [
            'Reported',
            `Nobody was let in. The server has been told this wasn't you, and pauses new requests for ${request.user} ` +
              'for a while. Tell your administrator if your password may be known to someone else.',
          ]
        : ['Denied', `Nobody was let in to ${request.client}.`];
  show(
    title,
    h(
      'section',
      { class: `outcome ${decision}`, 'data-outcome': reason === 'not_me' ? 'not_me' : decision },
      h('div', { class: 'outcome-icon', 'aria-hidden': 'true' }, decision === 'approve' ? '✓' : '✕'),
      h('h1', {}, title),
      h('p', {}, text),
      actions(
        h('button', { class: 'primary', type: 'button', onclick: () => (location.hash = '#/') }, 'Done'),
      ),
    ),
  );
}

async function failed(open: OpenRequest, error: unknown, retry: () => void): Promise<void> {
  const host = hostOf(open.request.reply_to);
  if (!(error instanceof ApiFailure)) {
    showProblem('key-lost', { subject: open.account.serverName, detail: String(error) });
    return;
  }
  if (error.kind === 'unreachable') {
    showProblem('unreachable', { subject: host, alternative: { label: 'Try again', run: retry } });
  } else if (error.kind === 'decided') {
    showProblem('decided', { detail: error.result || 'answered' });
  } else if (error.kind === 'refused' && secondsTo(open.request.expires) > 1) {
    // One 401 for every refusal (SECURITY A8.6): a poll tells a closed request from a device the server dropped.
    const known = await poll(open.account, new Date()).then(
      () => true,
      (e: unknown) => !(e instanceof ApiFailure && e.kind === 'refused'),
    );
    if (known) showProblem('expired');
    else showProblem('key-lost', { subject: `${open.account.serverName} (${host})` });
  } else if (error.kind === 'refused') {
    showProblem('expired');
  } else {
    showProblem('unreachable', { subject: host, detail: `The server answered ${error.status}.` });
  }
}

/** Shows `open` and handles the answer. */
export async function showRequest(open: OpenRequest): Promise<void> {
  const { account, request } = open;
  let uv: Verification = await verification();
  let busy = false;
  let prepared: Prepared | undefined;

  const numberInput = request.number_matching
    ? h('input', {
        id: 'number',
        name: 'number',
        inputmode: 'numeric',
        autocomplete: 'off',
        maxlength: 2,
        pattern: '[0-9]{2}',
        required: true,
        'aria-describedby': 'number-help',
      })
    : undefined;
  const pinInput =
    uv.kind === 'pin'
      ? h('input', { id: 'pin', type: 'password', inputmode: 'numeric', autocomplete: 'off', required: true })
      : undefined;
  const status = h('p', { class: 'form-status', role: 'alert', id: 'request-status' });
  const left = h('span', { class: 'time-left' });
  const bar = h('progress', { max: 60, value: 60, 'aria-hidden': 'true' });

  const prepare = async () => {
    if (uv.kind !== 'webauthn') return;
    const number = numberInput?.value.trim() ?? '';
    const unsigned = unsignedAnswer(account, request.session_id, 'approve', '', number);
    prepared = {
      number,
      unsigned,
      challenge: await challengeFor(answerSigningInput(unsigned)!),
      at: Date.now(),
    };
  };
  numberInput?.addEventListener('input', () => {
    numberInput.removeAttribute('aria-invalid');
    status.textContent = '';
    void prepare();
  });

  const send = (unsigned: UnsignedAnswer) => {
    busy = true;
    status.textContent = 'Sending…';
    answer(account, request.reply_to, unsigned).then(
      async () => {
        await forget(request.session_id);
        await closeNotification(request.session_id);
        showOutcome(open, unsigned.decision, unsigned.reason);
      },
      (error: unknown) => failed(open, error, () => void showRequest(open)),
    );
  };

  const approve = () => {
    if (busy) return;
    const number = numberInput?.value.trim() ?? '';
    if (numberInput !== undefined && !/^\d{2}$/.test(number)) {
      status.textContent = 'Type the 2-digit number shown where you are signing in.';
      numberInput.setAttribute('aria-invalid', 'true');
      numberInput.focus();
      return;
    }
    if (uv.kind === 'webauthn') {
      const ready = prepared !== undefined && prepared.number === number && Date.now() - prepared.at < 30_000;
      if (!ready) {
        status.textContent = 'One moment, then tap Approve again.';
        void prepare();
        return;
      }
      const { unsigned, challenge } = prepared!;
      busy = true;
      // First statement of the gesture's work: nothing awaited before it.
      void verifyWithWebAuthn(uv.credentialId, challenge, secondsTo(request.expires) * 1000).then((ok) => {
        busy = false;
        if (ok) send(unsigned);
        else
          showProblem('verify-failed', {
            alternative: { label: 'Try again', run: () => void showRequest(open) },
          });
      });
      return;
    }
    if (uv.kind === 'pin') {
      const pin = pinInput?.value ?? '';
      busy = true;
      void checkPin(uv, pin, Date.now()).then(async (checked) => {
        busy = false;
        uv = checked.next;
        await setVerification(checked.next);
        if (checked.ok) send(unsignedAnswer(account, request.session_id, 'approve', '', number));
        else {
          status.textContent = checked.locked
            ? 'Too many wrong PINs: approving is locked for 5 minutes. You can still deny.'
            : 'Wrong PIN.';
          pinInput?.focus();
        }
      });
      return;
    }
    send(unsignedAnswer(account, request.session_id, 'approve', '', number));
  };
  const deny = (reason: Reason) => () => {
    if (!busy) send(unsignedAnswer(account, request.session_id, 'deny', reason, ''));
  };

  const tick = () => {
    const seconds = secondsTo(request.expires);
    if (seconds <= 0) {
      void forget(request.session_id);
      showProblem('expired');
      return;
    }
    left.textContent = duration(seconds);
    bar.value = Math.min(60, seconds);
  };
  const timer = setInterval(tick, 1000);
  onLeave(() => clearInterval(timer));
  const refresh = setInterval(() => void prepare(), 20_000);
  onLeave(() => clearInterval(refresh));

  show(
    'Sign-in request',
    h(
      'section',
      { class: 'request', 'data-session': request.session_id },
      h(
        'p',
        { class: 'eyebrow' },
        open.via === 'push'
          ? 'Sign-in request · arrived as a notification'
          : 'Sign-in request · found on the server',
      ),
      h('h1', {}, `Is this you signing in to ${request.client}?`),
      h(
        'dl',
        { class: 'context' },
        h('dt', {}, 'Account'),
        h('dd', {}, request.user),
        h('dt', {}, 'Signing in to'),
        h('dd', {}, request.client),
        h('dt', {}, 'From address'),
        h('dd', {}, request.user_ip === '' ? 'unknown' : request.user_ip),
        h('dt', {}, 'Requested at'),
        h('dd', {}, clock(request.time)),
        h('dt', {}, 'Time left'),
        h('dd', { class: 'countdown' }, left, bar),
        h('dt', {}, 'Server'),
        h('dd', {}, `${account.serverName} (${hostOf(request.reply_to)})`),
      ),
      numberInput === undefined
        ? false
        : h(
            'div',
            { class: 'field' },
            h('label', { for: 'number' }, 'Number shown where you are signing in'),
            numberInput,
            h('p', { id: 'number-help', class: 'muted' }, 'Type it to prove the request is yours.'),
          ),
      pinInput === undefined
        ? false
        : h('div', { class: 'field' }, h('label', { for: 'pin' }, 'Your PIN'), pinInput),
      status,
      actions(
        h('button', { class: 'primary approve', type: 'button', onclick: approve }, 'Approve'),
        h('button', { class: 'deny', type: 'button', onclick: deny('') }, 'Deny'),
      ),
      h('button', { class: 'link danger not-me', type: 'button', onclick: deny('not_me') }, "This wasn't me"),
    ),
  );
  tick();
  void prepare();
  announce(`Sign-in request for ${request.user} at ${request.client}`);
  (numberInput ?? pinInput)?.focus();
}
