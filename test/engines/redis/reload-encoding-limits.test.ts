// What encoding a hash, sorted set or set has after DEBUG RELOAD or RESTORE when the encoding limits
// changed since it was written (fuzz seed 62103). redis-server 7.0's rdbLoadObject converts a listpack
// hash or sorted set (and a ziplist one) by its entry count only: one whose values outgrew a lowered
// *-max-listpack-value stays a listpack. An intset is converted by set-max-intset-entries. A value saved
// as a hash table or skiplist is checked by count and length, and may come back as a listpack.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();
const long = 'v'.repeat(40);

describe.runIf(available)('encodings after a reload under other limits, as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('a listpack keeps its encoding under a lower value limit, not under a lower entry limit', async () => {
    await expectSameReplies(
      pair,
      `
      CONFIG SET hash-max-listpack-value 64 zset-max-listpack-value 64 hash-max-listpack-entries 128 zset-max-listpack-entries 128 set-max-intset-entries 512
      HSET h f1 ${long} f2 ${long} f3 x
      ZADD z 1 ${long} 2 m2 3 m3
      SADD s 1 2 3 4 5
      DUMP h
      CONFIG SET hash-max-listpack-value 10 zset-max-listpack-value 10
      DEBUG RELOAD
      OBJECT ENCODING h
      OBJECT ENCODING z
      MEMORY USAGE h
      HSET h f4 short
      OBJECT ENCODING h
      HSET h f5 ${long}
      OBJECT ENCODING h
      ZADD z 4 m4
      OBJECT ENCODING z
      CONFIG SET zset-max-listpack-entries 2 set-max-intset-entries 3
      DEBUG RELOAD
      OBJECT ENCODING z
      OBJECT ENCODING s
      CONFIG SET hash-max-listpack-value 64 zset-max-listpack-value 64 hash-max-listpack-entries 128 zset-max-listpack-entries 128 set-max-intset-entries 512
      DEBUG RELOAD
      OBJECT ENCODING h
      OBJECT ENCODING z
      OBJECT ENCODING s
      `,
    );
  });

  it('RESTORE of a listpack written under a higher limit follows the same rule', async () => {
    const real = await RawClient.connect(pair.real.port);
    const ours = await RawClient.connect(pair.ours.port);
    try {
      await real.call('CONFIG', 'SET', 'hash-max-listpack-value', '64', 'zset-max-listpack-value', '64');
      await real.call('HSET', 'h', 'f1', long, 'f2', 'x');
      await real.call('ZADD', 'z', '1', long);
      const payloads = [await real.call('DUMP', 'h'), await real.call('DUMP', 'z')].map((r) => Buffer.from(r.slice(r.indexOf('\r\n') + 2, -2), 'latin1'));
      const seen: string[][] = [];
      for (const c of [ours, real]) {
        await c.call('CONFIG', 'SET', 'hash-max-listpack-value', '10', 'zset-max-listpack-value', '10', 'hash-max-listpack-entries', '128');
        const out: string[] = [];
        for (const [i, p] of payloads.entries()) {
          out.push(await c.call('RESTORE', `r${i}`, '0', p, 'REPLACE'), await c.call('OBJECT', 'ENCODING', `r${i}`));
        }
        await c.call('CONFIG', 'SET', 'hash-max-listpack-entries', '1');
        out.push(await c.call('RESTORE', 'r0', '0', payloads[0] as Buffer, 'REPLACE'), await c.call('OBJECT', 'ENCODING', 'r0'));
        await c.call('CONFIG', 'SET', 'hash-max-listpack-value', '64', 'zset-max-listpack-value', '64', 'hash-max-listpack-entries', '128');
        seen.push(out);
      }
      expect(seen[0]).toEqual(seen[1]);
      expect(seen[1]).toContain('$8\r\nlistpack\r\n');
    } finally {
      real.close();
      ours.close();
    }
  });
});
