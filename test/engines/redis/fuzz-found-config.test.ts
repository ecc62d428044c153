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
