// Owns the optional check that the person approving is the device's owner (SECURITY A10.3): WebAuthn user
// verification with the platform authenticator (fingerprint, face, screen lock), or a PIN where there is none.
// The server does not see it: it guards the Approve button against whoever holds the unlocked device.
import { buffer, fromBase64url, toBase64url } from './b64.js';
import type { Verification } from './db.js';

/** A PIN costs this much PBKDF2-SHA-256 (OWASP 2023 for SHA-256: 600,000), a fraction of a second on a phone. */
const PIN_ITERATIONS = 600_000;
/** After this many wrong PINs in a row approving waits PIN_LOCK_MS (denying never does). */
export const PIN_TRIES = 5;
const PIN_LOCK_MS = 5 * 60_000;

/** Whether this device has a platform authenticator that verifies the user (Touch ID, Windows Hello, …). */
export async function platformAuthenticator(): Promise<boolean> {
  if (typeof PublicKeyCredential === 'undefined') return false;
  try {
    return await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable();
  } catch {
    return false;
  }
}

/** Makes a WebAuthn credential on the platform authenticator for this app (its relying party is this host). */
export async function enableWebAuthn(): Promise<Verification> {
  const credential = (await navigator.credentials.create({
    publicKey: {
      rp: { name: 'Assent authenticator' },
      user: {
        id: buffer(crypto.getRandomValues(new Uint8Array(16))),
        name: 'assent-authenticator',
        displayName: 'Assent authenticator',
      },
      challenge: buffer(crypto.getRandomValues(new Uint8Array(32))),
      pubKeyCredParams: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -257 },
      ],
      authenticatorSelection: {
        authenticatorAttachment: 'platform',
        userVerification: 'required',
        residentKey: 'discouraged',
      },
      attestation: 'none',
      timeout: 60_000,
    },
  })) as PublicKeyCredential | null;
  if (credential === null) throw new Error('no credential was made');
  return { kind: 'webauthn', credentialId: toBase64url(new Uint8Array(credential.rawId)) };
}

/** The WebAuthn challenge for an answer: SHA-256 of its signing input, so the check is bound to this decision. */
export async function challengeFor(signingInput: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buffer(signingInput)));
}

/**
 * Asks the platform authenticator to verify the user for `challenge`. Call it first thing in the click handler,
 * with the challenge ready: Safari grants WebAuthn only within the user's gesture. True only when the authenticator
 * says it verified the user (the UV flag, WebAuthn §6.1) for this very challenge.
 */
export async function verifyWithWebAuthn(
  credentialId: string,
  challenge: Uint8Array,
  timeoutMs: number,
): Promise<boolean> {
  const id = fromBase64url(credentialId);
  if (id === undefined) return false;
  let credential: PublicKeyCredential | null;
  try {
    credential = (await navigator.credentials.get({
      publicKey: {
        challenge: buffer(challenge),
        allowCredentials: [{ type: 'public-key', id: buffer(id) }],
        // "preferred", and the UV flag is checked below: with "required" Chromium answers a response without
        // it only at the timeout, long after the request itself expired.
        userVerification: 'preferred',
        // Never longer than the request is open; browsers report a failed check only at the timeout.
        timeout: Math.max(5_000, Math.min(60_000, timeoutMs)),
      },
    })) as PublicKeyCredential | null;
  } catch {
    return false; // cancelled, timed out, or no such credential
  }
  if (credential === null) return false;
  const response = credential.response as AuthenticatorAssertionResponse;
  const flags = new Uint8Array(response.authenticatorData)[32] ?? 0;
  const client = JSON.parse(new TextDecoder().decode(response.clientDataJSON)) as Record<string, unknown>;
  return (
    (flags & 0x04) !== 0 && client.type === 'webauthn.get' && client.challenge === toBase64url(challenge)
  );
}

async function pinHash(pin: string, salt: Uint8Array, iterations: number): Promise<string> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buffer(salt), iterations },
    material,
    256,
  );
  return toBase64url(new Uint8Array(bits));
}

/** A PIN of at least 4 digits, kept only as a salted PBKDF2 hash. */
export async function pinVerification(pin: string): Promise<Verification> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return {
    kind: 'pin',
    salt: toBase64url(salt),
    hash: await pinHash(pin, salt, PIN_ITERATIONS),
    iterations: PIN_ITERATIONS,
    failures: 0,
    lockedUntil: 0,
  };
}

/** Checks `pin`; returns whether it matched and the record to keep (failure count, lock). */
export async function checkPin(
  v: Extract<Verification, { kind: 'pin' }>,
  pin: string,
  nowMs: number,
): Promise<{ ok: boolean; locked: boolean; next: Verification }> {
  if (v.lockedUntil > nowMs) return { ok: false, locked: true, next: v };
  const ok = (await pinHash(pin, fromBase64url(v.salt) ?? new Uint8Array(), v.iterations)) === v.hash;
  if (ok) return { ok, locked: false, next: { ...v, failures: 0, lockedUntil: 0 } };
  const failures = v.failures + 1;
  const locked = failures >= PIN_TRIES;
  return {
    ok,
    locked,
    next: { ...v, failures: locked ? 0 : failures, lockedUntil: locked ? nowMs + PIN_LOCK_MS : 0 },
  };
}
