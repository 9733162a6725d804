// Screenshots of the user portal for docs/portal-screens.md: with ASSENT_PORTAL_SCREENSHOTS=1 the browser tests save
// each screen at phone and desktop size, light and dark, as docs/screenshots/portal-<screen>-<size>-<theme>.png.
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { screens } from '../support/web-browser.js';

const SHOTS =
  process.env.ASSENT_PORTAL_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
    : undefined;

/** Saves `name` in the four variants when asked to; leaves the page at phone size, light. */
export async function portalShots(page: Page, name: string): Promise<void> {
  if (SHOTS !== undefined) await screens(page, `portal-${name}`, SHOTS);
}
