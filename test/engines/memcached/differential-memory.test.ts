// Memory as memcached 1.6 accounts it: 1 MB pages handed to slab classes on demand under -m, eviction
// within the class that needs a chunk, out of memory under -M. The same commands go to real memcached
// and to our engine; page and chunk counts, per-class item counters and the keys that survive must agree.
import { afterEach, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, type Target } from './helpers.ts';
import { closeAll, differences, keys, MB, memoryPicture, pair, send, sets, survivors } from './memory-helpers.ts';

const available = realMemcachedAvailable();
afterEach(closeAll);

describe.skipIf(!available)('memory accounted per slab class as memcached', () => {
  it('one class takes pages until -m, then evicts its oldest items', async () => {
    const [real, ours] = await pair(['-m', '2'], { memoryLimit: 2 * MB });
    const script = sets('k', 0, 300, 10000);
    await Promise.all([send(real, script), send(ours, script)]);
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
    const ks = keys('k', 300);
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
  });

  it('classes compete for pages; each evicts only its own items', async () => {
    const [real, ours] = await pair(['-m', '3'], { memoryLimit: 3 * MB });
    let script = '';
    for (let round = 0; round < 6; round++) {
      script += sets('a', round * 200, (round + 1) * 200, 100, '', 4) + sets('b', round * 60, (round + 1) * 60, 5000, '', 4) + sets('c', round * 8, (round + 1) * 8, 50000, '', 4);
    }
    await Promise.all([send(real, script), send(ours, script)]);
    // Keys of one width: which items survive may differ (below), the bytes they hold may not.
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
    const ks = [...keys('a', 1200, 4), ...keys('b', 360, 4), ...keys('c', 48, 4)];
    const [mine, theirs] = [await survivors(ours, ks), await survivors(real, ks)];
    // The same number of items in each class (the pictures above); which ones, to within the maintainer's timing.
    expect(differences(mine, theirs), `ours   ${mine}\nreal   ${theirs}`).toBeLessThanOrEqual(4);
  });

  it('items read twice survive the eviction of their elders', async () => {
    const [real, ours] = await pair(['-m', '2'], { memoryLimit: 2 * MB });
    const first = sets('k', 0, 150, 10000);
    await Promise.all([send(real, first), send(ours, first)]);
    const reads = 'get k0\r\nget k0\r\nget k5\r\nget k7\r\nget k7\r\n';
    await Promise.all([send(real, reads), send(ours, reads)]);
    const second = sets('k', 150, 300, 10000);
    await Promise.all([send(real, second), send(ours, second)]);
    const ks = keys('k', 300);
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
    const pick = (p: Record<string, unknown>) => ({ ...p, items: undefined });
    expect(pick(await memoryPicture(ours))).toEqual(pick(await memoryPicture(real)));
  });

  it('-M answers out of memory in the full class and still stores in others', async () => {
    const [real, ours] = await pair(['-m', '2', '-M'], { memoryLimit: 2 * MB, errorOnMemoryExhausted: true });
    const script = sets('k', 0, 250, 10000) + sets('s', 0, 20, 10) + sets('k', 250, 260, 10000);
    const [a, b] = await Promise.all([send(real, script), send(ours, script)]);
    expect(b).toEqual(a);
    expect(b).toContain('SERVER_ERROR out of memory storing object\r\n');
    expect(await memoryPicture(ours)).toEqual(await memoryPicture(real));
  });

  it('expired items are reclaimed before live ones are evicted', async () => {
    const [real, ours] = await pair(['-m', '2'], { memoryLimit: 2 * MB });
    // Both LRU maintainers reclaim the expired items from the tails first (when, relative to the sets
    // that follow, is their timing: so the sets wait for it), then their chunks serve new items.
    const expired = sets('x', 0, 100, 10000, '-1');
    await Promise.all([send(real, expired), send(ours, expired)]);
    const items = async (t: Target) => /STAT curr_items (\d+)/.exec(await send(t, 'stats\r\n'))?.[1];
    for (let i = 0; i < 100 && ((await items(real)) !== '0' || (await items(ours)) !== '0'); i++) await new Promise((r) => setTimeout(r, 50));
    const script = sets('k', 0, 250, 10000);
    await Promise.all([send(real, script), send(ours, script)]);
    const pick = (p: Record<string, unknown>) => {
      const stats = p.stats as Record<string, string>;
      return { slabs: p.slabs, curr_items: stats.curr_items, evictions: stats.evictions };
    };
    expect(pick(await memoryPicture(ours))).toEqual(pick(await memoryPicture(real)));
    const ks = keys('k', 250);
    expect(await survivors(ours, ks)).toEqual(await survivors(real, ks));
  });
});
