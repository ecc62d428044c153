// HSCAN/SSCAN/ZSCAN as redis-server 7.0: compact encodings in one reply with cursor 0, big
// collections paged with real cursors that return every element present for the whole scan.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

type Kind = 'hash' | 'set' | 'zset';
const SCAN: Record<Kind, string> = { hash: 'hscan', set: 'sscan', zset: 'zscan' };

async function fill(r: Redis, kind: Kind, key: string, n: number): Promise<void> {
  const p = r.pipeline();
  for (let i = 0; i < n; i++) {
    if (kind === 'hash') p.hset(key, `f${i}`, `v${i}`);
    else if (kind === 'set') p.sadd(key, `m${i}`);
    else p.zadd(key, i, `m${i}`);
  }
  await p.exec();
}

/** Scans to the end, changing the collection between calls; answers the members seen and the call count. */
async function scanAll(r: Redis, kind: Kind, key: string, between: (round: number) => Promise<void>): Promise<{ seen: Set<string>; calls: number }> {
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, flat] = (await r.call(SCAN[kind], key, cursor, 'COUNT', '10')) as [string, string[]];
    const step = kind === 'set' ? 1 : 2;
    for (let i = 0; i < flat.length; i += step) seen.add(flat[i] as string);
    cursor = next;
    await between(calls++);
  } while (cursor !== '0' && calls < 10000);
  return { seen, calls };
}

describe.skipIf(!available)('collection SCAN as redis-server 7.0', () => {
  const pair = serverPair();

  it('small encodings answer everything at once with cursor 0, MATCH and COUNT included', async () => {
    const cmds = script(`
      HSET h a 1 b 2 c 3
      HSCAN h 0
      HSCAN h 0 MATCH a* COUNT 1
      SADD i 3 1 2
      SSCAN i 0 COUNT 1
      SADD s x y
      ZADD z 1 a 2 b
      ZSCAN z 0 COUNT 1
      ZSCAN z 0 MATCH b
      HSCAN missing 0
      HSCAN h x
      HSCAN h 0 COUNT 0
      HSCAN h 0 FOO bar
      SET str v
      SSCAN str 0
    `);
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  for (const kind of ['hash', 'set', 'zset'] as Kind[]) {
    it(`${kind}: a big collection is paged, and elements present throughout are all returned despite changes`, async () => {
      for (const port of [pair.ours.port, pair.real.port]) {
        const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
        await r.connect();
        try {
          await r.del('big');
          await fill(r, kind, 'big', 1000);
          const plain = await scanAll(r, kind, 'big', async () => undefined);
          expect(plain.seen.size).toBe(1000);
          expect(plain.calls).toBeGreaterThan(10);
          // Remove m0..m99 / f0..f99 and add 200 new ones while scanning: the other 900 must all appear.
          const changed = await scanAll(r, kind, 'big', async (round) => {
            if (round >= 100) return;
            const n = round;
            if (kind === 'hash') await r.multi().hdel('big', `f${n}`).hset('big', `new${n}`, 'x', `new${n + 100}`, 'y').exec();
            else if (kind === 'set') await r.multi().srem('big', `m${n}`).sadd('big', `new${n}`, `new${n + 100}`).exec();
            else await r.multi().zrem('big', `m${n}`).zadd('big', 1, `new${n}`, 2, `new${n + 100}`).exec();
          });
          const prefix = kind === 'hash' ? 'f' : 'm';
          const missing = Array.from({ length: 900 }, (_, i) => `${prefix}${i + 100}`).filter((m) => !changed.seen.has(m));
          expect(missing).toEqual([]);
        } finally {
          r.disconnect();
        }
      }
    });
  }
});
