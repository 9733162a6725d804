// Owns the device side of docs/push.md in the browser: the request and envelope, the signing inputs, ES256 with a
// non-extractable WebCrypto key. It mirrors src/domain/push-protocol.ts without importing it (src/web imports
// nothing of ours, docs/architecture.md); test/web/protocol.test.ts keeps the two in step.
import { buffer, fromBase64url, toBase64url } from './b64.js';

/** docs/push.md §4. */
export interface PushRequest {
  readonly v: 1;
  readonly session_id: string;
  readonly user: string;
  readonly client: string;
  readonly user_ip: string;
  readonly time: string;
  readonly expires: string;
  readonly number_matching: boolean;
  readonly reply_to: string;
}

export interface Envelope {
  readonly request: string;
  readonly signature: string;
}

export type Decision = 'approve' | 'deny';
export type Reason = '' | 'not_me' | 'cancelled';

/** docs/push.md §5: what is signed and posted, less the signature. */
export interface UnsignedAnswer {
  readonly session_id: string;
  readonly device_id: string;
  readonly decision: Decision;
  readonly reason: Reason;
  readonly number: string;
  readonly time: string;
}

/** WebCrypto's key object, named so that this file also compiles under Node's types (tests run it there). */
export type WebKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** ES256 (docs/push.md §2): ECDSA over P-256 with SHA-256; WebCrypto's signature is already IEEE P1363 r ‖ s. */
const ES256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** docs/push.md §2: fields joined by `\n`; undefined when one contains a line break (it could shift the others). */
export function signingInput(fields: readonly string[]): Uint8Array | undefined {
  if (fields.some((field) => field.includes('\n'))) return undefined;
  return new TextEncoder().encode(fields.join('\n'));
}

export const answerSigningInput = (a: UnsignedAnswer) =>
  signingInput(['assent-answer-v1', a.session_id, a.device_id, a.decision, a.reason, a.number, a.time]);

export const pollSigningInput = (deviceId: string, time: string, nonce: string) =>
  signingInput(['assent-poll-v1', deviceId, time, nonce]);

/**
 * The device key (SECURITY A10.1): the private half is made non-extractable, so no script (ours or injected) can
 * read it; it can only be used to sign, and is kept as a key object in IndexedDB.
 */
export async function generateDeviceKey(): Promise<{ privateKey: WebKey; publicKey: string }> {
  const pair = await crypto.subtle.generateKey(P256, false, ['sign', 'verify']);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey: toBase64url(raw) };
}

/** The server's key (docs/push.md §3 `server_key`) from its base64url 65-octet point; undefined if it is not one. */
export async function importServerKey(text: string): Promise<WebKey | undefined> {
  const raw = fromBase64url(text);
  if (raw === undefined || raw.length !== 65 || raw[0] !== 0x04) return undefined;
  try {
    return await crypto.subtle.importKey('raw', buffer(raw), P256, false, ['verify']);
  } catch {
    return undefined; // not a point on the curve
  }
}

export async function sign(privateKey: WebKey, input: Uint8Array): Promise<string> {
  return toBase64url(new Uint8Array(await crypto.subtle.sign(ES256, privateKey, buffer(input))));
}

/**
 * docs/push.md §4, SECURITY A7.4: the request of an envelope whose signature verifies under the server's key;
 * undefined for anything else. Nothing unverified is shown or answered.
 */
export async function openEnvelope(envelope: unknown, serverKey: WebKey): Promise<PushRequest | undefined> {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const { request, signature } = envelope as Record<string, unknown>;
  if (typeof request !== 'string' || typeof signature !== 'string') return undefined;
  const octets = fromBase64url(request);
  const sig = fromBase64url(signature);
  if (octets === undefined || sig === undefined || sig.length !== 64) return undefined;
  if (!(await crypto.subtle.verify(ES256, serverKey, buffer(sig), buffer(octets)))) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(octets)) as PushRequest;
    const ok =
      parsed.v === 1 &&
      typeof parsed.session_id === 'string' &&
      typeof parsed.reply_to === 'string' &&
      typeof parsed.expires === 'string';
    return ok ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** docs/push.md §6: the signed query of a poll. */
export async function pollQuery(deviceId: string, privateKey: WebKey, now: Date): Promise<string> {
  const time = now.toISOString();
  const nonce = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
  const signature = await sign(privateKey, pollSigningInput(deviceId, time, nonce)!);
  return new URLSearchParams({ device_id: deviceId, time, nonce, signature }).toString();
}
