// Owns what the app keeps on the device, in IndexedDB: accounts (with their non-extractable signing keys), TOTP
// tokens (as non-extractable HMAC keys), pushed requests waiting to be opened, and settings. The page and the
// service worker share it.

/** One enrollment with one Assent server (docs/push.md §3). */
export interface Account {
  readonly deviceId: string;
  readonly user: string;
  readonly serverName: string;
  /** Where polls and answers go (the enrollment's `reply_to`); each request carries its own, signed. */
  readonly replyTo: string;
  /** The server's signing key, base64url point: every request must verify under it (SECURITY A7.4). */
  readonly serverKey: string;
  /** SECURITY A10.1: non-extractable; IndexedDB stores the key object, never its octets. */
  readonly privateKey: CryptoKey;
  readonly publicKey: string;
  readonly label: string;
  /** How the server reaches this device: Web Push, or only when the app asks (polling). */
  readonly delivery: 'webpush' | 'poll';
  /** Why a device that wanted notifications polls instead (permission refused, push service unreachable). */
  readonly pushNote: string;
  readonly enrolledAt: string;
}

/** A TOTP token; `key` is an HMAC CryptoKey that signs but cannot be read back. */
export interface Token {
  readonly id: string;
  readonly issuer: string;
  readonly account: string;
  readonly key: CryptoKey;
  readonly digits: number;
  readonly period: number;
  readonly addedAt: string;
}

/** A request that came by push, kept until it is answered or expires (the page verifies it again). */
export interface InboxItem {
  readonly sessionId: string;
  readonly deviceId: string;
  readonly envelope: unknown;
  readonly expires: string;
  readonly receivedAt: string;
}

/** How the user proves it is them before approving (SECURITY A10.3). */
export type Verification =
  | { readonly kind: 'none' }
  | { readonly kind: 'webauthn'; readonly credentialId: string }
  | {
      readonly kind: 'pin';
      readonly salt: string;
      readonly hash: string;
      readonly iterations: number;
      readonly failures: number;
      readonly lockedUntil: number;
    };

type StoreName = 'accounts' | 'tokens' | 'inbox' | 'settings';
const KEYS: Record<StoreName, string | undefined> = {
  accounts: 'deviceId',
  tokens: 'id',
  inbox: 'sessionId',
  settings: undefined,
};

let opened: Promise<IDBDatabase> | undefined;

/** The database, opened once; a failure (storage blocked, private mode) rejects and the app shows why. */
export function database(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('assent-authenticator', 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      for (const [name, keyPath] of Object.entries(KEYS)) {
        if (!db.objectStoreNames.contains(name))
          db.createObjectStore(name, keyPath === undefined ? {} : { keyPath });
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB cannot be opened'));
    request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
  opened.catch(() => {
    opened = undefined;
  });
  return opened;
}

function run<T>(
  store: StoreName,
  mode: IDBTransactionMode,
  act: (s: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  return database().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(store, mode);
        const request = act(tx.objectStore(store));
        tx.oncomplete = () => resolve(request.result);
        tx.onerror = () => reject(tx.error ?? new Error(`IndexedDB ${store} failed`));
        tx.onabort = () => reject(tx.error ?? new Error(`IndexedDB ${store} aborted`));
      }),
  );
}

export const all = <T>(store: StoreName) => run<T[]>(store, 'readonly', (s) => s.getAll() as IDBRequest<T[]>);
export const get = <T>(store: StoreName, key: string) =>
  run<T | undefined>(store, 'readonly', (s) => s.get(key) as IDBRequest<T | undefined>);
export const put = (store: StoreName, value: unknown, key?: string) =>
  run(store, 'readwrite', (s) => (key === undefined ? s.put(value) : s.put(value, key)));
export const remove = (store: StoreName, key: string) => run(store, 'readwrite', (s) => s.delete(key));

export const accounts = async () =>
  (await all<Account>('accounts')).sort((a, b) => a.enrolledAt.localeCompare(b.enrolledAt));
export const tokens = async () =>
  (await all<Token>('tokens')).sort((a, b) => a.addedAt.localeCompare(b.addedAt));

export async function verification(): Promise<Verification> {
  return (await get<Verification>('settings', 'verification')) ?? { kind: 'none' };
}
export const setVerification = (v: Verification) => put('settings', v, 'verification');

/** Drops inbox entries whose request has expired. */
export async function sweepInbox(nowMs: number): Promise<InboxItem[]> {
  const items = await all<InboxItem>('inbox');
  const live: InboxItem[] = [];
  for (const item of items) {
    if (Date.parse(item.expires) > nowMs) live.push(item);
    else await remove('inbox', item.sessionId);
  }
  return live;
}
