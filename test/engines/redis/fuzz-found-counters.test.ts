// Deterministic cases for INFO's keyspace_hits/keyspace_misses the random differential's session-25
// families (tools/redis-fuzz/families-wide.ts) found: OBJECT and DEBUG HTSTATS-KEY/LISTPACK count their
// lookup, INCR/DECR of a value that is no small integer do not (a write lookup). Compared with redis-server 7.0.
import { describe, expect, it } from 'vitest';
import { sameEventsAndCounters } from './events-and-counters.ts';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('lookup counting differences found by the random differential', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  const same = (batches: string[][][]): Promise<string[]> => sameEventsAndCounters(pair, batches);

  it('OBJECT ENCODING/REFCOUNT/FREQ/IDLETIME count a keyspace hit or miss (without a keymiss event); a shared integer\'s FREQ is 0 under LFU', async () => {
    // Values that hang on the clock (an idle time, a counter read under the other policy) are not read.
    await same([
      [['SET', 'a', '1'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEAm']],
      [['OBJECT', 'REFCOUNT', 'x'], ['OBJECT', 'ENCODING', 'a'], ['OBJECT', 'REFCOUNT', 'a'], ['OBJECT', 'IDLETIME', 'zz'], ['OBJECT', 'ENCODING', 'zz']],
      [['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], ['OBJECT', 'FREQ', 'zz'], ['SET', 'b', '1'], ['OBJECT', 'FREQ', 'b'], ['SET', 'c', 'x'], ['OBJECT', 'FREQ', 'c'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']],
    ]);
  });

  it('INCR, DECR, INCRBY and DECRBY look their key up for writing: no hit counted, whatever the value', async () => {
    const seen = await same([[['SET', 'a', 'x'], ['DECR', 'a'], ['DECRBY', 'a', '2'], ['SET', 'b', '1e400'], ['INCR', 'b'], ['SET', 'c', '9223372036854775806'], ['INCR', 'c'], ['INCR', 'c'], ['INCRBY', 'c', '5'], ['SET', 'd', '7'], ['INCRBY', 'd', '10000000'], ['DECR', 'nosuch']]]);
    expect(seen).toContain('keyspace_hits:0');
  });

  it('DEBUG HTSTATS-KEY, LISTPACK and QUICKLIST count a hit or miss as OBJECT does; DEBUG OBJECT, SDSLEN and DIGEST-VALUE do not', async () => {
    const seen = await same([
      [['HSET', 'h', 'a', 'b'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'], ['HSET', 'g', 'a', 'b'], ['CONFIG', 'SET', 'hash-max-listpack-entries', '128'], ['RPUSH', 'l', 'a']],
      [['DEBUG', 'HTSTATS-KEY', 'g'], ['DEBUG', 'HTSTATS-KEY', 'nosuch'], ['DEBUG', 'HTSTATS-KEY', 'h'], ['DEBUG', 'LISTPACK', 'h'], ['DEBUG', 'LISTPACK', 'nosuch'], ['DEBUG', 'OBJECT', 'nosuch'], ['DEBUG', 'SDSLEN', 'nosuch'], ['DEBUG', 'DIGEST-VALUE', 'nosuch', 'h']],
    ]);
    expect(seen).toContain('keyspace_misses:2');
  });

  it('a command EXEC refuses because the ACL rules changed since it was queued is an error reply (errorstats, total_error_replies), and one of EXEC\'s failed calls when no queued command ran after it (seed 109763)', async () => {
    // commandstats lines without their times, and the error counters.
    const stats = `EVAL "local c, e = redis.call('INFO', 'commandstats'), redis.call('INFO', 'errorstats') .. redis.call('INFO', 'stats') local function line(n) return string.match(c, 'cmdstat_' .. n .. ':calls=%d+') .. ' ' .. string.match(c, 'rejected_calls=%d+,failed_calls=%d+', string.find(c, 'cmdstat_' .. n .. ':', 1, true)) end return {line('exec'), line('incr'), line('get'), string.match(e, 'errorstat_NOPERM:count=%d+') or '', string.match(e, 'total_error_replies:%d+')}" 0`;
    await expectSameReplies(pair, `
      ACL SETUSER u1 on nopass +get +multi +exec +incr ~s*
      ACL SETUSER u2 on nopass +get ~s*
      SET s9 x
      CONFIG RESETSTAT
      MULTI
      AUTH u2 x
      INCR h2
      EXEC
      AUTH default x
      ${stats}
      MULTI
      AUTH u1 x
      INCR h2
      GET s1
      EXEC
      AUTH default x
      ${stats}
      MULTI
      AUTH u1 x
      GET h2
      INCR s1
      INCR h2
      EXEC
      AUTH default x
      ${stats}
      MULTI
      INCR s9
      GET s9
      EXEC
      ${stats}
    `);
  });
});
