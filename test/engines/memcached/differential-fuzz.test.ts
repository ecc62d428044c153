// The random differential (tools/memcached-fuzz) on a few fixed seeds: seeded batches of text, meta
// and binary commands with odd keys, lengths and noreply, replies compared with real memcached 1.6.18;
// the multi-connection family (replies and stats counters), the start-options family and the admin family
// (run-time settings, page moves, crawls and what stats and metadumps show) likewise.
import { describe, expect, it } from 'vitest';
import { parseMemcachedArgs } from '../../../tools/memcached-t/options.ts';
import { adminSteps, runAdmin } from './fuzz-admin.ts';
import { multiBatch, runMulti } from './fuzz-multi.ts';
import { optionsCase, runOptionsCase } from './fuzz-options.ts';
import { firstDifference, formatMismatch, fuzzSeed } from './fuzz-session.ts';
import { realMemcachedAvailable, startOurs, startReal } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';
import { int, rng } from './random.ts';

const available = realMemcachedAvailable();
const SEEDS = [3, 17, 29, 31, 40, 1001];
const BATCHES = 12;
const MULTI_SEEDS = [5, 27, 296, 1075];
// Start-options seeds with no automove 2 (its page moves are memcached's rebalancer thread's timing).
const OPTIONS_SEEDS = [3, 7];
const ADMIN_SEEDS = [1, 4];

/** The first line where two transcripts part, with its neighbours, or '' when they agree. */
function partingLine(real: string, ours: string): string {
  const { at, real: a, ours: b } = firstDifference(real, ours);
  return at < 0 ? '' : `line ${at}: ${JSON.stringify(a.slice(Math.max(0, at - 3), at + 1))} / ${JSON.stringify(b[at])}`;
}

describe.skipIf(!available)('random differential', () => {
  const pair = realAndOursForTests({ ours: { version: '1.6.18' } });

  it(`seeds ${SEEDS.join(', ')}: ${BATCHES} batches each`, async () => {
    const found: string[] = [];
    for (const seed of SEEDS) {
      const m = await fuzzSeed(seed, pair.real.port, pair.ours.port, { batches: BATCHES });
      if (m) found.push(formatMismatch(m));
    }
    expect(found).toEqual([]);
  }, 60_000);

  it(`multi-connection family, seeds ${MULTI_SEEDS.join(', ')}: 4 batches each`, async () => {
    const found: string[] = [];
    for (const seed of MULTI_SEEDS) {
      const r = rng(seed);
      for (let b = 0; b < 4; b++) {
        const steps = multiBatch(r, `t${seed}_${b}_`, int(r, 2, 20));
        const parting = partingLine(await runMulti(pair.real.port, steps), await runMulti(pair.ours.port, steps));
        if (parting) found.push(`seed ${seed} batch ${b} ${parting}`);
      }
    }
    expect(found).toEqual([]);
  }, 60_000);
});

describe.skipIf(!available)('random differential of start options', () => {
  it(`seeds ${OPTIONS_SEEDS.join(', ')}`, async () => {
    const found: string[] = [];
    for (const seed of OPTIONS_SEEDS) {
      const c = optionsCase(rng(seed));
      const { options } = parseMemcachedArgs(c.args);
      const [real, ours] = await Promise.all([startReal(c.args), startOurs({ ...options, port: 0, version: '1.6.18' })]);
      try {
        const parting = partingLine(await runOptionsCase(real.port, c), await runOptionsCase(ours.port, c));
        if (parting) found.push(`seed ${seed} (${c.args.join(' ')}) ${parting}`);
      } finally {
        await Promise.all([real.close(), ours.close()]);
      }
    }
    expect(found).toEqual([]);
  }, 120_000);
});

describe.skipIf(!available)('random differential of operator commands', () => {
  it(`admin family, seeds ${ADMIN_SEEDS.join(', ')}: 60 steps each`, async () => {
    const found: string[] = [];
    for (const seed of ADMIN_SEEDS) {
      const steps = adminSteps(rng(seed), 60);
      const [real, ours] = await Promise.all([startReal(), startOurs({ version: '1.6.18' })]);
      try {
        const parting = partingLine(await runAdmin(real.port, steps), await runAdmin(ours.port, steps));
        if (parting) found.push(`seed ${seed} ${parting}`);
      } finally {
        await Promise.all([real.close(), ours.close()]);
      }
    }
    expect(found).toEqual([]);
  }, 60_000);
});
