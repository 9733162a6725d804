// Owns the command-line authenticator's state: one file per enrolled account, owner-only (docs/push.md §3).
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What enrollment leaves behind: who we are at which server, our private key, and whom we trust. */
export interface Account {
  readonly deviceId: string;
  readonly user: string;
  readonly serverName: string;
  /** docs/push.md §3 `reply_to`: where answers and polls go. */
  readonly replyTo: string;
  /** The server's signing key (base64url point): every push request must verify under it. */
  readonly serverKey: string;
  /** Our ES256 key, PKCS#8 PEM. Never leaves this file. */
  readonly privateKey: string;
  /** PEM of the CA or certificate the server's TLS certificate is checked against; empty: the system's. */
  readonly ca: string;
  readonly enrolledAt: string;
  /** Where pushes arrive besides polling: a ntfy (UnifiedPush) topic; absent for a device that only polls. */
  readonly ntfy?: NtfyTopic;
}

/** A ntfy topic the server publishes this device's requests to, and the keys they are encrypted to. */
export interface NtfyTopic {
  /** The topic's URL, `https://ntfy.example/upAbC…`; its `/json` stream brings the messages. */
  readonly topicUrl: string;
  /** What the server publishes to: the topic URL with `up=1` (ntfy's UnifiedPush mode, docs/push.md §3). */
  readonly endpoint: string;
  /** RFC 8291 §3.1: our P-256 ECDH key the messages are encrypted to, PKCS#8 PEM. Never leaves this file. */
  readonly receiverKey: string;
  /** RFC 8291 §3.2: the 16-octet auth secret, base64url. Never leaves this file but for enrollment. */
  readonly auth: string;
  /** PEM of the CA (or certificate) the ntfy server's TLS certificate is checked against; empty: the system's. */
  readonly ca: string;
}

/** An OTP token the authenticator holds (`add-token`), for `code`. */
export interface HeldToken {
  readonly label: string;
  readonly uri: string;
}

/** `$ASSENT_AUTHENTICATOR_HOME`, else `~/.config/assent-authenticator`. */
export function authenticatorHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.ASSENT_AUTHENTICATOR_HOME || join(homedir(), '.config', 'assent-authenticator');
}

/** Reads and writes the state under `home`: directories 0700, files 0600, written whole (rename). */
export class AccountStore {
  constructor(private readonly home: string) {}

  private dir(kind: 'accounts' | 'tokens'): string {
    const dir = join(this.home, kind);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(this.home, 0o700);
    return dir;
  }

  private write(path: string, value: unknown): void {
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(temporary, path);
  }

  saveAccount(account: Account): void {
    this.write(join(this.dir('accounts'), `${account.deviceId}.json`), account);
  }

  /** Every account, oldest enrollment first. */
  accounts(): Account[] {
    const dir = this.dir('accounts');
    return readdirSync(dir)
      .filter((name) => /^ASNP\d{8}\.json$/.test(name))
      .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Account)
      .sort((a, b) => a.enrolledAt.localeCompare(b.enrolledAt));
  }

  saveToken(token: HeldToken): void {
    const file = `${Buffer.from(token.label).toString('base64url') || 'token'}.json`;
    this.write(join(this.dir('tokens'), file), token);
  }

  tokens(): HeldToken[] {
    const dir = this.dir('tokens');
    return readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as HeldToken);
  }
}
