// Owns the conformance suite every PushMutes adapter must pass (SECURITY A7.8; ARCHITECTURE.md §6: one suite,
// every adapter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Awaitable } from '../../src/domain/awaitable.js';
import type { PushMutes } from '../../src/domain/push-mutes.js';

/** Builds a fresh, empty store on each call. */
export type MakePushMutes = () => Awaitable<PushMutes>;

const T0 = 1_800_000_000_000;
const MINUTE = 60_000;

export function runPushMutesConformance(name: string, makeStore: MakePushMutes): void {
  describe(`PushMutes conformance: ${name}`, () => {
    test('a user never muted reads 0; a mute reads its end; names are case-sensitive', async () => {
      const mutes = await makeStore();
      assert.equal(await mutes.until('alice'), 0);
      await mutes.mute('alice', T0 + 20 * MINUTE);
      assert.equal(await mutes.until('alice'), T0 + 20 * MINUTE);
      assert.equal(await mutes.until('Alice'), 0);
    });

    test('a later, shorter mute does not shorten a running one; a longer one extends it', async () => {
      const mutes = await makeStore();
      await mutes.mute('bob', T0 + 20 * MINUTE);
      await mutes.mute('bob', T0 + MINUTE);
      assert.equal(await mutes.until('bob'), T0 + 20 * MINUTE);
      await mutes.mute('bob', T0 + 40 * MINUTE);
      assert.equal(await mutes.until('bob'), T0 + 40 * MINUTE);
    });

    test('lift ends a mute: true while it ran, false when it had ended or never was; then reads 0', async () => {
      const mutes = await makeStore();
      await mutes.mute('carol', T0 + 20 * MINUTE);
      await mutes.mute('dave', T0 + MINUTE);
      assert.equal(await mutes.lift('carol', T0), true);
      assert.equal(await mutes.until('carol'), 0);
      assert.equal(await mutes.lift('carol', T0), false, 'lifted already');
      assert.equal(await mutes.lift('dave', T0 + 2 * MINUTE), false, 'it had ended by itself');
      assert.equal(await mutes.until('dave'), 0, 'the ended row is gone too');
      assert.equal(await mutes.lift('erin', T0), false, 'never muted');
      await mutes.mute('carol', T0 + 5 * MINUTE);
      assert.equal(
        await mutes.until('carol'),
        T0 + 5 * MINUTE,
        'a new mute after a lift is not held up by the old',
      );
    });
  });
}
