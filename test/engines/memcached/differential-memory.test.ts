// Memory as memcached 1.6 accounts it: 1 MB pages handed to slab classes on demand under -m, eviction
// within the class that needs a chunk, out of memory under -M, chunked items beyond slab_chunk_max,
// and `slabs reassign`. The same commands go to real memcached and to our engine; page and chunk
// counts, per-class item counters and the keys that survive must agree.
//
// Not compared: where memcached's background LRU maintainer has put items at the moment we look
// (number_hot/warm/cold, ages, moves_*, direct_reclaims, hits_to_*), since that depends on its timing.
import { afterEach, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';
import type { MemcachedServerOptions } from '../../../engines/memcached/index.ts';

const available = realMemcachedAvailable();
const MB = 1024 * 1024;

/** Fields the maintainer's timing decides (see above), plus those of the process and the clock. */
const TIMING = new Set([
  'number_hot', 'number_warm', 'number_cold', 'age_hot', 'age_warm', 'age', 'evicted_time', 'moves_to_cold',
  'moves_to_warm', 'moves_within_lru', 'direct_reclaims', 'hits_to_hot', 'hits_to_warm', 'hits_to_cold', 'hits_to_temp',
]);
const GLOBAL = ['bytes', 'curr_items', 'total_items', 'cmd_set', 'evictions', 'limit_maxbytes', 'slab_global_page_pool', 'store_no_memory', 'slabs_moved'];

let servers: Target[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function pair(realArgs: string[], ours: Partial<MemcachedServerOptions>): Promise<[Target, Target]> {
  const started = await Promise.all([startReal(realArgs), startOurs({ version: '1.6.18', ...ours })]);
  servers.push(...started);
  return started;
}

async function send(t: Target, script: string): Promise<string> {
  return (await textExchange(t.port, script, 5000)).reply.toString('latin1');
}

function stats(reply: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of reply.split('\r\n')) {
    const [tag, name, value] = line.split(' ');
    if (tag === 'STAT' && name !== undefined && !TIMING.has(name.split(':').pop()!)) m.set(name, value ?? '');
  }
  return m;
}

/** Everything memcached's allocator decides, from one server. */
async function memoryPicture(t: Target): Promise<Record<string, unknown>> {
  const general = stats(await send(t, 'stats\r\n'));
  return {
    slabs: Object.fromEntries(stats(await send(t, 'stats slabs\r\n'))),
    items: Object.fromEntries(stats(await send(t, 'stats items\r\n'))),
    stats: Object.fromEntries(GLOBAL.map((k) => [k, general.get(k)])),
  };
}

function sets(prefix: string, from: number, to: number, size: number, extra = ''): string {
  const value = 'v'.repeat(size);
  let s = '';
  for (let i = from; i < to; i++) s += `set ${prefix}${i} 0 ${extra || '0'} ${size}\r\n${value}\r\n`;
  return s;
}

/** Which of the keys are still there (mg without flags: HD or EN). */
async function survivors(t: Target, keys: string[]): Promise<string> {
  const reply = await send(t, keys.map((k) => `mg ${k}\r\n`).join(''));
  return reply
    .split('\r\n')
    .filter((l) => l === 'HD' || l === 'EN')
    .map((l) => (l === 'HD' ? '1' : '0'))
    .join('');
}

function keys(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/** Polls until `probe` gives the same answer on both servers (memcached moves pages in a background thread). */
async function settle(real: Target, ours: Target, probe: (t: Target) => Promise<string>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await probe(real)) === (await probe(ours))) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!available)('memory accounted per slab class as memcached', () => {
  it('one class takes pages until -m, then evicts its oldest items', async () => {
    const [real, ours] = await pair(['-m', '2'], { memoryLimit: 2 * MB });
    const script = sets('k', 0, 3000, 1000);
    await Promise.all([send(real, script), send(ours, script)]);
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
    const ks = keys('k', 3000);
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
  });

  it('classes compete for pages; each evicts only its own items', async () => {
    const [real, ours] = await pair(['-m', '3'], { memoryLimit: 3 * MB });
    let script = '';
    for (let round = 0; round < 6; round++) {
      script += sets('a', round * 400, (round + 1) * 400, 100) + sets('b', round * 60, (round + 1) * 60, 5000) + sets('c', round * 8, (round + 1) * 8, 50000);
    }
    await Promise.all([send(real, script), send(ours, script)]);
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
    const ks = [...keys('a', 2400), ...keys('b', 360), ...keys('c', 48)];
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
  });

  it('items read twice survive the eviction of their elders', async () => {
    const [real, ours] = await pair(['-m', '2'], { memoryLimit: 2 * MB });
    const first = sets('k', 0, 1500, 1000);
    await Promise.all([send(real, first), send(ours, first)]);
    const reads = 'get k0\r\nget k0\r\nget k5\r\nget k7\r\nget k7\r\n';
    await Promise.all([send(real, reads), send(ours, reads)]);
    const second = sets('k', 1500, 3000, 1000);
    await Promise.all([send(real, second), send(ours, second)]);
    const ks = keys('k', 3000);
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
    const pick = (p: Record<string, unknown>) => ({ ...p, items: undefined });
    expect(pick(await memoryPicture(ours))).toEqual(pick(await memoryPicture(real)));
  });

  it('-M answers out of memory in the full class and still stores in others', async () => {
    const [real, ours] = await pair(['-m', '2', '-M'], { memoryLimit: 2 * MB, errorOnMemoryExhausted: true });
    const script = sets('k', 0, 2500, 1000) + sets('s', 0, 20, 10) + sets('k', 2500, 2510, 1000);
    const [a, b] = await Promise.all([send(real, script), send(ours, script)]);
    expect(b).toEqual(a);
    expect(b).toContain('SERVER_ERROR out of memory storing object\r\n');
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
  });

  it('expired items are reclaimed before live ones are evicted', async () => {
    const [real, ours] = await pair(['-m', '2'], { memoryLimit: 2 * MB });
    const script = sets('x', 0, 1000, 1000, '-1') + sets('k', 0, 2500, 1000);
    await Promise.all([send(real, script), send(ours, script)]);
    const pick = (p: Record<string, unknown>) => {
      const stats = p.stats as Record<string, string>;
      return { slabs: p.slabs, curr_items: stats.curr_items, evictions: stats.evictions };
    };
    expect(pick(await memoryPicture(ours))).toEqual(pick(await memoryPicture(real)));
    const ks = keys('k', 2500);
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
  });
});

