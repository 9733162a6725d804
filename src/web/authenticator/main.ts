// Owns starting the app and moving between screens: checks the browser can run it, registers the service worker,
// routes the URL fragment to a screen, and polls the servers while the app is open (docs/push.md §6).
import { handleText, showAdd } from './add-screen.js';
import { type Account, accounts, database, tokens } from './db.js';
import { defaultLabel } from './enroll.js';
import { showHome } from './home-screen.js';
import { type OpenRequest, openRequests, type PollProblems } from './open-requests.js';
import { PROBLEMS, type ProblemKind, showProblem } from './problem.js';
import { showRequest } from './request-screen.js';
import { showSettings } from './settings-screen.js';
import { actions, h, hostOf, refreshing, show } from './ui.js';

/** While the app is visible it asks every server this often; a notification brings a request sooner. */
const POLL_MS = 3_000;

const state = {
  accounts: [] as Account[],
  open: [] as OpenRequest[],
  problems: new Map() as PollProblems,
  checkedAt: undefined as Date | undefined,
  /** Requests already shown once: a new one opens by itself when the user is on the home screen. */
  seen: new Set<string>(),
};

const route = () => location.hash.replace(/^#\/?/, '');

async function renderHome(refresh: boolean): Promise<void> {
  state.accounts = await accounts();
  if (refresh) refreshing();
  showHome({
    accounts: state.accounts,
    tokens: await tokens(),
    open: state.open,
    problems: state.problems,
    checkedAt: state.checkedAt,
    checkNow: () => void check(true),
  });
}

let checking: Promise<void> | undefined;

/** Reads the inbox and, with `withPoll`, asks every server; then updates the screen the user is on. */
function check(withPoll: boolean): Promise<void> {
  checking ??= (async () => {
    state.accounts = await accounts();
    const before = state.open.map((o) => `${o.request.session_id}:${o.via}`).join();
    state.open = await openRequests(state.accounts, withPoll, state.problems);
    if (withPoll) state.checkedAt = new Date();
    const fresh = state.open.find((o) => !state.seen.has(o.request.session_id));
    for (const o of state.open) state.seen.add(o.request.session_id);
    if (route() === '') {
      if (fresh !== undefined) location.hash = `#/request/${encodeURIComponent(fresh.request.session_id)}`;
      else if (withPoll || before !== state.open.map((o) => `${o.request.session_id}:${o.via}`).join())
        await renderHome(true);
    }
  })().finally(() => {
    checking = undefined;
  });
  return checking;
}

function showConfirmAdd(code: string): void {
  const url = `${location.origin}/device/v1/activation/${code}`;
  const label = h('input', { id: 'label', value: defaultLabel(), maxlength: 64, autocomplete: 'off' });
  show(
    'Add this account?',
    h(
      'section',
      { class: 'add' },
      h('h1', {}, 'Add this account?'),
      h('p', {}, `Approve sign-ins for your account at ${hostOf(url)} on this device.`),
      h('div', { class: 'field' }, h('label', { for: 'label' }, 'Name of this device'), label),
      actions(
        h(
          'button',
          { class: 'primary', type: 'button', onclick: () => handleText(url, label.value.trim()) },
          'Add account',
        ),
        h('a', { class: 'button', href: '#/' }, 'Cancel'),
      ),
    ),
  );
}

async function navigate(): Promise<void> {
  const [screen = '', a = '', b = ''] = route().split('/');
  if (screen === '') return renderHome(false);
  if (screen === 'add' && /^[A-Za-z0-9_-]{22}$/.test(a)) return showConfirmAdd(a);
  if (screen === 'add') return showAdd();
  if (screen === 'settings') return showSettings();
  if (screen === 'problem' && (PROBLEMS as readonly string[]).includes(a)) {
    // Also a way to show a screen's advice again (docs/authenticator.md lists them).
    const account = state.accounts.find((x) => x.deviceId === decodeURIComponent(b));
    const subject = account === undefined ? '' : hostOf(account.replyTo);
    return showProblem(a as ProblemKind, { subject });
  }
  if (screen === 'request') {
    const session = decodeURIComponent(a);
    let open = state.open.find((o) => o.request.session_id === session);
    if (open === undefined) {
      show(
        'Looking for the request',
        h('section', { class: 'busy' }, h('h1', {}, 'Looking for the request…')),
      );
      await check(true);
      open = state.open.find((o) => o.request.session_id === session);
    }
    if (open === undefined) return showProblem('expired');
    state.seen.add(session);
    return showRequest(open);
  }
  location.hash = '#/';
}

async function start(): Promise<void> {
  if (!isSecureContext || globalThis.crypto?.subtle === undefined || typeof indexedDB === 'undefined') {
    showProblem('unsupported');
    return;
  }
  try {
    await database();
  } catch (error) {
    showProblem('storage', { detail: String(error) });
    return;
  }
  if ('serviceWorker' in navigator) {
    // Offline codes and push need it; the app still works (polling) if registration fails.
    navigator.serviceWorker
      .register('/authenticator/sw.js', { scope: '/authenticator/' })
      .catch(() => undefined);
    navigator.serviceWorker.addEventListener('message', (event: MessageEvent) => {
      const data = event.data as {
        type?: string;
        url?: string;
        stored?: boolean;
        problems?: string[];
      } | null;
      if (data?.type === 'push') {
        if (data.problems?.length) console.warn('push:', ...data.problems);
        // Not in the inbox (it did not verify, or storing it failed): ask the server instead.
        void check(data.stored === false);
      }
      if (data?.type === 'open' && data.url !== undefined) location.href = data.url;
    });
  }
  void navigator.storage?.persist?.().catch(() => false);
  window.addEventListener('hashchange', () => void navigate());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void check(true);
  });
  state.accounts = await accounts();
  await navigate();
  await check(true);
  setInterval(() => {
    if (document.visibilityState === 'visible') void check(true);
  }, POLL_MS);
}

void start();
