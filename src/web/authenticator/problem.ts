// Owns the failure screens: one for each way a step can fail, each saying what happened and what to do next in
// words a phone user can act on (issue 15: "a clear screen for every failure").
import { actions, h, show } from './ui.js';

export const PROBLEMS = [
  'expired',
  'decided',
  'unreachable',
  'key-lost',
  'push-refused',
  'ios-install',
  'link-refused',
  'not-a-link',
  'storage',
  'unsupported',
  'verify-failed',
  'camera',
] as const;
export type ProblemKind = (typeof PROBLEMS)[number];

export interface ProblemDetails {
  /** The server's host, the account's name, or the text that was not understood. */
  readonly subject?: string;
  /** An extra sentence (the browser's own reason, the earlier decision). */
  readonly detail?: string;
  /** A second button: its label and what it does. */
  readonly alternative?: { readonly label: string; readonly run: () => void };
}

const home = () => {
  location.hash = '#/';
};

function texts(kind: ProblemKind, d: ProblemDetails): { title: string; body: string[] } {
  const subject = d.subject ?? '';
  switch (kind) {
    case 'expired':
      return {
        title: 'This sign-in request has expired',
        body: [
          'Requests are open for about a minute. Nobody was let in by this one.',
          'If it was you, sign in again and answer the new request in time.',
        ],
      };
    case 'decided':
      return {
        title: 'Already answered',
        body: [
          `This request was already ${d.detail ?? 'answered'}, perhaps on another device. Nothing changed.`,
        ],
      };
    case 'unreachable':
      return {
        title: `Can't reach ${subject}`,
        body: [
          'Check that this device is online.',
          'If it is, the server may be down, or its certificate is not trusted by this device: a server with a ' +
            'self-signed certificate needs that certificate installed first. Open the server in the browser to ' +
            'see which; your administrator can fix either.',
          'Nothing was sent. Try again when the connection is back.',
        ],
      };
    case 'key-lost':
      return {
        title: 'This device is no longer enrolled',
        body: [
          `${subject} does not accept this device's key any more: the device was removed on the server, or the ` +
            "browser's storage was cleared and the key with it (it never leaves this device, so it cannot be " +
            'restored).',
          'Ask your administrator for a new activation link and add the account again.',
        ],
      };
    case 'push-refused':
      return {
        title: 'Notifications are blocked',
        body: [
          'Sign-in requests will show only while this app is open (it checks the server when you open it).',
          "To be notified: open this site's settings in the browser, allow Notifications, then add the account " +
            'again.',
        ],
      };
    case 'ios-install':
      return {
        title: 'Add Assent to your Home Screen first',
        body: [
          'On iPhone and iPad, notifications reach web apps only once they are on the Home Screen (iOS 16.4 or ' +
            'later).',
          'Tap the Share button, then "Add to Home Screen", open Assent from there and add your account.',
        ],
      };
    case 'link-refused':
      return {
        title: 'This activation link does not work',
        body: [
          'It is unknown, already used, or older than 10 minutes. Each link works once.',
          'Ask your administrator for a new one.',
        ],
      };
    case 'not-a-link':
      return {
        title: "That's not an Assent link",
        body: [
          'Scan the activation QR code from your administrator (a link with /device/v1/activation/ in it), or a ' +
            'code-generator QR code (otpauth://totp/…).',
          subject === '' ? '' : `What was read: ${subject.slice(0, 120)}`,
        ],
      };
    case 'storage':
      return {
        title: "This browser won't keep the app's data",
        body: [
          'The app keeps its keys in the browser storage (IndexedDB), which is blocked here: private browsing, ' +
            'or storage turned off for this site.',
          'Open the app in a normal window, or allow site data for it.',
        ],
      };
    case 'unsupported':
      return {
        title: 'This browser cannot run the authenticator',
        body: [
          'It needs a secure (https) page with Web Crypto and IndexedDB. Use a current Chrome, Edge, Firefox or ' +
            'Safari, and open the address your administrator gave you.',
        ],
      };
    case 'verify-failed':
      return {
        title: "Couldn't verify it's you",
        body: ['Nothing was sent: the request is still open. Try again, or deny it.'],
      };
    case 'camera':
      return {
        title: 'The camera is not available',
        body: [
          'The browser has no camera for this page, or it was not allowed. You can choose a photo of the QR code, ' +
            'or paste the link instead.',
        ],
      };
  }
}

/** Shows the screen for `kind`. */
export function showProblem(kind: ProblemKind, details: ProblemDetails = {}): void {
  const { title, body } = texts(kind, details);
  const extra = details.detail !== undefined && kind !== 'decided' ? details.detail : '';
  show(
    title,
    h(
      'section',
      { class: 'problem', 'data-problem': kind, 'aria-labelledby': 'problem-title' },
      h('div', { class: 'problem-icon', 'aria-hidden': 'true' }, '!'),
      h('h1', { id: 'problem-title' }, title),
      ...body.filter((p) => p !== '').map((p) => h('p', {}, p)),
      extra === '' ? false : h('p', { class: 'muted' }, extra),
      actions(
        h('button', { class: 'primary', type: 'button', onclick: home }, 'Back to the app'),
        details.alternative === undefined
          ? false
          : h('button', { type: 'button', onclick: details.alternative.run }, details.alternative.label),
      ),
    ),
  );
}
