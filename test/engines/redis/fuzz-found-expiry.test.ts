// Deterministic cases for lazy expiry the random differential's `expiry` family (tools/redis-fuzz,
// families-wide.ts) found with active expiry off (DEBUG SET-ACTIVE-EXPIRE 0): a key past its TTL is
// expired (its `expired` event, expired_keys, a miss) by a write that overwrites it and by a lookup
// after a DEBUG SLEEP inside EXEC, but not by RESTORE REPLACE (no lookup there). Replies, events
// and the counters are compared with redis-server 7.0 (with SPOP's keyspace hit, found the same way).
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';
import { sameEventsAndCounters } from './events-and-counters.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('lazy expiry differences found by the random differential', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  const same = (batches: string[][][]): Promise<string[]> => sameEventsAndCounters(pair, batches);

  it('a write over a key past its TTL expires it first: SET, PSETEX, SETEX, MSET, SETNX, HSET, SMOVE\'s destination', async () => {
    const expire = (k: string): string[][] => [['SET', k, 'old', 'PX', '1'], ['DEBUG', 'SLEEP', '0.005']];
    const seen = await same([
      [...expire('a'), ['PSETEX', 'a', '100000', 'v']],
      [...expire('b'), ['SET', 'b', 'v']],
      [...expire('c'), ['SETEX', 'c', '1000', 'v'], ['MSET', 'c', '1', 'd', '2']],
      [...expire('d'), ['MSET', 'd', '1', 'e', '2']],
      [...expire('e'), ['SETNX', 'e', 'v']],
      [...expire('f'), ['HSET', 'f', 'x', 'y']],
      // SMOVE looks its destination up even when the source is missing.
      [['SADD', 'S1', 'a'], ['PEXPIRE', 'S1', '1'], ['DEBUG', 'SLEEP', '0.005'], ['SMOVE', 'nosuch', 'S1', 'a']],
    ]);
    expect(seen).toContain('__keyevent@0__:expired a');
    expect(seen).toContain('expired_keys:7');
  });

  it('inside EXEC a DEBUG SLEEP does not stop a later command from expiring a key that had expired before EXEC', async () => {
    const seen = await same([
      [['SET', 's', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.005']],
      [['MULTI'], ['PEXPIRE', 'other', '1'], ['DEBUG', 'SLEEP', '0.005'], ['APPEND', 's', 'x'], ['EXISTS', 't'], ['EXEC']],
      [['SET', 't', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.005']],
      [['MULTI'], ['DEBUG', 'SLEEP', '0.005'], ['EXISTS', 't'], ['EXEC']],
    ]);
    expect(seen).toContain('__keyevent@0__:expired s');
    expect(seen).toContain('__keyevent@0__:expired t');
  });

  it('SCAN TYPE none returns a key its type lookup found past its TTL (that lookup expires it and reads none), other types do not (options family, seed 90122)', async () => {
    const seen = await same([
      // One key past its TTL at a time: SCAN meets keys in dict order (redis-server's hash seed).
      [['SET', 'a', 'v', 'PX', '1'], ['SET', 'c', 'v'], ['DEBUG', 'SLEEP', '0.005']],
      [['SCAN', '0', 'TYPE', 'none', 'COUNT', '100']],
      [['SET', 'd', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.005']],
      [['SCAN', '0', 'TYPE', 'string', 'COUNT', '100'], ['SCAN', '0', 'TYPE', 'NONE', 'COUNT', '100']],
    ]);
    expect(seen.join('\n')).toContain('$"a"');
  });

  it('RESTORE REPLACE over a key past its TTL deletes it without an expired event (no lookup), and announces del for an already expired payload', async () => {
    const hello = '\x00\x05hello\x0a\x00cr\xdfve4 \x0a';
    const seen = await same([
      [['SET', 'k', 'v', 'PX', '1'], ['SET', 'm', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.005']],
      [['RESTORE', 'k', '0', hello, 'REPLACE'], ['RESTORE', 'm', '1', hello, 'REPLACE', 'ABSTTL'], ['GET', 'k'], ['EXISTS', 'm']],
    ]);
    expect(seen).not.toContain('__keyevent@0__:expired k');
  });

  it('a *STORE with an empty result deletes a destination past its TTL as del, not expired (7.0\'s bare dbDelete)', async () => {
    const stale = (k: string): string[][] => [['SET', k, 'v', 'PX', '1']];
    const seen = await same([
      [...['d1', 'd2', 'd3', 'd4', 'd5', 'd6'].flatMap(stale), ['DEBUG', 'SLEEP', '0.005']],
      [['SINTERSTORE', 'd1', 'nosuch'], ['ZUNIONSTORE', 'd2', '1', 'nosuch'], ['BITOP', 'OR', 'd3', 'nosuch'], ['SORT', 'nosuch', 'STORE', 'd4'], ['GEOSEARCHSTORE', 'd5', 'nosuch', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'], ['ZRANGESTORE', 'd6', 'nosuch', '0', '-1']],
    ]);
    expect(seen).toContain('__keyevent@0__:del d1');
    expect(seen).not.toContain('__keyevent@0__:expired d6');
  });

  it('SPOP with a count that takes the whole set counts a keyspace hit (7.0 answers it with SUNION), other SPOPs none', async () => {
    await same([[['SADD', 'S', 'a'], ['SPOP', 'S', '1000'], ['SPOP', 'nosuch', '2'], ['SADD', 'T', 'a'], ['SPOP', 'T'], ['SPOP', 'nosuch'], ['SADD', 'U', 'a', 'b'], ['SPOP', 'U', '0']]]);
  });

  it('EXPIRETIME rounds to the nearest second as TTL does, and an expiry near 2^63 survives DEBUG RELOAD exactly (seed 70150)', async () => {
    await expectSameReplies(
      pair,
      'SET a v\nPEXPIREAT a 4000000000600\nEXPIRETIME a\nPEXPIREAT a 4000000000499\nEXPIRETIME a\nPEXPIREAT a 4000000000500\nEXPIRETIME a\n' +
        'HSET h f v\nPEXPIREAT h 9223372036854775807 NX\nEXPIRETIME h\nSET k v PXAT 9223372036854775806\nSET j v PXAT 9007199254740993\n' +
        'DEBUG RELOAD\nPEXPIRETIME h\nEXPIRETIME h\nPEXPIRETIME k\nPEXPIRETIME j\nEXPIRETIME a\nDEL a h k j',
    );
  });
});
