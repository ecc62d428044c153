// Generated meta differential: seeded random streams of mg/ms/md/ma/mn/me with random flag
// combinations, sent to real memcached and to our engine (whole, and split at every byte); replies
// must match once CAS numbers are put in order of first appearance and clock-dependent fields masked.
import { describe, expect, it } from 'vitest';
import { normalize, realMemcachedAvailable, textExchange } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';
import { randomMetaCommand } from './meta-generator.ts';
import { rng } from './random.ts';

const available = realMemcachedAvailable();
const SEED = 20261126;
const BATCHES = 150;
const PER_BATCH = 10;

describe.skipIf(!available)(`generated meta differential (seed ${SEED})`, () => {
  const pair = realAndOursForTests({ ours: { version: '1.6.18' } });

  it(`${BATCHES} batches of ${PER_BATCH} meta commands`, async () => {
    const r = rng(SEED);
    for (let b = 0; b < BATCHES; b++) {
      let script = '';
      for (let i = 0; i < PER_BATCH; i++) script += randomMetaCommand(r);
      // Every tenth batch arrives one byte at a time, on both servers.
      const split = b % 10 === 9;
      const a = await textExchange(pair.real.port, script, 1500, split);
      const o = await textExchange(pair.ours.port, script, 1500, split);
      const ra = normalize(a.reply.toString('latin1')) + (a.closed ? ' <closed>' : '');
      const ro = normalize(o.reply.toString('latin1')) + (o.closed ? ' <closed>' : '');
      expect({ batch: b, script, reply: ro }).toEqual({ batch: b, script, reply: ra });
    }
  });
});
