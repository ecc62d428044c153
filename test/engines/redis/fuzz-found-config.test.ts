// CONFIG differences the random differential (tools/redis-fuzz, knobs family) found, compared with
// redis-server 7.0 byte for byte.
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('CONFIG differences found by the random differential', () => {
  const pair = serverPair();

  it("CONFIG SET checks every name before any value: the first unknown or repeated name is the error, a name and its alias are two (seeds 40151, 40318, 40398, 40839)", async () => {
    await expectSameReplies(
      pair,
      `CONFIG SET hash-max-listpack-value 0 hash-max-ziplist-value 64
      CONFIG GET hash-max-listpack-value
      CONFIG SET hash-max-ziplist-value 5 hash-max-listpack-value 7
      CONFIG GET hash-max-listpack-value
      CONFIG SET list-max-ziplist-size -5 list-max-listpack-size x
      CONFIG SET list-max-listpack-size x list-max-listpack-size 1
      CONFIG SET maxmemory-policy LFU maxmemory-policy allkeys-random
      CONFIG SET nosuch 1 list-max-listpack-size 1 list-max-listpack-size 2
      CONFIG SET list-max-listpack-size 1 list-max-listpack-size 2 nosuch 1
      CONFIG GET list-max-listpack-size
      CONFIG SET hash-max-listpack-value 64 list-max-listpack-size -2`,
    );
  });

  it("CONFIG SET: an immutable or protected name counts among the names, in order; a value's error names the parameter in lower case (options family, seeds 90002, 90006, 90016, 90024, 90027)", async () => {
    await expectSameReplies(
      pair,
      `CONFIG SET timeout 1.5 cluster-enabled 1k nosuch 1
      CONFIG SET timeout 1.5 nosuch 1 cluster-enabled 1k
      CONFIG SET oom-score-adj-values "0 0 0 0" proto-max-bulk-len 536870912 databases 2mb
      CONFIG SET hz x databases 1 hz 2
      CONFIG SET DATABASES 1
      CONFIG SET dir /tmp hz 5
      CONFIG GET hz
      CONFIG SET SLOWLOG-LOG-SLOWER-THAN yes
      CONFIG SET Hash-Max-Listpack-Entries x
      CONFIG SET HASH-MAX-ZIPLIST-ENTRIES x
      CONFIG SET Maxmemory-Policy x
      CONFIG SET Notify-Keyspace-Events Q
      CONFIG SET latency-tracking-info-percentiles 4294967296 lazyfree-lazy-user-del yes
      CONFIG SET latency-tracking-info-percentiles x
      CONFIG SET latency-tracking-info-percentiles " 1"
      CONFIG SET latency-tracking-info-percentiles "1 "
      CONFIG SET latency-tracking-info-percentiles "50  99"
      CONFIG SET latency-tracking-info-percentiles ""
      CONFIG GET latency-tracking-info-percentiles
      CONFIG SET latency-tracking-info-percentiles "50 99 99.9"
      CONFIG GET lazyfree-lazy-user-del`,
    );
  });

  it('an intset or a zset listpack past a limit lowered since converts only when a member is inserted: updating one there (SADD, ZADD, ZINCRBY, GEOADD) keeps the encoding (seed 81231)', async () => {
    await expectSameReplies(
      pair,
      `SADD S 1 2 3
      ZADD z 1 a 2 b
      GEOADD g 1 1 a 2 2 b
      CONFIG SET set-max-intset-entries 1 zset-max-listpack-entries 1 zset-max-listpack-value 1
      SADD S 1 2
      OBJECT ENCODING S
      ZADD z 5 a
      ZINCRBY z 1 b
      ZADD z XX 3 a 4 nosuch
      OBJECT ENCODING z
      GEOADD g 3 3 a
      OBJECT ENCODING g
      GEOADD g 3 3 c
      OBJECT ENCODING g
      ZADD z 5 a 6 c
      OBJECT ENCODING z
      SADD S 4
      OBJECT ENCODING S
      CONFIG SET set-max-intset-entries 512 zset-max-listpack-entries 128 zset-max-listpack-value 64`,
    );
  });

  it("CONFIG GET notify-keyspace-events shows 'n' unless 'A' is there (seed 40297)", async () => {
    await expectSameReplies(
      pair,
      `CONFIG SET notify-keyspace-events KEn
      CONFIG GET notify-keyspace-events
      CONFIG SET notify-keyspace-events AKEn
      CONFIG GET notify-keyspace-events
      CONFIG SET notify-keyspace-events n
      CONFIG GET notify-keyspace-events
      CONFIG SET notify-keyspace-events glEn
      CONFIG GET notify-keyspace-events
      CONFIG SET notify-keyspace-events ""
      CONFIG GET notify-keyspace-events`,
    );
  });
});
