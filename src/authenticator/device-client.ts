// Owns talking to an Assent server as a device (docs/push.md §3, §5, §6): HTTPS, signatures, verified requests.
import { createPrivateKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import {
  answerSigningInput,
  base64url,
  openEnvelope,
  type PushAnswer,
  type PushRequest,
  pollSigningInput,
  publicKeyFromRaw,
  rawPublicKey,
  signEs256,
} from '../domain/push-protocol.js';
import type { Account, NtfyTopic } from './account-store.js';
import { ntfyDelivery, receiverOf } from './ntfy-topic.js';
import { decryptPushMessage } from './web-push-decrypt.js';

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** Raised for a server that cannot be reached or whose answer is not what the protocol promises. */
export class DeviceError extends Error {
  override readonly name = 'DeviceError';
}

/** One HTTPS request with a JSON body; the server's certificate is checked against `ca` (or the system's). */
export function call(method: 'GET' | 'POST', url: string, ca: string, body?: unknown): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(
      url,
      {
        method,
        ...(ca === '' ? {} : { ca }),
        headers: payload === undefined ? {} : { 'content-type': 'application/json' },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
          } catch {
            reject(
              new DeviceError(`${url}: the server answered ${res.statusCode} with a body that is not JSON`),
            );
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new DeviceError(`${url}: no answer within 15 s`)));
    req.on('error', (error) =>
      reject(error instanceof DeviceError ? error : new DeviceError(`${url}: ${error.message}`)),
    );
    req.end(payload);
  });
}

/**
 * docs/push.md §3: makes our key, enrolls it with the one-time activation URL, returns the account to keep. With
 * `ntfy` the server is told to push to that topic (encrypted to its receiver key); without, the device polls.
 */
export async function enroll(
  activationUrl: string,
  label: string,
  ca: string,
  ntfy?: NtfyTopic,
): Promise<Account> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const answer = await call('POST', activationUrl, ca, {
    public_key: base64url.encode(rawPublicKey(publicKey)),
    ...(label === '' ? {} : { label }),
    delivery: ntfy === undefined ? { kind: 'poll' } : ntfyDelivery(ntfy),
  });
  if (answer.status === 401)
    throw new DeviceError('the activation link is unknown, used or expired (10 minutes)');
  if (answer.status !== 201)
    throw new DeviceError(`enrollment refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  const body = answer.body as Record<string, unknown>;
  const serverKey = typeof body.server_key === 'string' ? base64url.decode(body.server_key) : undefined;
  if (
    serverKey === undefined ||
    publicKeyFromRaw(serverKey) === undefined ||
    typeof body.device_id !== 'string'
  ) {
    throw new DeviceError('the server answered an enrollment without a valid server_key or device_id');
  }
  return {
    deviceId: body.device_id,
    user: String(body.user),
    serverName: String(body.server_name),
    replyTo: String(body.reply_to).replace(/\/+$/, ''),
    serverKey: base64url.encode(serverKey),
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    ca,
    enrolledAt: new Date().toISOString(),
    ...(ntfy === undefined ? {} : { ntfy }),
  };
}

/** SECURITY A7.4: the request of an envelope signed by the account's server; nothing else is shown or answered. */
function verified(account: Account, envelope: unknown): PushRequest | undefined {
  return openEnvelope(envelope, publicKeyFromRaw(base64url.decode(account.serverKey)!)!);
}

/** docs/push.md §6: the account's open requests, newest first; only those signed by its server are returned. */
export async function pending(account: Account): Promise<PushRequest[]> {
  const time = new Date().toISOString();
  const nonce = base64url.encode(randomBytes(16));
  const key = createPrivateKey(account.privateKey);
  const signature = base64url.encode(signEs256(key, pollSigningInput(account.deviceId, time, nonce)!));
  const query = new URLSearchParams({ device_id: account.deviceId, time, nonce, signature });
  const answer = await call('GET', `${account.replyTo}/device/v1/pending?${query}`, account.ca);
  if (answer.status !== 200) throw new DeviceError(`polling refused: ${answer.status} (device revoked?)`);
  const envelopes = (answer.body as { requests?: unknown }).requests;
  if (!Array.isArray(envelopes)) throw new DeviceError('the server answered a poll without requests');
  return envelopes.map((e) => verified(account, e)).filter((r): r is PushRequest => r !== undefined);
}

/**
 * docs/push.md §4: the request a pushed message carries (a ntfy message's body): decrypted with the account's
 * receiver key (RFC 8291), then verified under the server key like a polled one. Anyone who knows the topic can
 * publish to it, so a failure is an answer (`why`), never a request.
 */
export function openPushMessage(
  account: Account,
  body: Uint8Array,
): { readonly request: PushRequest } | { readonly why: string } {
  if (account.ntfy === undefined) return { why: 'this account has no push receiver key' };
  const plaintext = decryptPushMessage(body, receiverOf(account.ntfy));
  if (plaintext === undefined) return { why: "it does not decrypt with this device's receiver key" };
  let envelope: unknown;
  try {
    envelope = JSON.parse(new TextDecoder().decode(plaintext));
  } catch {
    return { why: 'it decrypts to something that is not a signed request' };
  }
  const request = verified(account, envelope);
  return request === undefined
    ? { why: "its signature does not verify under the server's key" }
    : { request };
}

/** docs/push.md §5: signs and posts an answer; the server's result (`approved`, `denied`) or a DeviceError. */
export async function answer(
  account: Account,
  request: PushRequest,
  decision: PushAnswer['decision'],
  reason: PushAnswer['reason'],
  number: string,
): Promise<string> {
  const unsigned = {
    session_id: request.session_id,
    device_id: account.deviceId,
    decision,
    reason,
    number,
    time: new Date().toISOString(),
  };
  const input = answerSigningInput(unsigned);
  if (input === undefined) throw new DeviceError('the answer cannot be signed (a field holds a line break)');
  const signature = base64url.encode(signEs256(createPrivateKey(account.privateKey), input));
  // SECURITY A7.4: the address comes from the signed request, not from where it was fetched.
  const posted = await call('POST', `${request.reply_to.replace(/\/+$/, '')}/device/v1/answer`, account.ca, {
    ...unsigned,
    signature,
  });
  const body = (posted.body ?? {}) as Record<string, unknown>;
  if (posted.status === 200) return String(body.result);
  if (posted.status === 409) throw new DeviceError(`already decided: ${String(body.result)}`);
  if (posted.status === 401)
    throw new DeviceError('the server refused the answer (expired, or not for this device)');
  throw new DeviceError(`the server answered ${posted.status}`);
}
