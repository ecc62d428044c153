// The random differential (tools/memcached-fuzz) on a few fixed seeds: seeded batches of text, meta
// and binary commands with odd keys, lengths and noreply, replies compared with real memcached 1.6.18.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMismatch, fuzzSeed } from './fuzz-session.ts';
import { realMemcachedAvailable, startOurs, startReal, type Target } from './helpers.ts';

const available = realMemcachedAvailable();
const SEEDS = [3, 17, 29, 31, 40, 1001];
const BATCHES = 12;

describe.skipIf(!available)('random differential', () => {
  let real: Target;
  let ours: Target;
  beforeAll(async () => {
    [real, ours] = await Promise.all([startReal(), startOurs({ version: '1.6.18' })]);
  });
  afterAll(async () => {
    await Promise.all([real?.close(), ours?.close()]);
  });

  it(`seeds ${SEEDS.join(', ')}: ${BATCHES} batches each`, async () => {
    const found: string[] = [];
    for (const seed of SEEDS) {
      const m = await fuzzSeed(seed, real.port, ours.port, { batches: BATCHES });
      if (m) found.push(formatMismatch(m));
    }
    expect(found).toEqual([]);
  }, 60_000);
});
