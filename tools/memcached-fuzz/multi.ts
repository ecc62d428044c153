// The multi-connection family (test/engines/memcached/fuzz-multi.ts): per seed, batches of steps spread over
// a few connections to real memcached 1.6.18 and to our engine; prints the first differing batch of a seed.
//   node bin/run-ts.mjs tools/memcached-fuzz/multi.ts [first-seed] [seed-count] [batches-per-seed]
import { multiBatch, runMulti } from '../../test/engines/memcached/fuzz-multi.ts';
import { firstDifference } from '../../test/engines/memcached/fuzz-session.ts';
import { startOurs, startReal } from '../../test/engines/memcached/helpers.ts';
import { int, rng } from '../../test/engines/memcached/random.ts';

const [first = '1', count = '20', batches = '10'] = process.argv.slice(2);
const real = await startReal();
const ours = await startOurs({ version: '1.6.18' });
let failures = 0;
try {
  for (let seed = Number(first); seed < Number(first) + Number(count); seed++) {
    const r = rng(seed);
    for (let b = 0; b < Number(batches); b++) {
      const steps = multiBatch(r, `m${seed}_${b}_`, int(r, 2, 20));
      const [a, o] = [await runMulti(real.port, steps), await runMulti(ours.port, steps)];
      if (a === o) continue;
      failures++;
      const { at, real: al, ours: ol } = firstDifference(a, o);
      const from = process.env.MULTI_FULL ? 0 : Math.max(0, at - 12);
      console.log(`seed ${seed} batch ${b} differs at line ${at}: ${JSON.stringify(al[at])} / ${JSON.stringify(ol[at])}\n--- memcached\n${al.slice(from, at + 3).join('\n')}\n--- ours\n${ol.slice(at, at + 3).join('\n')}\n`);
      break;
    }
  }
} finally {
  await Promise.all([real.close(), ours.close()]);
}
console.log(`${failures} of ${count} seeds differ`);
process.exit(failures ? 1 : 0);
