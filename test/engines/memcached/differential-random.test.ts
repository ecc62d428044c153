// Seeded random command streams sent to real memcached and our engine; replies must match.
import { describe, expect, it } from 'vitest';
import { randomCommand } from './command-generator.ts';
import { normalizeLoose, realMemcachedAvailable, textExchange } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';
import { rng } from './random.ts';

const available = realMemcachedAvailable();
const SEED = 20261125;
const BATCHES = 120;
const PER_BATCH = 8;

describe.skipIf(!available)('randomized differential (seed ' + SEED + ')', () => {
  const pair = realAndOursForTests();

  it(`${BATCHES} batches of ${PER_BATCH} commands`, async () => {
    const r = rng(SEED);
    for (let b = 0; b < BATCHES; b++) {
      let script = '';
      for (let i = 0; i < PER_BATCH; i++) script += randomCommand(r);
      const a = await textExchange(pair.real.port, script);
      const o = await textExchange(pair.ours.port, script);
      const ra = normalizeLoose(a.reply.toString('latin1')) + (a.closed ? ' <closed>' : '');
      const ro = normalizeLoose(o.reply.toString('latin1')) + (o.closed ? ' <closed>' : '');
      expect({ batch: b, script, reply: ro }).toEqual({ batch: b, script, reply: ra });
    }
  });
});
