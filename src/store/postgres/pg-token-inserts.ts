// Owns adding tokens to PostgreSQL, all or none: per-user locks, the admission rules, INSERTs of a thousand each.
import type { Pool, PoolClient } from 'pg';
import { nameKey } from '../../domain/name-key.js';
import { StoreError, StoreErrorCode } from '../../domain/ports.js';
import type { NewToken, Token } from '../../domain/token.js';
import { HolderSpellings, tokenConflict } from '../../domain/token-admission.js';
import type { Sealer } from '../sealer.js';
import { tokenSecretAad } from '../sqlite/sqlite-token-store.js';
import { tokenHolderLock } from './pg-locks.js';
import {
  HELD_BY,
  HOLDER_LOCK,
  HOLDERS_OF_KEYS,
  INSERT_BACKUP_CODES,
  INSERT_MANY,
  LOCK_FOR_ADD,
  LOCK_FOR_IMPORT,
  type TokenRow,
  toToken,
} from './pg-token-statements.js';
import { inTransaction } from './pg-transaction.js';

/** Above this many users in one batch, the batch locks the table instead of each user. */
const MAX_USER_LOCKS = 32;

/**
 * Tokens per INSERT of a batch. Their columns go as nine arrays (`unnest`), so no size meets PostgreSQL's
 * 65,535 bind parameters; the bound keeps each statement well within `storage.timeoutMs`.
 */
const INSERT_SLICE = 1000;

/** What `tokenConflict` reads of a token already held or added earlier in the batch. */
type Held = Pick<Token, 'type' | 'secret' | 'serial'>;

/**
 * Adds all or none, in one transaction. The rules of `tokenConflict` read what is held before inserting,
 * which two nodes could both pass at once; so the transaction first takes the advisory lock of each user it
 * adds to (tokenHolderLock: one per name key, in ascending order so two batches cannot deadlock) and reads
 * only after holding them: a node adding `Lara` while another adds `lara` waits, then sees that token.
 */
export function addTokens(
  pool: Pool,
  sealer: Sealer,
  now: () => Date,
  tokens: readonly NewToken[],
): Promise<Token[]> {
  if (tokens.length === 0) return Promise.resolve([]);
  return inTransaction(pool, async (client) => {
    const locks = new Map<number, readonly [number, number]>();
    for (const token of tokens) {
      const lock = tokenHolderLock(token.userName);
      locks.set(lock[1], lock);
    }
    if (locks.size > MAX_USER_LOCKS) {
      // An import: one lock per user costs a round trip each and a slot each in PostgreSQL's shared lock table
      // (sized for about 64 per connection by default; an import of a few hundred thousand users can fill it).
      // The table lock excludes every other adder at once; a single add takes ROW EXCLUSIVE before it reads
      // (below), so it either waits for the import or the import waits for it.
      await client.query(LOCK_FOR_IMPORT);
    } else {
      await client.query(LOCK_FOR_ADD);
      for (const [namespace, key] of [...locks.values()].sort((a, b) => a[1] - b[1])) {
        await client.query(HOLDER_LOCK, [namespace, key]);
      }
    }
    // The holders of the batch's name keys, read once per batch and kept up to date as the batch goes in (an
    // import is one batch). The statement reads a superset (see HOLDERS_OF_KEYS); the keys narrow it.
    const keys = new Set(tokens.map((token) => nameKey(token.userName)));
    const holders = await client.query<{ user_name: string }>(HOLDERS_OF_KEYS, [[...keys]]);
    const spellings = new HolderSpellings(
      holders.rows.map((row) => row.user_name).filter((name) => keys.has(nameKey(name))),
    );
    const names = [...new Set(tokens.map((token) => token.userName))];
    const held = await client.query<TokenRow>(HELD_BY, [names]);
    const heldBy = new Map<string, Held[]>();
    for (const row of held.rows) heldList(heldBy, row.user_name).push(toToken(row, sealer));
    const added: Token[] = [];
    for (let start = 0; start < tokens.length; start += INSERT_SLICE) {
      const slice = tokens.slice(start, start + INSERT_SLICE);
      // Each token is checked as before, in batch order, against what is held and what the batch added before
      // it. A refused token is inserted with those before it first: a used serial up to and including it is
      // still ALREADY_EXISTS, as when each token went in before its check; either way the batch rolls back.
      let refused: StoreError | undefined;
      let end = slice.length;
      for (const [i, token] of slice.entries()) {
        const others = heldList(heldBy, token.userName);
        const conflict = tokenConflict(token, others, spellings.of(token.userName));
        if (conflict !== undefined) {
          refused = new StoreError(StoreErrorCode.Conflict, `token ${token.serial}: ${conflict}`);
          end = i + 1;
          break;
        }
        spellings.add(token.userName);
        others.push(token);
      }
      const inserted = end === slice.length ? slice : slice.slice(0, end);
      added.push(...(await insertMany(client, sealer, now, inserted)));
      if (refused !== undefined) throw refused;
    }
    return added;
  });
}

function heldList(heldBy: Map<string, Held[]>, userName: string): Held[] {
  let list = heldBy.get(userName);
  if (list === undefined) {
    list = [];
    heldBy.set(userName, list);
  }
  return list;
}

/** Inserts `tokens` (at most INSERT_SLICE) and their backup codes, two statements; returns them in order. */
async function insertMany(
  client: PoolClient,
  sealer: Sealer,
  now: () => Date,
  tokens: readonly NewToken[],
): Promise<Token[]> {
  const sealed = tokens.map((token) => sealer.seal(token.secret, tokenSecretAad(token.serial)));
  const { rows } = await client.query<TokenRow>(INSERT_MANY, [
    tokens.map((token) => token.serial),
    tokens.map((token) => token.userName),
    tokens.map((token) => token.type),
    sealed,
    tokens.map((token) => token.algorithm),
    tokens.map((token) => token.digits),
    tokens.map((token) => token.period ?? 30),
    tokens.map((token) => token.lastUsed ?? -1),
    tokens.map((token) => token.label ?? ''),
    now().toISOString(),
  ]);
  // RETURNING's order is not promised: match the rows to the batch by serial (unique, or the INSERT failed).
  const bySerial = new Map(rows.map((row) => [row.serial, row]));
  const tokenIds: string[] = [];
  const hashes: Buffer[] = [];
  const inserted = tokens.map((token) => {
    const row = bySerial.get(token.serial)!;
    for (const hash of token.backupCodeHashes ?? []) {
      tokenIds.push(row.id);
      hashes.push(Buffer.from(hash));
    }
    return toToken(row, sealer);
  });
  if (hashes.length > 0) await client.query(INSERT_BACKUP_CODES, [tokenIds, hashes]);
  return inserted;
}
