// The page of an enrollment-at-login link as a test drives it without a browser (issue 18): open it, choose the
// web authenticator (→ the activation link the CLI authenticator enrolls with) or a TOTP key (→ its base32 secret).
import assert from 'node:assert/strict';
import { request } from 'node:https';

export interface PageReply {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

/** One HTTPS request trusting `ca`; no redirect is followed. A POST carries an empty form, as a browser sends it. */
export function fetchPage(url: string, ca: string, method: 'GET' | 'POST' = 'GET'): Promise<PageReply> {
  return new Promise((resolve, reject) => {
    const headers = method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : undefined;
    const req = request(url, { method, ca, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The link in a challenge's text. */
export function enrollLinkIn(text: string): string {
  const link = /https:\/\/\S+\/e\/[2-9A-HJ-NP-Z]{8}/.exec(text)?.[0];
  assert.ok(link, `no enrollment link in ${JSON.stringify(text)}`);
  return link;
}

/** "Use this phone": the activation link the page's answer leads to (`/device/v1/activation/<code>`). */
export async function choosePhone(link: string, ca: string): Promise<string> {
  const chosen = await fetchPage(`${link}/phone`, ca, 'POST');
  assert.equal(chosen.status, 303, chosen.body);
  const activation = /^\/authenticator\/#\/add\/([A-Za-z0-9_-]{22})$/.exec(chosen.location ?? '')?.[1];
  assert.ok(activation, chosen.location);
  return `${new URL(link).origin}/device/v1/activation/${activation}`;
}

/** The base32 key shown on a TOTP page (spaces removed). */
export function secretOnPage(html: string): string {
  const secret = /<code id="secret">([A-Z2-7 ]+)<\/code>/.exec(html)?.[1];
  assert.ok(secret, 'the page shows the key');
  return secret.replaceAll(' ', '');
}

/** "Use an authenticator app": the key of the TOTP token now pending with the link. */
export async function chooseTotp(link: string, ca: string): Promise<string> {
  const chosen = await fetchPage(`${link}/totp`, ca, 'POST');
  assert.equal(chosen.status, 200, chosen.body);
  return secretOnPage(chosen.body);
}
