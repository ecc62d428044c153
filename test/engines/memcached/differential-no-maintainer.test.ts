// -o no_lru_maintainer (memcached's t/stats.t runs so): no maintainer means a flat LRU, no maintainer
// lines in stats and stats items, and flushed items left in place for the next get to find and count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';

const available = realMemcachedAvailable();

function names(reply: Buffer): string[] {
  return reply
    .toString('latin1')
    .split('\r\n')
    .filter((l) => l.startsWith('STAT '))
    .map((l) => l.split(' ')[1]!);
}

function stat(reply: Buffer, name: string): string | undefined {
  return new RegExp(`STAT ${name} (\\S+)`).exec(reply.toString('latin1'))?.[1];
}

describe.skipIf(!available)('without the LRU maintainer', () => {
  let real: Target;
  let ours: Target;
  beforeAll(async () => {
    [real, ours] = await Promise.all([
      startReal(['-o', 'no_lru_maintainer,no_lru_crawler']),
      startOurs({ version: '1.6.18', lruMaintainer: false, lruCrawler: false }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([real?.close(), ours?.close()]);
  });

  it('stats, stats items and stats settings have the same lines', async () => {
    const script = 'set nm1 0 0 1\r\nx\r\nget nm1\r\n';
    await Promise.all([textExchange(real.port, script), textExchange(ours.port, script)]);
    for (const sub of ['stats', 'stats items', 'stats settings']) {
      const [a, b] = [await textExchange(real.port, `${sub}\r\n`), await textExchange(ours.port, `${sub}\r\n`)];
      expect({ sub, names: names(b.reply) }).toEqual({ sub, names: names(a.reply) });
    }
    const settings = await textExchange(ours.port, 'stats settings\r\n');
    expect(stat(settings.reply, 'lru_maintainer_thread')).toBe('no');
    expect(stat(settings.reply, 'lru_segmented')).toBe('no');
  });

  it('a get after flush_all finds the flushed item and counts it', async () => {
    const script = 'set nm2 0 0 1\r\nx\r\nflush_all\r\nget nm2\r\n';
    for (const t of [real, ours]) await textExchange(t.port, script);
    // Well after the flush: nothing reclaims the item in the background meanwhile.
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all([textExchange(real.port, 'set nm3 0 0 1\r\nx\r\n'), textExchange(ours.port, 'set nm3 0 0 1\r\nx\r\n')]);
    const [a, b] = [await textExchange(real.port, 'stats\r\n'), await textExchange(ours.port, 'stats\r\n')];
    for (const name of ['get_flushed', 'cmd_flush', 'curr_items', 'reclaimed']) {
      expect({ name, value: stat(b.reply, name) }).toEqual({ name, value: stat(a.reply, name) });
    }
    expect(stat(b.reply, 'get_flushed')).toBe('1');
  });
});
