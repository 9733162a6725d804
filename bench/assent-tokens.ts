// Owns putting the benchmark's TOTP tokens into Assent's database (SQLite or PostgreSQL): through the store, 10,000
// per transaction.
import { loadConfig } from '../src/config/load-config.js';
import type { NewToken } from '../src/domain/token.js';
import { deriveTotpKey, TOTP_DIGITS, TOTP_PERIOD_SECONDS } from '../src/loadgen/totp-keys.js';
import { openConfiguredStores } from '../src/store/open-stores.js';
import { USER_FORMAT } from './bench-users.js';

const BATCH = 10_000;

/**
 * Gives users 0…count-1 a TOTP token each (SHA-1, 6 digits, 30 s) with the key `deriveTotpKey(seed, i)`, the
 * same keys FreeRADIUS gets in its users file. Written through the token store (sealed like any other token)
 * rather than by running `assent token add` 200,000 times. Assent must not be running.
 * @returns how many tokens were added
 * @throws Error when the config does not load; StoreError from the store
 */
export async function addBenchTokens(configFile: string, count: number, seed: Uint8Array): Promise<number> {
  const loaded = loadConfig({ file: configFile, env: {} });
  if (!loaded.ok) throw new Error(`assent config: ${loaded.errors.join('; ')}`);
  const stores = await openConfiguredStores(loaded.config);
  try {
    let added = 0;
    for (let start = 0; start < count; start += BATCH) {
      const batch: NewToken[] = [];
      for (let i = start; i < Math.min(count, start + BATCH); i++) {
        batch.push({
          serial: `BENCH${String(i).padStart(7, '0')}`,
          userName: USER_FORMAT.replace('%d', String(i)),
          type: 'totp',
          secret: deriveTotpKey(seed, i),
          algorithm: 'SHA1',
          digits: TOTP_DIGITS,
          period: TOTP_PERIOD_SECONDS,
          label: 'bench',
        });
      }
      added += await stores.tokens.addMany(batch);
    }
    return added;
  } finally {
    await stores.close();
  }
}
