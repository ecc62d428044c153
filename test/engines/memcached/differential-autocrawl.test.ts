// The LRU crawler started by the LRU maintainer (memcached 1.6's autocrawl): expired items nobody asks for
// are reclaimed in the background, on memcached's schedule (every sub-LRU at start-up, then a minute and
// five seconds after the first crawl found nothing due), counted in crawler_reclaimed,
// crawler_items_checked and lru_crawler_starts. Real memcached keeps its own time, so the differential waits
// for its first reclaiming crawl (about 66 s after start); the slicing test moves an injected clock.
// The tests run side by side: the differential's minute is spent idle, and the other two need no more than
// their own servers (each test starts its own, all are stopped after the file).
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemcachedServer } from '../../../engines/memcached/index.ts';
import { watchLoop } from '../../support/loop-hold.ts';
import { realMemcachedAvailable, type Target } from './helpers.ts';
import { closeAll, pair, send } from './memory-helpers.ts';

const available = realMemcachedAvailable();
afterAll(closeAll);

/** Every STAT line, timing fields included (memory-helpers' `stats` leaves the maintainer's out). */
async function allStats(t: Target, group = ''): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for (const line of (await send(t, `stats${group}\r\n`)).split('\r\n')) {
    const [tag, name, value] = line.split(' ');
    if (tag === 'STAT' && name !== undefined) m.set(name, value ?? '');
  }
  return m;
}

async function until(what: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) if (await what()) return true;
  return false;
}

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
    const names = ['crawler_reclaimed', 'crawler_items_checked', 'curr_items', 'lru_crawler_starts'];
    const pick = (m: Map<string, string>) => Object.fromEntries(names.map((n) => [n, m.get(n)]));
    expect(pick(await allStats(ours))).toEqual(pick(await allStats(real)));
    const knobs = (m: Map<string, string>) => [m.get('lru_crawler'), m.get('lru_crawler_sleep'), m.get('lru_crawler_tocrawl')];
    expect(knobs(await allStats(ours, ' settings'))).toEqual(knobs(await allStats(real, ' settings')));
  }, 30_000);
});

describe.concurrent('autocrawl of a big cache', () => {
  it('walks 200,000 expired items in slices: the loop is never held long, and all are reclaimed', async () => {
    let nowMs = Date.UTC(2026, 0, 1);
    const server = createMemcachedServer({ port: 0, clock: () => nowMs });
    const port = await server.listen();
    const t: Target = { port, close: () => server.close() };
    try {
      const items = 200_000;
      let script = 'set anchor 0 0 1\r\nx\r\n';
      for (let i = 0; i < items; i++) script += `set k${i} 0 5 1 noreply\r\nx\r\n`;
      await storeAll(port, script + 'mn\r\n');
      expect((await allStats(t)).get('curr_items')).toBe(String(items + 1));
      // A second on, the maintainer drains HOT into COLD behind the anchor (500 items a pass); expired
      // items still in HOT would be reclaimed at its tail by the maintainer instead.
      nowMs += 1000;
      expect(await until(async () => (await allStats(t, ' items')).get('items:1:number_hot') === '0', 60_000)).toBe(true);
      const hold = watchLoop();
      // A second a step: the maintainer reads the start-up crawl's findings, then crawls again 66 s on.
      const done = await until(async () => {
        nowMs += 1000;
        return (await allStats(t)).get('crawler_reclaimed') === String(items);
      }, 120_000);
      const worst = hold.stop();
      expect(done).toBe(true);
      const s = await allStats(t);
      expect([s.get('curr_items'), s.get('reclaimed'), s.get('get_expired')]).toEqual(['1', '0', '0']);
      // A crawl of the whole cache in one turn holds the loop for hundreds of ms; a slice is 1000 items (a few
      // ms). The bound also leaves room for V8 collecting the 200,000 reclaimed items, which the process's CPU
      // time counts with the collector's helper threads: a loaded CI run saw 55.8 ms against 50.
      expect(worst.cpu, `worst loop hold ${worst.cpu.toFixed(1)} ms CPU (${worst.wall.toFixed(1)} ms wall)`).toBeLessThan(100);
    } finally {
      await t.close();
    }
  }, 180_000);
});

/** Writes a long pipelined script and waits for the `mn` at its end to be answered. */
function storeAll(port: number, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let tail = '';
    socket.on('data', (c: Buffer) => {
      tail = (tail + c.toString('latin1')).slice(-16);
      if (tail.endsWith('MN\r\n')) {
        socket.destroy();
        resolve();
      }
    });
    socket.once('error', reject);
    socket.write(script);
  });
}
