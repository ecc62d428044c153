// The LRU crawler started by the LRU maintainer (memcached 1.6's autocrawl), against real memcached: expired
// items nobody asks for are reclaimed in the background, on memcached's schedule (every sub-LRU at start-up,
// then a minute and five seconds after the first crawl found nothing due), counted in crawler_reclaimed,
// crawler_items_checked and lru_crawler_starts. Real memcached keeps its own time, so the differential waits
// for its first reclaiming crawl (about 66 s after start): the file runs in vitest's 'waiting' project
// (vitest.config.ts), beside the CPU-bound files instead of holding one of their two workers idle. The
// crawl of a big cache, which moves an injected clock, is differential-autocrawl.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, type Target } from './helpers.ts';
import { allStats, closeAll, pair, send, until } from './memory-helpers.ts';

const available = realMemcachedAvailable();
afterAll(closeAll);

const CRAWLER_FIELDS = ['lru_crawler_starts', 'crawler_reclaimed', 'crawler_items_checked', 'reclaimed', 'expired_unfetched', 'curr_items', 'get_expired'];
const ITEM_FIELDS = ['items:1:crawler_reclaimed', 'items:1:crawler_items_checked', 'items:1:reclaimed', 'items:1:expired_unfetched', 'items:6:crawler_reclaimed', 'items:6:crawler_items_checked'];

describe.skipIf(!available).concurrent('autocrawl as memcached 1.6.18', () => {
  it('reclaims expired items behind a live LRU tail with nobody fetching them, on memcached schedule', async () => {
    const [real, ours] = await pair([], {});
    // A live item first, so that it sits at each COLD tail and the maintainer's tail pulls stop there:
    // only the crawler reaches the expired items behind it.
    let script = 'set anchor 0 0 1\r\nx\r\nset anchor5 0 0 200\r\n' + 'y'.repeat(200) + '\r\n';
    for (let i = 0; i < 10; i++) script += `set k${i} 0 2 1\r\nx\r\n`;
    for (let i = 0; i < 4; i++) script += `set m${i} 0 2 200\r\n${'y'.repeat(200)}\r\n`;
    script += 'set long 0 1000 1\r\nx\r\n';
    for (const t of [real, ours]) {
      expect((await allStats(t)).get('lru_crawler_starts')).toBe('1');
      await send(t, script);
    }
    const reclaimedAll = async (t: Target) => (await allStats(t)).get('crawler_reclaimed') === '14';
    // memcached's first reclaiming crawl comes 66 s after start; give the loaded machine as long again.
    const [realDone, oursDone] = await Promise.all([until(() => reclaimedAll(real), 140_000), until(() => reclaimedAll(ours), 140_000)]);
    expect(realDone).toBe(true);
    expect(oursDone).toBe(true);
    const pick = (m: Map<string, string>, names: string[]) => Object.fromEntries(names.map((n) => [n, m.get(n)]));
    const [realStats, oursStats] = [await allStats(real), await allStats(ours)];
    expect(pick(oursStats, CRAWLER_FIELDS)).toEqual(pick(realStats, CRAWLER_FIELDS));
    expect(pick(oursStats, CRAWLER_FIELDS)).toMatchObject({ lru_crawler_starts: '2', crawler_reclaimed: '14', curr_items: '3', get_expired: '0' });
    const [realItems, oursItems] = [await allStats(real, ' items'), await allStats(ours, ' items')];
    expect(pick(oursItems, ITEM_FIELDS)).toEqual(pick(realItems, ITEM_FIELDS));
  }, 200_000);

  it('`lru_crawler crawl` counts and reclaims as memcached, and stats settings show the crawler knobs', async () => {
    const [real, ours] = await pair(['-o', 'lru_crawler_tocrawl=5,lru_crawler_sleep=200'], { settings: { lruCrawlerTocrawl: 5, lruCrawlerSleep: 200 } });
    let script = 'set anchor 0 0 1\r\nx\r\n';
    for (let i = 0; i < 8; i++) script += `set k${i} 0 1 1\r\nx\r\n`;
    for (const t of [real, ours]) await send(t, script);
    // Both items' second has passed once each server's clock shows two more seconds.
    const t0 = Number((await allStats(real)).get('time'));
    expect(await until(async () => Number((await allStats(real)).get('time')) >= t0 + 3, 10_000)).toBe(true);
    for (const t of [real, ours]) {
      expect(await send(t, 'lru_crawler crawl 1\r\n')).toMatch(/^OK\r\n/);
      expect(await until(async () => (await allStats(t)).get('lru_crawler_running') === '0', 10_000)).toBe(true);
    }
    const names = ['crawler_reclaimed', 'crawler_items_checked', 'lru_crawler_starts'];
    // memcached's LRU maintainer may pull an expired item off a tail meanwhile ('reclaimed', gone from
    // curr_items) when a loaded machine delays the crawl (a fresh-clone run at load 11: curr_items 4 there, 5
    // here): what the crawler did is compared alone, and the items left counted with those.
    const pick = (m: Map<string, string>) => ({ ...Object.fromEntries(names.map((n) => [n, m.get(n)])), itemsOrReclaimed: Number(m.get('curr_items')) + Number(m.get('reclaimed')) });
    expect(pick(await allStats(ours))).toEqual(pick(await allStats(real)));
    const knobs = (m: Map<string, string>) => [m.get('lru_crawler'), m.get('lru_crawler_sleep'), m.get('lru_crawler_tocrawl')];
    expect(knobs(await allStats(ours, ' settings'))).toEqual(knobs(await allStats(real, ' settings')));
  }, 30_000);
});
