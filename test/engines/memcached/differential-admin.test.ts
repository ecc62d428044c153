// Malformed lines, noreply, HTTP-looking requests and operator commands: same bytes to real
// memcached and to our engine (once whole, once split at every byte), same replies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCRIPTS } from './admin-scripts.ts';
import { normalize, realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';

const available = realMemcachedAvailable();

/** Fields that differ between any two servers whatever they are sent. */
function mask(reply: string): string {
  return normalize(reply).replace(/STAT tcpport \d+/g, 'STAT tcpport ?');
}

describe.skipIf(!available)('operator commands and malformed input match real memcached', () => {
  let real: Target;
  let ours: Target;
  beforeAll(async () => {
    [real, ours] = await Promise.all([startReal(), startOurs({ version: '1.6.18' })]);
  });
  afterAll(async () => {
    await Promise.all([real?.close(), ours?.close()]);
  });

  for (const [family, scripts] of Object.entries(ADMIN_SCRIPTS)) {
    it(`${family} (${scripts.length} scripts, whole and byte by byte)`, async () => {
      const mismatches: { script: string; real: string; ours: string; split: boolean }[] = [];
      for (const script of scripts) {
        for (const split of [false, true]) {
          // Both servers get the same bytes in the same pieces: when replies go out depends on it.
          const a = await textExchange(real.port, script, 1500, split);
          const ra = mask(a.reply.toString('latin1')) + (a.closed ? ' <closed>' : '');
          const b = await textExchange(ours.port, script, 1500, split);
          const rb = mask(b.reply.toString('latin1')) + (b.closed ? ' <closed>' : '');
          if (ra !== rb) mismatches.push({ script, real: ra, ours: rb, split });
        }
      }
      expect(mismatches).toEqual([]);
    });
  }
});
