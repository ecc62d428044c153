// Large items and page moves as memcached 1.6 does them: values beyond slab_chunk_max chained over
// chunks (a header in a small class, full chunks, a last chunk in the class that fits it), append
// rebuilding such chains, and `slabs reassign` moving a class's oldest page to another class or to
// the global page pool. Compared against real memcached started with the same options.
import { afterEach, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, type Target } from './helpers.ts';
import { closeAll, keys, MB, memoryPicture, pair, send, sets, settle, stats, survivors } from './memory-helpers.ts';

const available = realMemcachedAvailable();
afterEach(closeAll);

describe.skipIf(!available)('large items as memcached chunks them', () => {
  for (const [label, realArgs, options] of [
    ['defaults', ['-m', '64'], {}],
    ['-I 2m', ['-m', '64', '-I', '2m'], { maxItemSize: 2 * MB }],
    ['-o slab_chunk_max=16384', ['-m', '64', '-o', 'slab_chunk_max=16384'], { geometry: { slabChunkMax: 16384 } }],
  ] as const) {
    it(`chunked items with ${label}`, async () => {
      const [real, ours] = await pair([...realArgs], options);
      const sizes = [20000, 524200, 524300, 600000, 1048000, 1048576, 1500000, 2097000];
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
    const fill = sets('a', 0, 2000, 1000) + sets('b', 0, 10, 100);
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
    const ks = [...keys('a', 2000), ...keys('b', 10)];
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
  });
});

describe.skipIf(!available)('slabs automove 1 as memcached', () => {
  it('a class left with more than 2.5 pages of free chunks gives pages back to the global pool', async () => {
    const [real, ours] = await pair(['-m', '8', '-o', 'slab_automove_window=3'], { memoryLimit: 8 * MB, slabAutomoveWindow: 3 });
    const fill = sets('a', 0, 500, 10000);
    await Promise.all([send(real, fill), send(ours, fill)]);
    const drop = keys('a', 450).map((k) => `delete ${k}\r\n`).join('');
    await Promise.all([send(real, drop), send(ours, drop)]);
    const pool = async (t: Target) => {
      const s = stats(await send(t, 'stats slabs\r\n'));
      const g = stats(await send(t, 'stats\r\n'));
      const pages = [...s.entries()].filter(([k]) => k.endsWith(':total_pages')).map(([k, v]) => `${k}=${v}`);
      return `${pages.join(' ')} pool=${g.get('slab_global_page_pool')}`;
    };
    // Three clean one-second samples, then a page at a time until at most 2.5 pages' worth are free.
    let a = '';
    let b = '';
    for (let i = 0; i < 150; i++) {
      [a, b] = await Promise.all([pool(real), pool(ours)]);
      if (a === b && !a.includes('pool=0')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(b).toEqual(a);
    expect(await pool(ours)).not.toContain('pool=0');
  });
});
