// Owns building the DOM: a small element helper (no framework: the app has a dozen screens) and showing one
// screen at a time with the focus on its heading, so keyboard and screen-reader users land where the change is.

type Child = Node | string | false | undefined | null;
type Attributes = Record<string, string | boolean | number | EventListener | undefined>;

/** `h('button', { class: 'primary', onclick: go }, 'Approve')`: attributes, `on*` listeners, children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === false || child === undefined || child === null) continue;
    element.append(child);
  }
  return element;
}

const cleanups: (() => void)[] = [];

/** Runs `stop` when the next screen replaces this one (timers, camera streams). */
export function onLeave(stop: () => void): void {
  cleanups.push(stop);
}

let keepFocus = false;

/** The next show() is a refresh of the same screen: the focus stays where the user has it. */
export function refreshing(): void {
  keepFocus = true;
}

/** Replaces the main area with `content`; the page title names the screen; focus goes to its first heading. */
export function show(title: string, ...content: Child[]): void {
  const moveFocus = !keepFocus;
  keepFocus = false;
  const focused = document.activeElement?.id;
  for (const stop of cleanups.splice(0)) stop();
  const main = document.getElementById('main')!;
  main.replaceChildren(
    ...content.filter((c): c is Node | string => c !== false && c !== undefined && c !== null),
  );
  document.title = `${title} · Assent`;
  if (!moveFocus) {
    if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
    return;
  }
  const heading = main.querySelector('h1');
  if (heading !== null) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
}

/** One-line message for assistive technology without moving the focus (aria-live region in index.html). */
export function announce(text: string): void {
  const status = document.getElementById('status');
  if (status !== null) status.textContent = text;
}

/** "12 s", "3 min 5 s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Local time of an ISO timestamp, "22:00:07". */
export const clock = (iso: string) =>
  new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The host of a server URL, for short labels. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A button row: the primary action first in the DOM (tab order) and on the left. */
export const actions = (...buttons: Child[]) => h('div', { class: 'actions' }, ...buttons);
