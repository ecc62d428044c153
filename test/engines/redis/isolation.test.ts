// One process serves every node: a hostile or huge request on one node must not freeze the others.
// The glob matcher is compared with real redis-server on random patterns, and nested stars answer at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globMatch } from '../../../engines/redis/glob.ts';
import { RawClient, realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';
import { mulberry32, pick } from './random.ts';

const available = realRedisAvailable();

/** Parses a RESP array of bulk strings (KEYS reply) into a sorted list. */
function bulkList(reply: string): string[] {
  const lines = reply.split('\r\n');
  const out: string[] = [];
  for (let i = 1; i < lines.length - 1; i += 2) out.push(lines[i + 1] as string);
  return out.sort();
}

describe.skipIf(!available)('glob matching against redis-server', () => {
  let ours: Started;
  let real: RealRedis;
  beforeAll(async () => {
    ours = await startServer();
    real = await startRealRedis();
  });
  afterAll(async () => {
    await ours.server.close();
    await real.stop();
  });

  it('KEYS answers the same on random patterns with [], ^, -, \\, ? and *', async () => {
    const rnd = mulberry32(12);
    const alphabet = ['a', 'b', 'A', 'B', 'z', '-', ']', '[', '^', '\\', '?', '*', '\xe9', '\x80', '\xff', '0'];
    const keys = new Set<string>(['', 'a', 'ab', 'abc', 'A]b', 'a-b', 'a\\b', 'a*b', '[x]', '^', '\xe9t\xe9']);
    while (keys.size < 120) {
      let k = '';
      const n = 1 + Math.floor(rnd() * 6);
      for (let i = 0; i < n; i++) k += pick(rnd, alphabet);
      keys.add(k);
    }
    const patternTokens = ['a', 'b', 'A', '*', '?', '[a-b]', '[^a]', '[b-a]', '[\\]]', '[', ']', '\\', '\\*', '[a', '[^', '-', '^', '\xe9', '[\x80-\xff]', '[0-\xe9]', '**'];
    const a = await RawClient.connect(ours.port);
    const b = await RawClient.connect(real.port);
    try {
      for (const k of keys) {
        await a.call('SET', k, '1');
        await b.call('SET', k, '1');
      }
      for (let i = 0; i < 400; i++) {
        let p = '';
        const n = 1 + Math.floor(rnd() * 5);
        for (let j = 0; j < n; j++) p += pick(rnd, patternTokens);
        const [x, y] = await Promise.all([a.call('KEYS', p), b.call('KEYS', p)]);
        expect(bulkList(x), `KEYS ${JSON.stringify(p)}`).toEqual(bulkList(y));
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('nested stars answer at once, with the same results and the same nesting bound', async () => {
    const a = await RawClient.connect(ours.port);
    const b = await RawClient.connect(real.port);
    try {
      const key40 = 'a'.repeat(40);
      const long = 'a'.repeat(1100);
      const patterns = [`${'a*'.repeat(20)}b`, `${'*a'.repeat(20)}*b`, '*a'.repeat(1000), '*a'.repeat(1001), `${'a*'.repeat(30)}a`];
      for (const k of [key40, long]) {
        await a.call('SET', k, '1');
        await b.call('SET', k, '1');
      }
      for (const p of patterns) {
        const t0 = performance.now();
        const x = await a.call('KEYS', p);
        expect(performance.now() - t0).toBeLessThan(200);
        expect(bulkList(x), p.slice(0, 30)).toEqual(bulkList(await b.call('KEYS', p)));
      }
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('glob matcher bounds', () => {
  it('matches a hostile pattern against a long string in well under a millisecond per call', () => {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) expect(globMatch(`${'a*'.repeat(40)}b`, 'a'.repeat(80))).toBe(false);
    expect(performance.now() - t0).toBeLessThan(100);
  });
});
