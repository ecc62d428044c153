// The admin family (test/engines/memcached/fuzz-admin.ts): per seed a fresh real memcached 1.6.18 and engine,
// then the same run of operator commands, stores and stats reads on both; prints the first differing lines.
//   [ADMIN_DUMP=dir] node bin/run-ts.mjs tools/memcached-fuzz/admin.ts [first-seed] [seed-count] [steps-per-seed] [memcached args...]
// The memcached arguments start both servers (read for ours by the memcached-t adapter's option parser).
import { writeFileSync } from 'node:fs';
import { adminSteps, runAdmin } from '../../test/engines/memcached/fuzz-admin.ts';
import { firstDifference } from '../../test/engines/memcached/fuzz-session.ts';
import { startOurs, startReal } from '../../test/engines/memcached/helpers.ts';
import { rng } from '../../test/engines/memcached/random.ts';
import { parseMemcachedArgs } from '../memcached-t/options.ts';

const [first = '1', count = '10', length = '60', ...args] = process.argv.slice(2);
const { options } = parseMemcachedArgs(args);
let failures = 0;
for (let seed = Number(first); seed < Number(first) + Number(count); seed++) {
  const steps = adminSteps(rng(seed), Number(length));
  const [real, ours] = await Promise.all([startReal(args), startOurs({ ...options, port: 0, version: '1.6.18' })]);
  try {
    const [a, o] = [await runAdmin(real.port, steps), await runAdmin(ours.port, steps)];
    if (a === o) continue;
    failures++;
    // ADMIN_DUMP=<dir>: both whole transcripts, for reading a difference in its context.
    if (process.env.ADMIN_DUMP) {
      writeFileSync(`${process.env.ADMIN_DUMP}/${seed}.memcached.txt`, a);
      writeFileSync(`${process.env.ADMIN_DUMP}/${seed}.ours.txt`, o);
    }
    const { at, real: al, ours: ol } = firstDifference(a, o);
    const command = al.slice(0, at + 1).reverse().find((l) => l.startsWith('> ')) ?? '';
    const diffs = al.map((l, i) => (l !== ol[i] ? `  ${JSON.stringify(l)} / ${JSON.stringify(ol[i])}` : '')).filter(Boolean);
    console.log(`seed ${seed} differs at line ${at} after ${command}, ${diffs.length} lines:\n${diffs.slice(0, 12).join('\n')}\n`);
  } finally {
    await Promise.all([real.close(), ours.close()]);
  }
}
console.log(`${failures} of ${count} seeds differ`);
process.exit(failures ? 1 : 0);
