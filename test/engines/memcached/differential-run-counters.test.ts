// Counters memcached's own suite checks (t/issue_61, t/idle-timeout, t/dyn-maxbytes): conn_yields
// under -R, idle_kicks with an idle timeout, and total_malloced given back after cache_memlimit is
// lowered. Each compared with real memcached started with the same options.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, type Target } from './helpers.ts';
import { closeAll, MB, pair, send, sets, stats } from './memory-helpers.ts';

const available = realMemcachedAvailable();
afterEach(closeAll);

async function stat(t: Target, name: string, group = ''): Promise<string | undefined> {
  return stats(await send(t, `stats${group}\r\n`)).get(name);
}

async function until(what: () => Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) if (await what()) return true;
  return false;
}

describe.skipIf(!available)('counters of the running server as memcached', () => {
  it('-R: a pipeline yields after every reqs_per_event requests when more follow', async () => {
    const [real, ours] = await pair(['-R', '3'], { settings: { reqsPerEvent: 3 } });
    for (const t of [real, ours]) expect(await stat(t, 'reqs_per_event', ' settings')).toBe('3');
    for (const n of [1, 3, 4, 6, 7, 13]) {
      const batch = 'get a\r\n'.repeat(n);
      await Promise.all([send(real, batch), send(ours, batch)]);
      expect(await stat(ours, 'conn_yields'), `${n} requests`).toBe(await stat(real, 'conn_yields'));
    }
  });

  it('idle_timeout: idle_kicks is listed, and counts the connection closed for idling', async () => {
    const [real, ours] = await pair(['-o', 'idle_timeout=1'], { idleTimeout: 1 });
    // Both servers at once: each spends seconds waiting for its idle check.
    const kicked = async (t: Target) => {
      expect(await stat(t, 'idle_kicks')).toBe('0');
      const idle = net.connect(t.port, '127.0.0.1');
      idle.on('error', () => undefined);
      const closed = new Promise((resolve) => idle.once('close', resolve));
      await new Promise((resolve) => idle.once('connect', resolve));
      await closed;
      return until(async () => (await stat(t, 'idle_kicks')) === '1', 10_000);
    };
    expect(await Promise.all([kicked(real), kicked(ours)])).toEqual([true, true]);
  });

  it('without idle_timeout there is no idle_kicks line', async () => {
    const [real, ours] = await pair([], {});
    expect(await stat(ours, 'idle_kicks')).toBe(await stat(real, 'idle_kicks'));
    expect(await stat(ours, 'idle_kicks')).toBeUndefined();
  });

  it('-o no_lru_crawler,no_slab_reassign: the crawler and mover lines leave stats', async () => {
    const [real, ours] = await pair(['-o', 'no_lru_crawler,no_slab_reassign'], { lruCrawler: false, slabReassign: false });
    const names = async (t: Target) => [...stats(await send(t, 'stats\r\n')).keys()].join(' ');
    expect(await names(ours)).toBe(await names(real));
  });

  it('cache_memlimit lowered: pages emptied into the global pool are given back', async () => {
    const options = ['-m', '16', '-o', 'slab_automove_window=3'];
    const [real, ours] = await pair(options, { memoryLimit: 16 * MB, slabAutomoveWindow: 3 });
    const fill = sets('k', 0, 150, 100_000);
    const drop = Array.from({ length: 150 }, (_, i) => `delete k${i}\r\n`).join('');
    for (const t of [real, ours]) {
      await send(t, fill);
      expect(await send(t, 'cache_memlimit 8\r\n')).toMatch(/^OK\r\n/);
      await send(t, drop);
    }
    const malloced = async (t: Target) => Number(await stat(t, 'total_malloced', ' slabs'));
    expect(await malloced(ours)).toBeGreaterThan(8 * MB);
    // memcached's automove thread hands the emptied pages over within a few seconds.
    for (const t of [real, ours]) expect(await until(async () => (await malloced(t)) <= 8 * MB, 20_000)).toBe(true);
    expect(await malloced(ours)).toBe(await malloced(real));
  });
});
