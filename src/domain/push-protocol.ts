// Owns the wire rules of docs/push.md shared by server and authenticators: encodings, signing inputs, ES256.
import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/** docs/push.md §5, §6: the fixed first field of each signing input. */
export const ANSWER_LABEL = 'assent-answer-v1';
export const POLL_LABEL = 'assent-poll-v1';
/** docs/push.md §10: the device signature Assent adds to FortiAuthenticator's `/api/v1/pushauthresp/`. */
export const FAC_ANSWER_LABEL = 'assent-pushauthresp-v1';
/** docs/push.md §2: a signed request is refused beyond this distance from the server's clock. */
export const MAX_CLOCK_SKEW_MS = 60_000;

/** The request of docs/push.md §4, as the server signs it and the authenticator shows it. */
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

/** docs/push.md §4: the signed form that travels by Web Push and by polling. */
export interface PushEnvelope {
  readonly request: string;
  readonly signature: string;
}

/** The answer of docs/push.md §5, as posted. */
export interface PushAnswer {
  readonly session_id: string;
  readonly device_id: string;
  readonly decision: 'approve' | 'deny';
  readonly reason: '' | 'not_me' | 'cancelled';
  readonly number: string;
  readonly time: string;
  readonly signature: string;
}

export const base64url = {
  encode: (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url'),
  /** Undefined unless `text` is canonical unpadded base64url (so one value has one spelling). */
  decode(text: string): Uint8Array | undefined {
    if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
    const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
    return Buffer.from(bytes).toString('base64url') === text ? bytes : undefined;
  },
};

/** docs/push.md §2: fields joined by `\n`; undefined when a field contains one (it could shift the others). */
export function signingInput(fields: readonly string[]): Uint8Array | undefined {
  for (const field of fields) if (field.includes('\n')) return undefined;
  return new TextEncoder().encode(fields.join('\n'));
}

export function answerSigningInput(answer: Omit<PushAnswer, 'signature'>): Uint8Array | undefined {
  return signingInput([
    ANSWER_LABEL,
    answer.session_id,
    answer.device_id,
    answer.decision,
    answer.reason,
    answer.number,
    answer.time,
  ]);
}

export function pollSigningInput(deviceId: string, time: string, nonce: string): Uint8Array | undefined {
  return signingInput([POLL_LABEL, deviceId, time, nonce]);
}

/** A P-256 public key from its 65-octet uncompressed point (WebCrypto `raw`); undefined when it is not one. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject | undefined {
  if (raw.length !== 65 || raw[0] !== 0x04) return undefined;
  try {
    return createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(raw.subarray(1, 33)).toString('base64url'),
        y: Buffer.from(raw.subarray(33)).toString('base64url'),
      },
      format: 'jwk',
    });
  } catch {
    return undefined; // not a point on the curve
  }
}

/** The 65-octet uncompressed point of a P-256 public (or private) key. */
export function rawPublicKey(key: KeyObject): Uint8Array {
  const jwk = (key.type === 'public' ? key : createPublicKey(key)).export({ format: 'jwk' });
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  return new Uint8Array(Buffer.concat([Buffer.from([0x04]), x, y]));
}

/** ES256, IEEE P1363 form (docs/push.md §2). */
export function signEs256(privateKey: KeyObject, data: Uint8Array): Uint8Array {
  return new Uint8Array(sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
}

/** Verifies an ES256 P1363 signature; false for any malformed input, never a throw. */
export function verifyEs256(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * docs/push.md §5, §6: whether `signature` (base64url text) is the device's ES256 signature over `input`. False for
 * any malformed key, input or signature: the caller answers every failure the same way (SECURITY A8.6).
 */
export function deviceSigned(rawKey: Uint8Array, input: Uint8Array | undefined, signature: string): boolean {
  const key = publicKeyFromRaw(rawKey);
  const octets = base64url.decode(signature);
  return key !== undefined && input !== undefined && octets !== undefined && verifyEs256(key, input, octets);
}

/** docs/push.md §4: signs a request into its envelope. */
export function sealRequest(request: PushRequest, serverKey: KeyObject): PushEnvelope {
  const octets = new TextEncoder().encode(JSON.stringify(request));
  return { request: base64url.encode(octets), signature: base64url.encode(signEs256(serverKey, octets)) };
}

/** docs/push.md §4: the request of an envelope whose signature verifies under `serverKey`, else undefined. */
export function openEnvelope(envelope: unknown, serverKey: KeyObject): PushRequest | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const { request, signature } = envelope as Record<string, unknown>;
  if (typeof request !== 'string' || typeof signature !== 'string') return undefined;
  const octets = base64url.decode(request);
  const sig = base64url.decode(signature);
  if (octets === undefined || sig === undefined || !verifyEs256(serverKey, octets, sig)) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(octets)) as PushRequest;
    return parsed.v === 1 && typeof parsed.session_id === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
