// A write a script calls whose work grows with its input (SUNIONSTORE & co, ZUNIONSTORE & co, ZRANGESTORE, SORT
// ... STORE, RESTORE of hundreds of thousands of elements) computes its result in steps between the script's yields, as
// a read does, and stores it at once when they end (ZUNIONSTORE of two 1M-member sets in a script held every node
// for 8 s). Another node answers PING meanwhile (CPU-time bound), what the script sees and what is stored equal
// redis-server's, and the script stays atomic on its node: a client of that node waits and then reads the result.
import { describe, expect, it } from 'vitest';
import { encodeCommand, RawClient, realRedisAvailable } from './helpers.ts';
import { digestOf, replies, slicedDigest, stallServers } from './stall.ts';

const N = Number(process.env.ISO_N ?? 100_000);
const available = realRedisAvailable();

/** Sets sa, sb and sorted sets za, zb of N members each, half of them shared; list l of N numbers. */
function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const [sa, sb, za, zb, l] = [['SADD', 'sa'], ['SADD', 'sb'], ['ZADD', 'za'], ['ZADD', 'zb'], ['RPUSH', 'l']];
    for (let i = from; i < from + 1000; i++) {
      sa.push(`m${i}`);
      sb.push(`m${i + N / 2}`);
      za.push(String(i % 977), `m${i}`);
      zb.push(String(-i / 4), `m${i + N / 2}`);
      l.push(String((i * 7919) % N));
    }
    out.push(sa, sb, za, zb, l);
  }
  return out;
}

const eval_ = (body: string) => ['EVAL', body, '0'];
/** A set's content whatever each server's order of its members. */
const SET_CONTENT = ['DEBUG', 'DIGEST-VALUE', 'd'];

describe.skipIf(!available)('writes a script calls over big keys', () => {
  const s = stallServers(fill, ['--enable-debug-command', 'yes']);

  it('SUNIONSTORE & co, ZUNIONSTORE & co, ZRANGESTORE, SORT STORE and RESTORE store what redis-server stores while another node answers', async () => {
    const cases: [string[], string[] | null][] = [
      [eval_(`return redis.call('SUNIONSTORE', 'd', 'sa', 'sb')`), SET_CONTENT],
      [eval_(`return redis.call('SDIFFSTORE', 'd', 'sa', 'sb')`), SET_CONTENT],
      [eval_(`return redis.call('ZUNIONSTORE', 'zd', 2, 'za', 'zb', 'WEIGHTS', 2, 1.5, 'AGGREGATE', 'MAX')`), ['ZRANGE', 'zd', '0', '-1', 'WITHSCORES']],
      [eval_(`return redis.call('ZINTERSTORE', 'zd', 2, 'za', 'sa')`), ['ZRANGE', 'zd', '0', '-1', 'WITHSCORES']],
      [eval_(`return redis.call('ZRANGESTORE', 'zd', 'zb', 0, -1)`), ['ZRANGE', 'zd', '0', '-1', 'WITHSCORES']],
      [eval_(`return redis.call('SORT', 'l', 'STORE', 'ld')`), ['LRANGE', 'ld', '0', '-1']],
      // The result read back by the script in the same run: it sees the store made after the steps.
      [eval_(`redis.call('ZUNIONSTORE', 'zd', 2, 'za', 'zb') return {redis.call('ZCARD', 'zd'), redis.call('ZSCORE', 'zd', 'm7'), redis.call('ZRANGE', 'zd', 0, 2, 'WITHSCORES')}`), null],
    ];
    // RESTORE of redis-server's payload of a big sorted set: decoded and built in steps, stored at the end.
    const dumped = (await replies(s.real.port, [['DUMP', 'zb']]))[0] as string;
    const payload = dumped.slice(dumped.indexOf('\r\n') + 2, -2);
    cases.push([['EVAL', `return redis.call('RESTORE', 'rd', 0, ARGV[1], 'REPLACE')`, '0', payload], ['ZRANGE', 'rd', '0', '-1', 'WITHSCORES']]);
    for (const [cmd, content] of cases) {
      const label = cmd[1]?.slice(0, 60);
      expect(await slicedDigest(s, cmd), label).toEqual(await digestOf(s.real.port, cmd));
      if (content !== null) expect((await digestOf(s.busy.port, content)).sha, label).toBe((await digestOf(s.real.port, content)).sha);
    }
  }, 600_000);

  it('the store raises the keyspace events redis-server raises, in its order among the script\'s other writes', async () => {
    const cmd = eval_(`redis.call('SET', 'before', 1) redis.call('SUNIONSTORE', 'd', 'sa', 'sb') redis.call('ZUNIONSTORE', 'zd', 2, 'za', 'zb') redis.call('SORT', 'l', 'STORE', 'ld') return redis.call('DEL', 'before')`);
    const events = await Promise.all(
      [s.busy.port, s.real.port].map(async (port) => {
        const admin = await RawClient.connect(port);
        const sub = await RawClient.connect(port);
        try {
          await admin.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
          await sub.call('PSUBSCRIBE', '__key*__:*');
          admin.write(encodeCommand(cmd));
          await admin.read(60_000);
          await admin.call('CONFIG', 'SET', 'notify-keyspace-events', '');
          const seen: string[] = [];
          for (let i = 0; i < 10; i++) seen.push((await sub.read(60_000)).toString('latin1'));
          return seen;
        } finally {
          admin.close();
          sub.close();
        }
      }),
    );
    expect(events[0]).toEqual(events[1]);
  }, 120_000);

  it('an error in the steps is the script\'s error, and a client of the node waits for the script and then reads its store', async () => {
    const bad = eval_(`redis.call('RPUSH', 'l2', 'x') return redis.call('SORT', 'l', 'STORE', 'bad')`);
    const wrongType = eval_(`return redis.call('SUNIONSTORE', 'd', 'sa', 'l')`);
    for (const port of [s.busy.port, s.real.port]) {
      const c = await RawClient.connect(port);
      try {
        await c.call('DEL', 'l2');
        // A numeric SORT meets the non-number at the list's end only after most of its steps.
        await c.call('RPUSH', 'l', 'x');
      } finally {
        c.close();
      }
    }
    for (const cmd of [bad, wrongType]) expect((await digestOf(s.busy.port, cmd)).head).toBe((await digestOf(s.real.port, cmd)).head);
    for (const port of [s.busy.port, s.real.port]) {
      const c = await RawClient.connect(port);
      try {
        await c.call('RPOP', 'l');
      } finally {
        c.close();
      }
    }
    const c = await RawClient.connect(s.busy.port);
    const other = await RawClient.connect(s.busy.port);
    try {
      await c.call('CONFIG', 'SET', 'busy-reply-threshold', '600000');
      await c.call('DEL', 'd');
      c.write(encodeCommand(eval_(`return redis.call('SUNIONSTORE', 'd', 'sa', 'sb')`)));
      // Sent once the script began: it is answered after the script, with the whole union.
      await new Promise((r) => setTimeout(r, 5));
      const card = other.call('SCARD', 'd');
      expect(await c.read(60_000)).toEqual(Buffer.from(`:${N * 1.5}\r\n`));
      expect(await card).toBe(`:${N * 1.5}\r\n`);
    } finally {
      await c.call('CONFIG', 'SET', 'busy-reply-threshold', '5000');
      c.close();
      other.close();
    }
  }, 120_000);
});
