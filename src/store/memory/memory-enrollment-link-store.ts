// Owns the in-process EnrollmentLinkStore: the conformance suite's reference and the stores of tests.
import type {
  EnrollmentLinkBounds,
  EnrollmentLinkIssue,
  EnrollmentLinkStore,
  HeldTotp,
  StoredEnrollmentLink,
} from '../../domain/enrollment-link-store.js';

interface Row extends StoredEnrollmentLink {
  open: boolean;
  totp: Uint8Array | undefined;
}

/** Single-threaded: each method is one step, as the databases' transactions and conditional statements are. */
export class MemoryEnrollmentLinkStore implements EnrollmentLinkStore {
  readonly #rows = new Map<string, Row>();

  issue(link: StoredEnrollmentLink, bounds: EnrollmentLinkBounds): EnrollmentLinkIssue {
    const since = link.issuedAt - bounds.windowMs;
    const recent = [...this.#rows.values()].filter((r) => r.issuedAt > since);
    if (recent.filter((r) => r.user === link.user).length >= bounds.perUser) return 'limited';
    const fromSource = recent.filter((r) => r.source === link.source);
    if (link.source !== '' && fromSource.length >= bounds.perSource) return 'limited';
    // The databases' primary key: before the close, so a taken key leaves the user's open link as it was.
    if (this.#rows.has(link.key)) return 'taken';
    for (const row of this.#rows.values()) {
      if (row.user !== link.user || !row.open) continue;
      row.open = false;
      row.totp = undefined;
    }
    this.#rows.set(link.key, { ...link, open: true, totp: undefined });
    return 'issued';
  }

  peek(key: string, now: number): StoredEnrollmentLink | undefined {
    const row = this.#openRow(key, now);
    return row === undefined ? undefined : linkOf(row);
  }

  take(key: string, now: number): StoredEnrollmentLink | undefined {
    const row = this.#openRow(key, now);
    if (row === undefined) return undefined;
    row.open = false;
    row.totp = undefined;
    return linkOf(row);
  }

  holdTotp(key: string, secret: Uint8Array, now: number): StoredEnrollmentLink | undefined {
    const row = this.#openRow(key, now);
    if (row === undefined) return undefined;
    row.totp = Uint8Array.from(secret);
    return linkOf(row);
  }

  pendingTotp(user: string, transactionId: string, now: number): HeldTotp | undefined {
    for (const row of this.#rows.values()) {
      if (!row.open || row.user !== user || row.expiresAt <= now) continue;
      if (row.transactionId !== transactionId || row.totp === undefined) return undefined;
      return { key: row.key, secret: Uint8Array.from(row.totp) };
    }
    return undefined;
  }

  sweep(now: number, windowMs: number): number {
    let swept = 0;
    for (const [key, row] of this.#rows) {
      if (row.expiresAt > now || row.issuedAt > now - windowMs) continue;
      this.#rows.delete(key);
      swept += 1;
    }
    return swept;
  }

  #openRow(key: string, now: number): Row | undefined {
    const row = this.#rows.get(key);
    return row?.open === true && row.expiresAt > now ? row : undefined;
  }
}

function linkOf(row: Row): StoredEnrollmentLink {
  const { key, user, transactionId, source, issuedAt, expiresAt } = row;
  return { key, user, transactionId, source, issuedAt, expiresAt };
}
