// Owns what the server does with its store beside serving: the replay journal's folding and the change feed.
import type { Logger } from 'pino';
import type { Config } from './config/config-schema.js';
import type { ChangeFeed, ChangeSink } from './domain/change-feed.js';
import type { Stores } from './store/open-stores.js';
import { ReplayJournal } from './store/replay-journal.js';

/**
 * The replay-guard journal beside the database. What a previous run (or crash) left in it is folded into the
 * token table before any code is checked, then the journal starts empty.
 */
export async function openReplayJournal(
  config: Config,
  stores: Stores,
  logger: Logger,
): Promise<ReplayJournal> {
  const journal = ReplayJournal.open(`${config.storage.sqlitePath}.replay`, config.storage.replaySyncMs);
  await foldReplayJournal(journal, stores, logger);
  return journal;
}

export async function foldReplayJournal(
  journal: ReplayJournal,
  stores: Stores,
  logger: Logger,
): Promise<void> {
  // Appends still waiting for their sync interval must be in `all` before it is folded and the file emptied.
  journal.settleNow();
  if (journal.markCount === 0) return;
  // The file is emptied only once the database holds every mark.
  const raised = await stores.applyReplayMarks(journal.all);
  journal.forgetFolded();
  logger.info(
    { event: 'store.replay_journal_folded', tokens: raised },
    'replay guard journal folded into the database',
  );
}

/** Change-log rows are kept this long: a node stopped for longer reloads everything at its next start anyway. */
const CHANGE_LOG_KEEP_MS = 60 * 60 * 1000;
const CHANGE_LOG_PRUNE_EVERY_MS = 10 * 60 * 1000;

/**
 * Starts the change feed into `sink` (the login index) and its pruning. Started before the index is loaded, so
 * no write between the two is missed.
 */
export async function openChangeFeed(stores: Stores, logger: Logger, sink: ChangeSink): Promise<ChangeFeed> {
  // A busy or broken database must not crash the server from a timer or a write path; the next tick tries again.
  const readFailed = (error: unknown) =>
    logger.error({ event: 'store.watch_failed', err: error }, 'cannot read the database for changes');
  const feed = stores.changeFeed(readFailed);
  await feed.start({
    changed: (changes) => sink.changed(changes),
    lost: () => {
      logger.warn(
        { event: 'store.change_feed_lost' },
        'change log pruned past this server: every user and token read again',
      );
      sink.lost();
    },
  });
  const pruneFailed = (error: unknown) =>
    logger.warn({ event: 'store.change_log_prune_failed', err: error }, 'old change log rows not deleted');
  const pruned = (rows: number) => {
    if (rows > 0) logger.info({ event: 'store.change_log_pruned', rows }, 'old change log rows deleted');
  };
  const timer = setInterval(() => {
    try {
      const rows = feed.prune(CHANGE_LOG_KEEP_MS);
      if (rows instanceof Promise) rows.then(pruned, pruneFailed);
      else pruned(rows);
    } catch (error) {
      pruneFailed(error);
    }
  }, CHANGE_LOG_PRUNE_EVERY_MS);
  timer.unref();
  return {
    start: (next) => feed.start(next),
    drain: () => {
      try {
        // PostgreSQL: resolves once delivered and never rejects (its failures go to `readFailed` itself).
        return feed.drain();
      } catch (error) {
        readFailed(error);
      }
    },
    prune: (olderThanMs, now) => feed.prune(olderThanMs, now),
    ...(feed.catchUp === undefined ? {} : { catchUp: feed.catchUp.bind(feed) }),
    close: () => {
      clearInterval(timer);
      feed.close();
    },
  };
}
