// redis-server 7.0 keeps one 24-bit field per value: under an LRU policy the LRU clock, under an LFU
// policy the minute and the counter. A key stamped under LRU and read after CONFIG SET maxmemory-policy
// switches to LFU has its clock read as minute and counter, which lfu-decay-time brings to 0 (ours
// answered LFU_INIT, 5). A key made under LFU starts at 5 without a touch; a touch from 0 gives 1. SET,
// MSET, SETEX and SETNX look the key up first (setKey's lookupKeyWrite), a touch the new value inherits.
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.runIf(available)('LFU counters across maxmemory-policy switches, as redis-server 7.0', () => {
  const pair = serverPair();

  it('keys stamped under LRU read 0 under LFU; new keys start at 5', async () => {
    await expectSameReplies(
      pair,
      `
      CONFIG SET maxmemory-policy allkeys-lru
      SET s foo
      RPUSH l a
      HSET h f v
      CONFIG SET maxmemory-policy allkeys-lfu
      OBJECT FREQ s
      OBJECT FREQ l
      OBJECT FREQ h
      SET n bar
      OBJECT FREQ n
      LPUSH l2 x
      OBJECT FREQ l2
      GET n
      OBJECT FREQ n
      GET s
      OBJECT FREQ s
      SET s other
      OBJECT FREQ s
      MSET s again n again
      OBJECT FREQ s
      SETEX s 100 v
      OBJECT FREQ s
      SETNX s v
      OBJECT FREQ s
      CONFIG SET maxmemory-policy volatile-lru
      GET n
      CONFIG SET maxmemory-policy volatile-lfu
      OBJECT FREQ n
      OBJECT FREQ l2
      CONFIG SET maxmemory-policy noeviction
      `,
    );
  });
});
