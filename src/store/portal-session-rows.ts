// Owns the row shape of `portal_sessions` (migration 17) and its translation, shared by the SQLite and PostgreSQL
// adapters (the columns are the same on both).
import type {
  PortalMethod,
  PortalSessionChange,
  StoredPortalSession,
} from '../domain/portal-session-store.js';
import type { SignInMethod } from '../domain/sign-in.js';

export interface PortalSessionRow {
  key: string;
  user_name: string;
  groups: string;
  txn: string;
  stage: StoredPortalSession['stage'];
  methods: string;
  how: string;
  enroll_only: number;
  /** A string when it comes from PostgreSQL's BIGINT. */
  started_at: number | string;
  last_seen_at: number | string;
  code_failures: number;
  push_txn: string | null;
  push_number: string | null;
}

export function rowOfSession(session: StoredPortalSession): PortalSessionRow {
  return {
    key: session.key,
    user_name: session.user,
    groups: JSON.stringify(session.groups),
    txn: session.txn,
    stage: session.stage,
    methods: JSON.stringify(session.methods),
    how: session.how,
    enroll_only: session.enrollOnly ? 1 : 0,
    started_at: session.startedAt,
    last_seen_at: session.lastSeenAt,
    code_failures: session.codeFailures,
    push_txn: session.push?.txn ?? null,
    push_number: session.push?.number ?? null,
  };
}

export function sessionOfRow(row: PortalSessionRow): StoredPortalSession {
  return {
    key: row.key,
    user: row.user_name,
    groups: JSON.parse(row.groups) as string[],
    txn: row.txn,
    stage: row.stage,
    methods: JSON.parse(row.methods) as PortalMethod[],
    how: row.how as SignInMethod | '',
    enrollOnly: row.enroll_only === 1,
    startedAt: Number(row.started_at),
    lastSeenAt: Number(row.last_seen_at),
    codeFailures: row.code_failures,
    push: row.push_txn === null ? undefined : { txn: row.push_txn, number: row.push_number },
  };
}

/**
 * The nine parameters of each adapter's one UPDATE: new key, stage, how, lastSeenAt (null keeps the column), 1 when
 * the push is written, its txn and number, the key, and the stage the row must be in (null: any).
 */
export function updateParameters(
  key: string,
  change: PortalSessionChange,
  whileStage: StoredPortalSession['stage'] | undefined,
): (string | number | null)[] {
  const setPush = 'push' in change;
  return [
    change.key ?? null,
    change.stage ?? null,
    change.how ?? null,
    change.lastSeenAt ?? null,
    setPush ? 1 : 0,
    setPush ? (change.push?.txn ?? null) : null,
    setPush ? (change.push?.number ?? null) : null,
    key,
    whileStage ?? null,
  ];
}