describe.skipIf(!available)('large items as memcached chunks them', () => {
  for (const [label, realArgs, options] of [
    ['defaults', ['-m', '64'], {}],
    ['-I 2m', ['-m', '64', '-I', '2m'], { maxItemSize: 2 * MB }],
    ['-o slab_chunk_max=16384', ['-m', '64', '-o', 'slab_chunk_max=16384'], { geometry: { slabChunkMax: 16384 } }],
  ] as const) {
    it(`chunked items with ${label}`, async () => {
      const [real, ours] = await pair([...realArgs], options);
      const sizes = [20000, 524200, 524300, 600000, 1000000, 1048000, 1048576, 1500000, 2097000, 3000000];
      const script = sizes.map((n, i) => `set big${i} ${i % 2} 0 ${n}\r\n${'z'.repeat(n)}\r\n`).join('') + 'append big1 0 0 5\r\nhello\r\n';
      const [a, b] = await Promise.all([send(real, script), send(ours, script)]);
      expect(b).toEqual(a);
      expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
      const probe = sizes.map((_, i) => `mg big${i} s f\r\n`).join('');
      expect(await send(ours, probe)).toEqual(await send(real, probe));
    });
  }

  it('a chunked item evicts within the classes its chunks come from', async () => {
    const [real, ours] = await pair(['-m', '4'], { memoryLimit: 4 * MB });
    const script = sets('s', 0, 3000, 800) + sets('big', 0, 12, 700000);
    await Promise.all([send(real, script), send(ours, script)]);
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
    const ks = [...keys('s', 3000), ...keys('big', 12)];
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
  });
});

describe.skipIf(!available)('slabs reassign moves pages as memcached', () => {
  it('replies, page counts and the global page pool', async () => {
    const [real, ours] = await pair(['-m', '8'], { memoryLimit: 8 * MB });
    const fill = sets('a', 0, 3000, 1000) + sets('b', 0, 10, 100);
    await Promise.all([send(real, fill), send(ours, fill)]);
    const cls = (await send(ours, 'me a0\r\n')).match(/cls=(\d+)/)![1]!;
    const small = (await send(ours, 'me b0\r\n')).match(/cls=(\d+)/)![1]!;
    const pages = async (t: Target) => {
      const s = stats(await send(t, 'stats slabs\r\n'));
      const g = stats(await send(t, 'stats\r\n'));
      return `${s.get(`${cls}:total_pages`)} ${s.get(`${small}:total_pages`)} ${g.get('slab_global_page_pool')} ${g.get('slabs_moved')}`;
    };
    for (const command of [
      `slabs reassign ${cls} ${cls}`,
      `slabs reassign ${small} ${cls}`,
      'slabs reassign 99 1',
      'slabs reassign -2 1',
      `slabs reassign ${cls} ${small}`,
      `slabs reassign ${cls} 0`,
    ]) {
      const [a, b] = await Promise.all([send(real, command + '\r\n'), send(ours, command + '\r\n')]);
      expect(b, command).toEqual(a);
      await settle(real, ours, pages);
      expect(await pages(ours), command).toEqual(await pages(real));
    }
    const ks = [...keys('a', 3000), ...keys('b', 10)];
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
  });
});
