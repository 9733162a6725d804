// Owns the home screen: requests waiting for an answer, the TOTP codes with their countdown, and the enrolled
// accounts with how each is reached and whether its server answered the last check.
import type { Account, Token } from './db.js';
import type { OpenRequest, PollProblems } from './open-requests.js';
import { secondsLeft, totpCode } from './totp.js';
import { actions, clock, duration, h, hostOf, onLeave, show } from './ui.js';

export interface HomeData {
  readonly accounts: readonly Account[];
  readonly tokens: readonly Token[];
  readonly open: readonly OpenRequest[];
  readonly problems: PollProblems;
  readonly checkedAt: Date | undefined;
  readonly checkNow: () => void;
}

/** "123 456": codes are read aloud and typed in halves. */
const spaced = (code: string) => code.replace(/^(\d{3,4})(\d{3,4})$/, '$1 $2');

function requestCard(open: OpenRequest): HTMLElement {
  const { request } = open;
  const left = Math.max(0, (Date.parse(request.expires) - Date.now()) / 1000);
  return h(
    'li',
    {},
    h(
      'a',
      { class: 'card request-card', href: `#/request/${encodeURIComponent(request.session_id)}` },
      h('strong', {}, `${request.user} at ${request.client}`),
      h(
        'span',
        { class: 'muted' },
        `${request.user_ip === '' ? '' : `from ${request.user_ip} · `}${duration(left)} left`,
      ),
    ),
  );
}

function tokenRow(token: Token, tick: (run: (now: number) => Promise<void>) => void): HTMLElement {
  const code = h('span', { class: 'code', 'aria-live': 'off' });
  const seconds = h('span', { class: 'seconds' });
  const ring = h('progress', { max: token.period, value: token.period, 'aria-hidden': 'true' });
  const copy = h(
    'button',
    { type: 'button', class: 'small', 'aria-label': `Copy the code for ${token.account}` },
    'Copy',
  );
  let step = -1;
  tick(async (now) => {
    const current = Math.floor(now / 1000 / token.period);
    if (current !== step) {
      step = current;
      const value = await totpCode(token.key, token.digits, token.period, now);
      code.textContent = spaced(value);
      code.dataset.code = value;
    }
    const left = secondsLeft(token.period, now);
    seconds.textContent = `${left} s`;
    ring.value = left;
  });
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(code.dataset.code ?? '').then(() => {
      copy.textContent = 'Copied';
      setTimeout(() => (copy.textContent = 'Copy'), 1500);
    });
  });
  return h(
    'li',
    { class: 'card token', 'data-token': token.id },
    h(
      'div',
      { class: 'token-name' },
      h('strong', {}, token.issuer || 'Code'),
      h('span', { class: 'muted' }, token.account),
      h('span', { class: 'timer' }, ring, seconds),
    ),
    h('div', { class: 'token-code' }, code, copy),
  );
}

function accountRow(account: Account, problems: PollProblems): HTMLElement {
  const problem = problems.get(account.deviceId);
  const reach =
    account.delivery === 'webpush'
      ? 'Requests arrive as notifications'
      : 'Requests show when the app is open (no notifications)';
  return h(
    'li',
    { class: 'card account', 'data-device': account.deviceId },
    h('strong', {}, `${account.user} · ${account.serverName}`),
    h('span', { class: 'muted' }, `${hostOf(account.replyTo)} · ${account.deviceId}`),
    h('span', { class: 'muted', title: account.pushNote }, reach),
    problem === undefined
      ? false
      : h(
          'a',
          {
            class: 'badge warn',
            href: `#/problem/${problem.kind === 'refused' ? 'key-lost' : 'unreachable'}/${encodeURIComponent(account.deviceId)}`,
          },
          problem.kind === 'refused'
            ? 'No longer enrolled: see why'
            : `Can't reach ${hostOf(account.replyTo)}: see why`,
        ),
  );
}

export function showHome(data: HomeData): void {
  const tickers: ((now: number) => Promise<void>)[] = [];
  const empty = data.accounts.length === 0 && data.tokens.length === 0;
  show(
    'Assent',
    h('h1', { class: 'visually-hidden' }, 'Assent authenticator'),
    data.open.length === 0
      ? false
      : h(
          'section',
          { class: 'waiting', 'aria-labelledby': 'waiting-title' },
          h('h2', { id: 'waiting-title' }, 'Waiting for your answer'),
          h('ul', { class: 'cards' }, ...data.open.map(requestCard)),
        ),
    empty
      ? h(
          'section',
          { class: 'empty' },
          h('h2', {}, 'Nothing here yet'),
          h('p', {}, 'Add the account your administrator gave you a QR code or link for.'),
          actions(h('a', { class: 'button primary', href: '#/add' }, 'Add an account')),
        )
      : false,
    data.tokens.length === 0
      ? false
      : h(
          'section',
          { 'aria-labelledby': 'codes-title' },
          h('h2', { id: 'codes-title' }, 'Codes'),
          h('ul', { class: 'cards' }, ...data.tokens.map((t) => tokenRow(t, (run) => tickers.push(run)))),
        ),
    data.accounts.length === 0
      ? false
      : h(
          'section',
          { 'aria-labelledby': 'accounts-title' },
          h('h2', { id: 'accounts-title' }, 'Sign-in approval'),
          h('ul', { class: 'cards' }, ...data.accounts.map((a) => accountRow(a, data.problems))),
          h(
            'p',
            { class: 'muted checked' },
            data.open.length === 0 ? 'No sign-in is waiting. ' : '',
            data.checkedAt === undefined
              ? 'Checking…'
              : `Checked at ${clock(data.checkedAt.toISOString())}. `,
            h('button', { type: 'button', class: 'link', onclick: data.checkNow }, 'Check now'),
          ),
        ),
  );
  const run = () => {
    const now = Date.now();
    for (const t of tickers) void t(now);
  };
  run();
  const timer = setInterval(run, 1000);
  onLeave(() => clearInterval(timer));
}
