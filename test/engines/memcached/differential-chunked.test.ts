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

describe.skipIf(!available)('a page move keeps large items by moving their chunks', () => {
  // 200 items of 11000 bytes chained over 4 KiB chunks fill most of three pages of the chunk class;
  // each move of its oldest page copies chunks into free ones elsewhere (chunk rescues) and, once none
  // is left, evicts whole items, whose freed chunks on the page are then reclaimed inline.
  it('slab_reassign_chunk_rescues, evictions and reclaims as memcached counts them; the values survive intact', async () => {
    const [real, ours] = await pair(['-m', '8', '-o', 'slab_chunk_max=4096'], { memoryLimit: 8 * MB, geometry: { slabChunkMax: 4096 } });
    const value = Array.from({ length: 11000 }, (_, i) => String.fromCharCode(65 + ((i * 7) % 26))).join('');
    const fill = Array.from({ length: 200 }, (_, i) => `set n${i} 0 0 11000 noreply\r\n${value}\r\n`).join('');
    const drop = keys('n', 200).slice(195).map((k) => `delete ${k} noreply\r\n`).join('') + 'mn\r\n';
    await Promise.all([send(real, fill + drop), send(ours, fill + drop)]);
    const cls = (await send(ours, 'me n0\r\n')).match(/cls=(\d+)/)![1]!;
    // slab_reassign_busy_items is left out: memcached's maintainer thread holding an item at that instant adds one.
    const mover = async (t: Target) => {
      const g = stats(await send(t, 'stats\r\n'));
      return ['slab_reassign_rescues', 'slab_reassign_chunk_rescues', 'slab_reassign_evictions_nomem', 'slab_reassign_inline_reclaim', 'slabs_moved']
        .map((k) => `${k}=${g.get(k)}`)
        .join(' ');
    };
    for (let move = 0; move < 2; move++) {
      const [a, b] = await Promise.all([send(real, `slabs reassign ${cls} 0\r\n`), send(ours, `slabs reassign ${cls} 0\r\n`)]);
      expect(b).toEqual(a);
      await settle(real, ours, mover);
      expect(await mover(ours)).toEqual(await mover(real));
    }
    expect(await mover(ours)).toMatch(/chunk_rescues=[1-9]\d* .*evictions_nomem=[1-9]/);
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
    const gets = keys('n', 200).map((k) => `get ${k}\r\n`).join('');
    const [a, b] = await Promise.all([send(real, gets), send(ours, gets)]);
    expect(b).toEqual(a);
    const kept = b.split(`0 11000\r\n${value}\r\n`).length - 1;
    expect(kept).toBeGreaterThan(50);
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
