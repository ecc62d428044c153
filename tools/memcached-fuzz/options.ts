// The start-options family (test/engines/memcached/fuzz-options.ts): per seed a random memcached command line
// starts real memcached 1.6.18 and our engine (read by the memcached-t adapter's option parser), then the same
// probe runs on both; prints the command line and the first differing line of every seed that differs.
//   node bin/run-ts.mjs tools/memcached-fuzz/options.ts [first-seed] [seed-count]
import { optionsCase, runOptionsCase } from '../../test/engines/memcached/fuzz-options.ts';
import { firstDifference } from '../../test/engines/memcached/fuzz-session.ts';
import { startOurs, startReal } from '../../test/engines/memcached/helpers.ts';
import { rng } from '../../test/engines/memcached/random.ts';
import { parseMemcachedArgs } from '../memcached-t/options.ts';

const [first = '1', count = '10'] = process.argv.slice(2);
let failures = 0;
for (let seed = Number(first); seed < Number(first) + Number(count); seed++) {
  const c = optionsCase(rng(seed));
  const { options } = parseMemcachedArgs(c.args);
  console.log(`seed ${seed}: ${c.args.join(' ')}`);
  const [real, ours] = await Promise.all([startReal(c.args), startOurs({ ...options, port: 0, version: '1.6.18' })]);
  try {
    const [a, o] = [await runOptionsCase(real.port, c), await runOptionsCase(ours.port, c)];
    if (a === o) continue;
    failures++;
    const { at, real: al, ours: ol } = firstDifference(a, o);
    const diffs = al.map((l, i) => (l !== ol[i] ? `  ${JSON.stringify(l)} / ${JSON.stringify(ol[i])}` : '')).filter(Boolean);
    console.log(`seed ${seed} (${c.args.join(' ')}) differs at line ${at}, ${diffs.length} lines:\n${diffs.slice(0, 12).join('\n')}\n`);
  } finally {
    await Promise.all([real.close(), ours.close()]);
  }
}
console.log(`${failures} of ${count} seeds differ`);
process.exit(failures ? 1 : 0);
