// Deterministic cases for differences in how stored values look from outside (OBJECT REFCOUNT and
// ENCODING, DUMP payloads, positions decoded from scores, who hears of a change) that the random
// differential (tools/redis-fuzz) found; each compared with redis-server 7.0 byte for byte.
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('stored values as the random differential saw them', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  const sameReplies = (text: string, proto: 2 | 3 = 2): Promise<void> => expectSameReplies(pair, text, proto);

  it('inside EXEC a string SET and its kin stored is also the queued argument: OBJECT REFCOUNT says 2 until EXEC ends (seed 5068)', async () => {
    await sameReplies(`
      MULTI
      APPEND s2 foo
      OBJECT REFCOUNT s2
      SET k hello EX 100
      OBJECT REFCOUNT k
      SET k hello GET
      OBJECT REFCOUNT k
      SET i 5
      OBJECT REFCOUNT i
      SET j 12345
      OBJECT REFCOUNT j
      GETSET g world
      SETNX n v
      PSETEX p 100000 v
      MSET m1 aa m2 bb
      MSETNX q1 a q2 b
      OBJECT REFCOUNT g
      OBJECT REFCOUNT n
      OBJECT REFCOUNT p
      OBJECT REFCOUNT m2
      OBJECT REFCOUNT q1
      INCRBYFLOAT f 1.5
      OBJECT REFCOUNT f
      RENAME k r
      OBJECT REFCOUNT r
      MOVE r 1
      SELECT 1
      OBJECT REFCOUNT r
      SELECT 0
      COPY j j2
      OBJECT REFCOUNT j2
      GETEX j PERSIST
      SETRANGE j 0 ""
      BITFIELD_RO j GET u8 0
      OBJECT REFCOUNT j
      EVAL "return redis.call('OBJECT', 'REFCOUNT', KEYS[1])" 1 j
      EVAL "redis.call('SET', KEYS[1], 'x'); return redis.call('OBJECT', 'REFCOUNT', KEYS[1])" 1 e
      OBJECT REFCOUNT e
      EXEC
      OBJECT REFCOUNT j
    `);
  });

  it('a change in place inside EXEC copies the held value first: REFCOUNT 1, and write ops of BITFIELD leave it raw even when they change nothing', async () => {
    await sameReplies(`
      MULTI
      SET a hello
      APPEND a x
      SET b 12345
      INCR b
      SET c 100000
      INCRBY c 0
      SET d hello
      SETBIT d 0 0
      SET e hello
      SETRANGE e 0 h
      SET f hello
      BITFIELD f SET u8 0 104
      SET g hello
      BITFIELD g OVERFLOW FAIL INCRBY u8 0 200
      OBJECT REFCOUNT a
      OBJECT REFCOUNT b
      OBJECT REFCOUNT c
      OBJECT REFCOUNT d
      OBJECT REFCOUNT e
      OBJECT REFCOUNT f
      OBJECT REFCOUNT g
      OBJECT ENCODING f
      OBJECT ENCODING g
      EXEC
      SET h hello
      BITFIELD h SET u8 0 104
      OBJECT ENCODING h
    `);
  });

  it('a score ZADD put in a geo set decodes as redis-server casts it to 64 bits: past 2^52, negative, fractional, infinite (seed 5910)', async () => {
    await sameReplies(`
      ZADD S1 -infinity 2
      GEOPOS S1 2 3
      ZADD g -inf a +inf b -1 c -1.5 d 4503599627370496 e 9007199254740992 f 9223372036854775808 h 18446744073709551616 i 18446744073709549568 j 1e30 k -1e30 l -9223372036854775808 m 0.5 n 2.9 o -0.5 p
      GEOPOS g a b c d e f h i j k l m n o p
      GEOHASH g a b c d e f h i j k l m n o p
      GEODIST g a b km
      GEODIST g n e
      GEOSEARCH g FROMLONLAT -180 -85.05 BYRADIUS 50 km ASC WITHHASH WITHCOORD WITHDIST
      GEOSEARCH g FROMMEMBER a BYRADIUS 100 km ASC WITHHASH WITHCOORD
      GEOSEARCH g FROMMEMBER c BYBOX 400 400 km ASC WITHCOORD
      GEOSEARCHSTORE dst g FROMMEMBER n BYRADIUS 50 km STOREDIST
      ZRANGE dst 0 -1 WITHSCORES
    `);
  });

  it('DUMP of a hash or set that became a hashtable writes a hashtable, also once small again (seed 6139)', async () => {
    await sameReplies(`
      HINCRBYFLOAT h1 f3 -1e400
      HMSET h1 f3 -infinity
      HDEL h1 f3
      HSET h1 f4 e
      OBJECT ENCODING h1
      DUMP h1
      SADD s a 1
      SREM s a
      OBJECT ENCODING s
      DUMP s
    `);
  });

  it('BITFIELD writes that OVERFLOW FAIL refuses but that create or grow the string leave WATCH holding (seed 6394)', async () => {
    await sameReplies(`
      GETSET s2 a
      WATCH s2 n
      BITFIELD s2 OVERFLOW FAIL INCRBY u63 0 9223372036854775807
      BITFIELD n OVERFLOW FAIL INCRBY u8 0 300
      MULTI
      GET s2
      GET n
      EXEC
    `);
  });

  it('BITFIELD SET of a negative value into an unsigned field takes it as uint64: SAT gives the maximum (seed 10693)', async () => {
    await sameReplies(`
      BITFIELD s1 OVERFLOW SAT SET u8 #1 -1
      GET s1
      BITFIELD s1 OVERFLOW WRAP SET u8 0 -1 SET u4 0 -3 OVERFLOW SAT SET u4 4 -9223372036854775808 SET u63 8 -1
      GET s1
      BITFIELD s1 OVERFLOW FAIL SET u8 0 -1 SET i8 0 -200 OVERFLOW SAT SET i8 8 -200 INCRBY u8 0 -300 INCRBY u8 8 300
      GET s1
    `);
  });

  it('a small (listpack) sorted set finds a lex range by walking from its head or tail, also when its members are not in lex order (seed 10584)', async () => {
    await sameReplies(`
      ZADD z2 -inf 2 0 a 100 *x
      ZLEXCOUNT z2 - (a
      ZRANGEBYLEX z2 - (a
      ZREVRANGEBYLEX z2 (a -
      ZRANGE z2 + [* BYLEX REV
      ZADD z5 0 b 1 a 2 c 3 a0
      ZRANGEBYLEX z5 [a [b
      ZRANGEBYLEX z5 [a [b LIMIT 1 5
      ZREVRANGEBYLEX z5 [b [a
      ZREVRANGEBYLEX z5 + - LIMIT 1 2
      ZLEXCOUNT z5 [a [b
      ZLEXCOUNT z5 (b (a
      ZLEXCOUNT z5 [b [b
      ZLEXCOUNT z5 (b [b
      ZRANGESTORE d5 z5 [a + BYLEX
      ZRANGE d5 0 -1
      ZREMRANGEBYLEX z5 [a [b
      ZRANGE z5 0 -1
    `);
  });
  it('DUMP saves a listpack hash, an intset and a listpack sorted set as they are after CONFIG SET lowers the limits (a limit converts nothing, seed 47721)', async () => {
    await sameReplies(`
      HSET h1 f0 007 f1 42
      CONFIG SET hash-max-listpack-entries 0
      OBJECT ENCODING h1
      DUMP h1
      CONFIG SET hash-max-listpack-entries 128 hash-max-listpack-value 2
      DUMP h1
      HSET h1 f2 x
      OBJECT ENCODING h1
      HSET h1 f3 long
      OBJECT ENCODING h1
      CONFIG SET hash-max-listpack-value 64
      SADD s 1 2 3 4 5
      SADD s2 1 2 3
      ZADD z 1 a 2 b 3 c
      CONFIG SET set-max-intset-entries 2 zset-max-listpack-entries 1 zset-max-listpack-value 0
      OBJECT ENCODING s
      OBJECT ENCODING z
      DUMP s
      DUMP z
      SADD s2 4
      OBJECT ENCODING s2
      ZADD z 4 d
      OBJECT ENCODING z
      CONFIG SET set-max-intset-entries 512 zset-max-listpack-entries 128 zset-max-listpack-value 64
    `);
  });
  it('a list-max-listpack-size past -5 or 32767 fills quicklist nodes as -5 or 32767, as quicklistSetFill clamps it (seed 48623)', async () => {
    await sameReplies(`
      CONFIG SET list-max-ziplist-size -6
      LPUSH l1 c "\\x80abc" 1
      DUMP l1
      OBJECT ENCODING l1
      CONFIG SET list-max-listpack-size 40000
      RPUSH l2 a b c d e
      DUMP l2
      CONFIG SET list-max-listpack-size -2
    `);
  });

  it('a -0 score that went into a listpack is 0 once ZADD converts the set to a skiplist in the same command; a set made as a skiplist (its first member too long) or grown past the count keeps -0 from then on (seed 108858)', async () => {
    const long = 'y'.repeat(70);
    await sameReplies(`
      ZADD z2 -0 a 0 ${long}
      ZSCORE z2 a
      ZADD z3 -0 a -0 b 1 ${long} -0 c
      ZRANGE z3 0 -1 WITHSCORES
      ZADD z4 0 ${long} -0 a
      ZSCORE z4 a
      ZADD z5 -0 a
      ZADD z5 -0 b 2 ${long} 0 a
      ZRANGE z5 0 -1 WITHSCORES
      ZADD z6 1 a 0 ${long} -0 a
      ZSCORE z6 a
      ZADD z7 -0 a 0 ${long} 0 a
      ZSCORE z7 a
      ZADD z20 1 a 0 ${long}
      ZADD z20 INCR -0 a
      ZSCORE z20 a
      ZADD z21 -0 a
      ZMPOP 1 z21 MIN
      CONFIG SET zset-max-listpack-entries 2
      ZADD z8 -0 a -0 b -0 c
      ZRANGE z8 0 -1 WITHSCORES
      ZADD z9 -0 a
      ZADD z9 -0 b -0 c
      ZRANGE z9 0 -1 WITHSCORES
      CONFIG SET zset-max-listpack-entries 128
    `);
  });

  it('a listpack sorted set\'s lex range with LIMIT skips its offset unchecked from the first entry in range, then takes entries while within the far bound: members out of lex order can come back into the range (seed 110580)', async () => {
    await sameReplies(`
      ZADD z2 0 x -1 0 1 d 1000 b
      ZRANGE z2 ( [c BYLEX LIMIT 3 2
      ZRANGEBYLEX z2 - [c LIMIT 1 5
      ZRANGEBYLEX z2 - [c LIMIT 2 1
      ZREVRANGEBYLEX z2 [x - LIMIT 1 3
      ZREVRANGEBYLEX z2 + (a LIMIT 2 -1
      ZRANGESTORE d2 z2 [0 [c BYLEX LIMIT 3 5
      ZRANGE d2 0 -1
      ZADD z6 5 a 4 b 3 c 2 d 1 e
      ZRANGEBYLEX z6 [c + LIMIT 1 10
      ZRANGEBYLEX z6 [c [d LIMIT 2 10
      ZREVRANGEBYLEX z6 [c - LIMIT 1 10
      ZREVRANGEBYLEX z6 [d [c LIMIT 4 10
      ZRANGEBYLEX z6 - + LIMIT 5 1
    `);
  });

  it('PFADD unshares its key\'s value before adding, so a HyperLogLog loaded as an embstr is raw after a PFADD that added nothing (dbUnshareStringValue, seed 111910)', async () => {
    await sameReplies(`
      PFADD p2 a 3.5
      DEBUG RELOAD
      OBJECT ENCODING p2
      PFADD p2
      OBJECT ENCODING p2
      MEMORY USAGE p2
      DEBUG RELOAD
      PFADD p2 3.5
      OBJECT ENCODING p2
      MEMORY USAGE p2
      DEBUG RELOAD
      PFCOUNT p2 nosuch
      OBJECT ENCODING p2
    `);
  });
});
