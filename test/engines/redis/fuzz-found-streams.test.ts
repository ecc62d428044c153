// Deterministic cases for stream differences the random differential (tools/redis-fuzz) found, each
// compared with redis-server 7.0 byte for byte.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startServer } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('streams as the random differential saw them', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  const sameReplies = (text: string, proto: 2 | 3 = 2): Promise<void> => expectSameReplies(pair, text, proto);

  it('a stream loaded by DEBUG RELOAD keeps the nodes XADD made: an entry past stream-node-max-bytes opens a node, a new one past 100 entries (seed 103583)', async () => {
    const adds = [`XADD x2 7-* f b`, `XADD x2 9-* f ${'q'.repeat(8198)}`];
    for (let i = 1; i <= 130; i++) adds.push(`XADD x3 ${i}-1 f ${i} g ${'w'.repeat(i % 7 === 0 ? 300 : 3)}`);
    for (let i = 1; i <= 30; i++) adds.push(`XADD x4 ${i}-1 f${i % 3} ${'w'.repeat(300)}`);
    await sameReplies(`
      FLUSHALL
      ${adds.join('\n')}
      DEBUG RELOAD
      DUMP x2
      DUMP x3
      DUMP x4
      DEBUG RELOAD
      DUMP x3
    `);
  });

  it('entries-added and entries-read past 2^53 stay exact int64s, in XINFO, the lag, DUMP/RESTORE and an RDB reload (seeds 11118, 12932)', async () => {
    for (const proto of [2, 3] as const) {
      await sameReplies(
        `
        FLUSHALL
        XADD s 1-1 f v
        XSETID s 5-0 ENTRIESADDED 9007199254740993
        XINFO STREAM s
        XGROUP CREATE s top 0 ENTRIESREAD 9223372036854775807
        XGROUP CREATE s odd 0 ENTRIESREAD 9007199254740993
        XGROUP CREATE s low 0 ENTRIESREAD 1
        XGROUP CREATE s neg 0 ENTRIESREAD -2
        XGROUP CREATE s over 0 ENTRIESREAD 9223372036854775808
        XGROUP SETID s low 1-1 ENTRIESREAD 9007199254740995
        XINFO GROUPS s
        XINFO STREAM s FULL
        XSETID s 6-0 ENTRIESADDED 9223372036854775807
        XSETID s 6-0 ENTRIESADDED 9223372036854775808
        XSETID s 6-0 ENTRIESADDED -1
        XINFO GROUPS s
        XADD s 7-0 f v
        XINFO STREAM s
        XINFO GROUPS s
        EVAL "redis.call('RESTORE', KEYS[2], 0, redis.call('DUMP', KEYS[1])); return redis.call('XINFO', 'STREAM', KEYS[2], 'FULL')" 2 s s2
        DEBUG RELOAD
        XINFO STREAM s FULL
        XREADGROUP GROUP odd c STREAMS s >
        XREADGROUP GROUP top c STREAMS s >
        XINFO GROUPS s
        XADD s 8-0 f v
        XDEL s 7-0
        XINFO GROUPS s
        XREADGROUP GROUP low c STREAMS s >
        XINFO GROUPS s
        `,
        proto,
      );
    }
  });

  it('XGROUP SETID reads its options one at a time: a bad ENTRIESREAD value is reported before a stray word (seed 200047)', async () => {
    await sameReplies(`
      FLUSHALL
      XGROUP SETID k g $ ENTRIESREAD 1.0 >
      XGROUP SETID k g $ ENTRIESREAD -5 x
      XGROUP SETID k g $ ENTRIESREAD 1 x
      XGROUP SETID k g $ ENTRIESREAD 1 ENTRIESREAD 2
      XGROUP SETID k g $ ENTRIESREAD
      XGROUP SETID k g $ FOO 1
      XADD k 1-1 f v
      XGROUP CREATE k g 0
      XGROUP SETID k g $ ENTRIESREAD 3 ENTRIESREAD 1
      XINFO GROUPS k
      XGROUP CREATE k g2 0 MKSTREAM ENTRIESREAD x
      XGROUP SETID k g $ MKSTREAM
      XGROUP CREATE k g3 0 MKSTREAM MKSTREAM MKSTREAM MKSTREAM
      XGROUP CREATE nokey g3 0 ENTRIESREAD 1 ENTRIESREAD 2
      XGROUP CREATE nokey g3 0 MKSTREAM ENTRIESREAD 1 ENTRIESREAD 2
      EXISTS nokey
      XGROUP SETID k nogroup $ ENTRIESREAD 1 ENTRIESREAD 2
    `);
  });

  it('a stream dumped by redis-server with counters past 2^53 restores into ours with the same counters and dumps back the same', async () => {
    const [ours, real] = await Promise.all([RawClient.connect(pair.ours.port), RawClient.connect(pair.real.port)]);
    try {
      for (const c of [ours, real]) await c.call('DEL', 'big');
      await real.call('XADD', 'big', '1-0', 'f', 'v');
      await real.call('XSETID', 'big', '2-0', 'ENTRIESADDED', '9223372036854775806');
      await real.call('XGROUP', 'CREATE', 'big', 'g', '0', 'ENTRIESREAD', '9007199254740993');
      const dumped = await real.call('DUMP', 'big');
      const payload = Buffer.from(dumped.slice(dumped.indexOf('\r\n') + 2, -2), 'latin1');
      await real.call('DEL', 'big');
      for (const c of [ours, real]) expect(await c.call('RESTORE', 'big', '0', payload)).toBe('+OK\r\n');
      expect(await ours.call('XINFO', 'GROUPS', 'big')).toEqual(await real.call('XINFO', 'GROUPS', 'big'));
      expect(await ours.call('XINFO', 'STREAM', 'big')).toEqual(await real.call('XINFO', 'STREAM', 'big'));
      expect(await ours.call('DUMP', 'big')).toEqual(dumped);
    } finally {
      ours.close();
      real.close();
    }
  });
  it('a replica keeps the counters exact: those of the full sync and those the stream of commands changes', async () => {
    const [primary, replica] = await Promise.all([startServer(), startServer()]);
    const [p, r] = await Promise.all([RawClient.connect(primary.port), RawClient.connect(replica.port)]);
    try {
      await p.call('XADD', 'st', '1-0', 'f', 'v');
      await p.call('XSETID', 'st', '2-0', 'ENTRIESADDED', '9007199254740993');
      await p.call('XGROUP', 'CREATE', 'st', 'g', '0', 'ENTRIESREAD', '9007199254740991');
      replica.server.replicaOf(primary.server);
      await p.call('XGROUP', 'CREATE', 'st', 'h', '0', 'ENTRIESREAD', '9223372036854775807');
      await p.call('XADD', 'st', '3-0', 'f', 'v');
      await p.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'st', '>');
      const want = await p.call('XINFO', 'STREAM', 'st');
      expect(want).toContain(':9007199254740994\r\n');
      const deadline = Date.now() + 20_000;
      while ((await r.call('XINFO', 'STREAM', 'st')) !== want && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      expect(await r.call('XINFO', 'STREAM', 'st')).toBe(want);
      const groups = await p.call('XINFO', 'GROUPS', 'st');
      expect(groups).toContain(':9007199254740993\r\n');
      expect(groups.replace(/\$4\r\nidle\r\n:\d+/g, '')).toBe((await r.call('XINFO', 'GROUPS', 'st')).replace(/\$4\r\nidle\r\n:\d+/g, ''));
    } finally {
      p.close();
      r.close();
      await Promise.all([primary.server.close(), replica.server.close()]);
    }
  });
});
