// Random differential fuzzer: seeded batches of text, meta and binary commands sent to real memcached
// 1.6.18 and our engine; prints every seed whose replies differ, shrunk to the commands that matter.
//   [FUZZ_LONG_LINES=1] node bin/run-ts.mjs tools/memcached-fuzz/run.ts [first-seed] [seed-count] [batches-per-seed] [memcached args...]
import { formatMismatch, fuzzSeed } from '../../test/engines/memcached/fuzz-session.ts';
import { startOurs, startReal } from '../../test/engines/memcached/helpers.ts';

const [first = '1', count = '50', batches = '40', ...memcachedArgs] = process.argv.slice(2);
const real = await startReal(memcachedArgs);
const ours = await startOurs({ version: '1.6.18' });
let failures = 0;
try {
  for (let seed = Number(first); seed < Number(first) + Number(count); seed++) {
    const mismatch = await fuzzSeed(seed, real.port, ours.port, { batches: Number(batches), shrink: true, longLines: process.env.FUZZ_LONG_LINES === '1' });
    if (mismatch) {
      failures++;
      console.log(formatMismatch(mismatch) + '\n');
    }
  }
} finally {
  await Promise.all([real.close(), ours.close()]);
}
console.log(`${failures} of ${count} seeds differ`);
process.exit(failures ? 1 : 0);
