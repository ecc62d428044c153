// WATCH of a key already past its TTL (not yet deleted, active expiry off): its later deletion by
// expiry, FLUSHDB or SWAPDB is no logical change, so EXEC still runs, as in redis-server 7.0 (found by
// Redis's unit/multi needs:debug tests). Differential: each scenario on a fresh connection to both.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();
const pause = () => new Promise((r) => setTimeout(r, 10));

const SCENARIOS: Record<string, string> = {
  'stale key watched, EXEC': 'SET x foo PX 1\n~\nWATCH x\nMULTI\nPING\nEXEC',
  'stale key watched, deleted by a lookup, EXEC': 'SET x foo PX 1\n~\nWATCH x\nEXISTS x\nMULTI\nPING\nEXEC',
  'stale key watched, FLUSHDB, EXEC': 'SET x foo PX 1\n~\nWATCH x\nFLUSHDB\nMULTI\nPING\nEXEC',
  'stale key watched, SWAPDB with no key': 'SELECT 1\nSET x foo PX 1\n~\nWATCH x\nSWAPDB 0 1\nMULTI\nPING\nEXEC',
  'missing key watched, SWAPDB brings a stale one': 'SET x foo PX 1\n~\nSELECT 1\nWATCH x\nSWAPDB 0 1\nMULTI\nPING\nEXEC',
  'stale key watched, SWAPDB brings another stale one': 'SELECT 1\nSET x foo PX 1\nSELECT 0\nSET x bar PX 1\n~\nSELECT 1\nWATCH x\nSWAPDB 0 1\nMULTI\nPING\nEXEC',
  'stale key watched, SWAPDB brings a live one': 'SELECT 1\nSET x foo PX 1\nSELECT 0\nSET x bar\n~\nSELECT 1\nWATCH x\nSWAPDB 0 1\nMULTI\nPING\nEXEC',
  'stale key watched, then overwritten': 'SET x foo PX 1\n~\nWATCH x\nSET x new\nMULTI\nPING\nEXEC',
  'live key watched, expires before EXEC': 'SET x foo PX 50\nWATCH x\n~~\nMULTI\nPING\nEXEC',
  'live key watched, FLUSHALL': 'SET x foo\nWATCH x\nFLUSHALL\nMULTI\nPING\nEXEC',
  'missing key watched in another db, SWAPDB with nothing there': 'SELECT 1\nWATCH nothing\nSWAPDB 0 1\nMULTI\nPING\nEXEC',
};

describe.runIf(available)('WATCH of stale keys as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function run(port: number, text: string): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      await c.call('FLUSHALL');
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      const out: string[] = [];
      for (const line of text.split('\n')) {
        // '~' waits for a 1 ms TTL to pass; '~~' for a 50 ms one.
        if (line === '~') await pause();
        else if (line === '~~') await new Promise((r) => setTimeout(r, 120));
        else out.push(await c.call(...(script(line)[0] as string[])));
      }
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      return out;
    } finally {
      c.close();
    }
  }

  for (const [name, text] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const theirs = await run(pair.real.port, text);
      expect(await run(pair.ours.port, text)).toEqual(theirs);
    });
  }
});
