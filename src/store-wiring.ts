// Owns what the server does with its store beside serving: the replay journal's folding and the watch for CLI writes.
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Config } from './config/config-schema.js';
import type { Stores } from './store/open-stores.js';
import { ReplayJournal } from './store/replay-journal.js';

/**
 * The replay-guard journal beside the database. What a previous run (or crash) left in it is folded into the
 * token table before any code is checked, then the journal starts empty.
 */
export function openReplayJournal(config: Config, stores: Stores, logger: Logger): ReplayJournal {
  const journal = ReplayJournal.open(`${config.storage.sqlitePath}.replay`, config.storage.replaySyncMs);
  foldReplayJournal(journal, stores, logger);
  return journal;
}

export function foldReplayJournal(journal: ReplayJournal, stores: Stores, logger: Logger): void {
  // Appends still waiting for their sync interval must be in `all` before it is folded and the file emptied.
  journal.settleNow();
  if (journal.all.size === 0) return;
  const raised = stores.applyReplayMarks(journal.all);
  journal.rewrite(new Map());
  logger.info(
    { event: 'store.replay_journal_folded', tokens: raised },
    'replay guard journal folded into the database',
  );
}

/** How often the user cache checks for writes by other processes (`assent user disable` takes effect after it). */
export const FOREIGN_WRITE_CHECK_MS = 500;

/**
 * SQLite's `data_version` changes when another connection commits (the CLI), never for our own writes, which
 * the caching store sees directly. Polling it costs one pragma per interval, not one query per login.
 */
export function watchForeignWrites(
  db: Database.Database,
  logger: Logger,
  onChange: () => void,
): NodeJS.Timeout {
  let version = db.pragma('data_version', { simple: true });
  const timer = setInterval(() => {
    if (!db.open) return;
    try {
      const now = db.pragma('data_version', { simple: true });
      if (now !== version) {
        version = now;
        onChange();
      }
    } catch (error) {
      // A busy or broken database must not crash the server from a timer; the next tick tries again.
      logger.error({ event: 'store.watch_failed', err: error }, 'cannot check the database for changes');
    }
  }, FOREIGN_WRITE_CHECK_MS);
  timer.unref();
  return timer;
}
