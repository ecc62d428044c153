// Deterministic cases for differences in how arguments and numbers are read (the order of checks,
// C library state a parse leaves behind) that the random differential (tools/redis-fuzz) found;
// each compared with redis-server 7.0 byte for byte.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('argument parsing as the random differential saw it', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  const sameReplies = (text: string, proto: 2 | 3 = 2): Promise<void> => expectSameReplies(pair, text, proto);

  it('BITFIELD_RO parses as BITFIELD, OVERFLOW included, and refuses SET/INCRBY only once every argument passed (options family, seeds 90007, 90014, 90025, 90032)', async () => {
    await sameReplies(`
      SET s2 abc
      RPUSH l1 a
      BITFIELD_RO s2 OVERFLOW sat OVERFLOW sat SET u16 -1 100 OVERFLOW SAT
      BITFIELD_RO s2 OVERFLOW FAIL SET u1 8 9223372036854775807 OVERFLOW FAIL OVERFLOW sat
      BITFIELD_RO s2 SET u64 0 -129 SET u16 #x 255
      BITFIELD_RO s2 SET u8 #0 -129 SET i1 8 x
      BITFIELD_RO nosuch OVERFLOW sat
      BITFIELD_RO s2 OVERFLOW x INCRBY i64 #0 128
      BITFIELD_RO s2 OVERFLOW FAIL GET u8 #1
      BITFIELD_RO s2 OVERFLOW
      BITFIELD s2 OVERFLOW
      BITFIELD s2 GET u8 0 OVERFLOW
      BITFIELD_RO s2 GET u8 0 SET
      BITFIELD_RO l1 SET u8 0 1
      BITFIELD_RO l1 GET u8 0
    `);
  });

  it('BITFIELD reads fields at offsets past 2^31 bits as zeros (ours wrapped to the start), and a type is a lower-case i/u and what string2ll reads (seeds 90065, 90087)', async () => {
    await sameReplies(`
      SET s1 hello
      BITFIELD s1 GET i8 4294967295
      BITFIELD s1 GET u63 4294967295
      BITFIELD s1 GET i8 4294967290 GET i64 #67108863
      BITFIELD s1 GET u8 2147483648 GET u8 #268435456
      BITFIELD s1 GET I8 0
      BITFIELD s1 GET u08 0
      BITFIELD s1 GET u+8 0
      BITFIELD s1 GET i064 0
      BITFIELD s1 SET u8 8 65 GET u8 8
      GET s1
    `);
  });

  it("GEORADIUS's STORE with WITH* options names WITHCOORD in its error (seeds 90152, 90160)", async () => {
    await sameReplies(`
      GEOADD g1 13.361389 38.115556 a
      GEORADIUS g1 0 38.1 0.0001 ft STOREDIST g1 WITHHASH
      GEORADIUS g1 0 0 1e10 MI STORE gdst WITHCOORD
      GEORADIUSBYMEMBER g1 a 1 km STORE gdst WITHDIST
    `);
  });

  it('SET and GETEX take the same expiry option again (its last value counts), not another; CLIENT KILL reads filter by filter; ZRANGE by rank refuses LIMIT only with a count other than -1 (options family, seeds 90715, 90723, 90749, 90762)', async () => {
    await sameReplies(`
      SET s1 x ex 100000 EX 9223372036854775807
      SET s2 x EX -1 ex 100000 ex 100000
      TTL s2
      SET s3 x PXAT 4000000000000 PXAT 4000000000000 NX NX
      SET s3 x EX 100 PX 100
      SET s3 x KEEPTTL KEEPTTL GET GET
      SET s3 x EX 100 KEEPTTL
      GETEX s1 PX -1 PX -1
      GETEX s2 EX 100000 EX 100000
      GETEX s2 PERSIST PERSIST
      GETEX s2 PERSIST EX 10
      GETEX s2 EXAT 0 EXAT 0
      CLIENT KILL ID 999999 USER nosuch x
      CLIENT KILL ID 999999 ID -1 x
      CLIENT KILL ID 999999 TYPE x x
      CLIENT KILL ID 999999 SKIPME maybe x
      CLIENT KILL ID 999999 x
      CLIENT KILL ID 999999 SKIPME no
      ZADD z 1 a 2 b 3 c
      ZRANGE z 0 -1 LIMIT 1 -1
      ZRANGE z 0 -1 LIMIT -1 -1 WITHSCORES
      ZRANGE z 0 -1 LIMIT 0 5
      ZRANGE z (1 -1 LIMIT 0 -1
      ZRANGESTORE zdst z 1 3 REV LIMIT -1 -1
      ZRANGESTORE zdst z -inf +inf REV LIMIT 0 -1
    `);
  });

  it('a RESP2 client in subscribe mode gets the OOM/NOREPLICAS refusal of a write before the subscribe-context one, as processCommand orders them (seed 90781)', async () => {
    await sameReplies(`
      CONFIG SET min-replicas-to-write 1
      SUBSCRIBE ch1
      INCRBYFLOAT s2 5e-324
      GET s2
      PING
      RESET
      CONFIG SET min-replicas-to-write 0
    `);
  });

  it("BITFIELD's overflow checks wrap their bounds as int64, as bitops.c's do: SET i1 -9223372036854775808 under SAT stores 0 (seed 91011)", async () => {
    await sameReplies(`
      BITFIELD s2 OVERFLOW SAT SET i1 8 -9223372036854775808 GET u8 8 SET u63 8 1
      BITFIELD s3 OVERFLOW SAT SET i8 0 -9223372036854775808 SET i5 8 9223372036854775807 INCRBY i1 16 -9223372036854775808
      BITFIELD s4 OVERFLOW WRAP SET i1 0 -9223372036854775808 INCRBY i63 1 4611686018427387904 INCRBY u63 1 -9223372036854775808
      BITFIELD s5 OVERFLOW FAIL SET i16 0 -9223372036854775808 INCRBY i64 0 -1 INCRBY i64 0 -9223372036854775808
      BITFIELD s6 OVERFLOW SAT INCRBY u1 0 9223372036854775807 INCRBY u7 0 -9223372036854775808 SET u1 3 18446744073709551615
      MGET s2 s3 s4 s5 s6
    `);
  });

  it('a bit offset is bounded by proto-max-bulk-len as set (SETBIT, GETBIT, BITFIELD), and ZUNION/ZINTER MIN/MAX keep the first score unless the next is strictly past it: MIN of 0 and -0 is 0 (seeds 90347, 90458)', async () => {
    await sameReplies(`
      CONFIG SET proto-max-bulk-len 1mb
      SETBIT k 8388607 1
      SETBIT k 8388608 1
      GETBIT k 8388608
      BITFIELD k SET u1 2147483656 18446744073709551615
      BITFIELD k GET u8 #1048575 GET u8 #1048576
      CONFIG SET proto-max-bulk-len 536870912
      ZADD z0 0 a 1 b
      ZUNION 2 z0 z0 WEIGHTS 1 -1 AGGREGATE MIN WITHSCORES
      ZUNION 2 z0 z0 WEIGHTS -1 1 AGGREGATE MAX WITHSCORES
      ZINTER 2 z0 z0 WEIGHTS -1 1 AGGREGATE MIN WITHSCORES
    `, 3);
  });

  it('BITCOUNT answers an empty negative range before it reads the unit (seed 8400)', async () => {
    await sameReplies(`
      SETBIT s1 1 1
      BITCOUNT s1 -1 -2 ""
      BITCOUNT s1 -1 -2 x
      BITCOUNT s1 -2 -1 x
      BITCOUNT s1 1 2 x
      BITCOUNT s1 5 2 x
      BITCOUNT s1 -1 -2 BIT
      BITCOUNT nokey -1 -2 x
      BITCOUNT s1 -1 -2 x y
    `);
  });

  it('an integer reply past 2^53 becomes the Lua number nearest to it, rounded once (found with the stream counters of seed 11118)', async () => {
    await sameReplies(`
      SET k 9214364837600034813
      EVAL "return redis.call('INCRBY', KEYS[1], 0)" 1 k
      EVAL "return tostring(redis.call('INCRBY', KEYS[1], 0))" 1 k
      SET k -9007199254740993
      EVAL "return redis.call('INCRBY', KEYS[1], 0)" 1 k
      SET k 9223372036854775807
      EVAL "return redis.call('INCRBY', KEYS[1], 0)" 1 k
      SET k 123456789012345
      EVAL "return redis.call('INCRBY', KEYS[1], 0)" 1 k
    `);
  });

  it('SORT reads a weight as a C string: a NUL byte ends it, so "\\0" weighs 0 and "3\\0x" 3 (seed 13422)', async () => {
    await sameReplies(`
      EVAL "return redis.call('RPUSH', KEYS[1], '2', '100', string.char(0), '3' .. string.char(0) .. 'x', string.char(0) .. '9')" 1 g1
      SORT g1
      SORT_RO g1 DESC
      EVAL "return redis.call('RPUSH', KEYS[1], ' ' .. string.char(0))" 1 g1
      SORT g1
      EVAL "redis.call('SET', 'w_a', '7' .. string.char(0) .. 'junk'); redis.call('SET', 'w_b', string.char(0)); return redis.call('SADD', KEYS[1], 'a', 'b')" 1 s1
      SORT s1 BY w_*
      SET w_b "1e400"
      SORT s1 BY w_*
    `);
  });

  it('PUBSUB CHANNELS and SHARDCHANNELS take one pattern at most: more is the subcommand syntax error (seed 10930)', async () => {
    await sameReplies(`
      PUBSUB CHANNELS * ""
      PUBSUB channels a b
      PUBSUB SHARDCHANNELS a b
      PUBSUB CHANNELS
      PUBSUB CHANNELS *
      PUBSUB NUMSUB a b c
      PUBSUB SHARDNUMSUB a b
    `, 3);
  });

  it('EVAL, EVAL_RO, EVALSHA and FCALL read numkeys as string2ll: -0, 00 and +0 are no integer (seed 11692)', async () => {
    await sameReplies(`
      FUNCTION FLUSH
      EVAL "return 1" -0
      EVAL_RO "return {1, 2, 3, nil, 5}" -0 S2
      EVAL "return 1" 00
      EVAL "return 1" +0
      EVAL "return 1" 99999999999999999999
      EVAL "return 1" 9223372036854775807
      EVAL "return 1" -9223372036854775808
      EVAL "return #KEYS" 1 k
      EVALSHA e0e1f9fabfc9d4800c877a703b823ac0578ff8db -0
      FUNCTION LOAD "#!lua name=l\\nredis.register_function('f', function() return 1 end)"
      FCALL f -0
      FCALL f 00
      FCALL f 9223372036854775807
      FCALL f 99999999999999999999
      FCALL f -1
      FCALL f 0
      FUNCTION FLUSH
    `);
  });

  it('a WAIT that would block compares acknowledgements with the low 32 bits of its count: WAIT 4294967296 0 answers at once (seed 11623)', async () => {
    await sameReplies(`
      WAIT 4294967296 0
      WAIT 8589934592 10
      WAIT -4294967296 0
      WAIT 4294967297 10
      WAIT 18446744073709551616 0
    `, 3);
  });

  it('while a client tracks BCAST prefixes, each event loop turn clears errno (beforeSleep walks the prefix table to its end): SORT after an out-of-range cursor then sorts (seed 102276)', async () => {
    await sameReplies(
      `
      FLUSHALL
      SADD s2 -3 5 6
      SSCAN nokey 18446744073709551616
      SORT s2
      CLIENT TRACKING on BCAST NOLOOP
      SSCAN nokey 18446744073709551616
      SORT s2
      CLIENT TRACKING off
      SSCAN nokey 18446744073709551616
      SORT s2
    `,
      3,
    );
  });

  it('a client tracking in default or OPTIN mode is enough: beforeSleep walks the (empty) prefix table whenever any client tracks, so each turn clears errno until tracking is off', async () => {
    await sameReplies(
      `
      FLUSHALL
      SADD s2 -3 5 6
      ZADD z 1e-310 a
      CLIENT TRACKING on
      ZSCORE z a
      SORT s2
      CLIENT TRACKING off
      ZSCORE z a
      SORT s2
      CLIENT TRACKING on OPTIN
      SSCAN nokey 18446744073709551616
      SORT s2
      CLIENT TRACKING off
      SSCAN nokey 18446744073709551616
      SORT s2
    `,
      3,
    );
  });

  it('XPENDING and XINFO GROUPS/CONSUMERS walk a radix tree to its end, where raxNext sets errno to 0: a SORT refused after a subnormal ZSCORE sorts after them (extended XPENDING only when neither its count nor its end stopped the walk)', async () => {
    const commands = [
      'XPENDING x g', 'XPENDING x h', 'XPENDING x g - + 10', 'XPENDING x g - + 2', 'XPENDING x g - + 1', 'XPENDING x g - 1-1 10', 'XPENDING x g 2-1 + 10',
      'XPENDING x g 5-0 + 10', 'XPENDING x g 2-1 1-1 10', 'XPENDING x g - + 0', 'XPENDING x g - + 10 c', 'XPENDING x g - + 10 nobody', 'XPENDING x g IDLE 100000 - + 10',
      'XPENDING x h - + 10', 'XINFO GROUPS x', 'XINFO GROUPS y', 'XINFO CONSUMERS x g', 'XINFO CONSUMERS x h',
    ];
    // The extended form's idle times are each server's own: a script hides the reply, not the errno.
    const hideIdle = (cmd: string): string => (cmd.split(' ').length > 3 ? `EVAL "redis.call(unpack(ARGV)) return 0" 0 ${cmd}` : cmd);
    await sameReplies(`
      SADD s 2 1
      XADD x 1-1 f v
      XADD x 2-1 f v
      XADD x 3-1 f v
      XADD y 1-1 f v
      XGROUP CREATE x g 0
      XGROUP CREATE x h 0
      XREADGROUP GROUP g c COUNT 2 STREAMS x >
      ZADD z 1e-310 a
      ${commands.map((cmd) => `ZSCORE z a\n${hideIdle(cmd)}\nSORT s`).join('\n')}
    `);
  });

  it('XRANGE/XREVRANGE and XREAD set errno to 0 when the stream iterator runs off the radix tree (raxNext/raxPrev at the end): not when COUNT ran out or a live entry past the far bound stopped it', async () => {
    const commands = [
      'XRANGE x - +', 'XRANGE x - + COUNT 1', 'XRANGE x - + COUNT 3', 'XRANGE x - + COUNT 4', 'XRANGE x - 2-1', 'XRANGE x - 3-1', 'XRANGE x - 3-5', 'XRANGE x 2-1 +',
      'XRANGE x 5-0 +', 'XRANGE x 3-1 2-1', 'XRANGE x 5-0 4-0', 'XRANGE x (1-1 (3-1', 'XREVRANGE x + -', 'XREVRANGE x + - COUNT 1', 'XREVRANGE x + - COUNT 3',
      'XREVRANGE x + 2-1', 'XREVRANGE x + 1-1', 'XREVRANGE x + 1-0', 'XREVRANGE x 0-5 -', 'XREVRANGE x 2-1 3-1', 'XREVRANGE x 1-0 3-1', 'XRANGE x - + COUNT 0',
      'XRANGE e - +', 'XREVRANGE e + -', 'XRANGE nokey - +', 'XREAD STREAMS x 0', 'XREAD COUNT 1 STREAMS x 0', 'XREAD COUNT 3 STREAMS x 0', 'XREAD COUNT 4 STREAMS x 0',
      'XREAD STREAMS x 3-1', 'XREAD STREAMS x 2-1', 'XREAD COUNT 1 STREAMS x 2-1',
    ];
    await sameReplies(`
      SADD s 2 1
      XADD x 1-1 f v
      XADD x 2-1 f v
      XADD x 3-1 f v
      XADD x 4-1 f v
      XDEL x 4-1
      XADD e 1-1 f v
      XDEL e 1-1
      ZADD z 1e-310 a
      ${commands.map((cmd) => `ZSCORE z a\n${cmd}\nSORT s`).join('\n')}
    `);
  });

  it('a listpack keeps a non-integral score as text and reads it back with strtod: a subnormal score read by SORT\'s conversion of the sorted set or by ZSCORE/ZMSCORE sets ERANGE for SORT (seed 103357)', async () => {
    await sameReplies(`
      ZADD z1 NX INCR 5e-324 10
      GEOADD g1 XX -122.4194 38.115556 c
      SORT_RO z1
      OBJECT ENCODING z1
      SORT_RO z1
      ZADD z2 -2e-310 a 1.5 b
      SADD s 2 1
      SCAN 0 MATCH nosuch
      SORT s
      ZSCORE z2 b
      SORT s
      ZSCORE z2 a
      SORT s
      SCAN 0 MATCH nosuch
      ZMSCORE z2 b nosuch a
      SORT s
      SCAN 0 MATCH nosuch
      ZSCORE z1 10
      SORT s
    `);
  });

  it("the other listpack score reads set ERANGE for SORT only where redis-server 7.0 reads a subnormal score back: ranges by rank WITHSCORES or stored, score range walks, ZADD's find and insertion scan, conversion by growth, pops, set operations (their sources walked from the tail), ZRANDMEMBER, GEO, DEBUG DIGEST (Session 29's left item)", async () => {
    const commands = [
      'ZRANGE z 1 1 WITHSCORES', 'ZRANGE z 1 1', 'ZREVRANGE z 2 2 WITHSCORES', 'ZRANGE z 0 0 WITHSCORES', 'ZRANGESTORE d z 1 1', 'ZRANGESTORE d z 2 3',
      'ZRANGEBYSCORE z 4 10', 'ZRANGEBYSCORE z -10 -4', 'ZRANGEBYSCORE z -10 -6', 'ZRANGEBYSCORE z -10 10 LIMIT 1 1', 'ZRANGEBYSCORE z -10 10 LIMIT 0 1',
      'ZRANGEBYSCORE z -10 10 LIMIT -1 1', 'ZRANGEBYSCORE z -10 10 LIMIT 4 1', 'ZREVRANGEBYSCORE z 10 5 LIMIT 0 2', 'ZREVRANGEBYSCORE z 10 5', 'ZREVRANGEBYSCORE z -1 -10',
      'ZREVRANGEBYSCORE z 10 -10 LIMIT 2 1', 'ZRANGE z 10 -10 BYSCORE REV LIMIT 1 1', 'ZRANGESTORE d z 10 -10 BYSCORE REV LIMIT 2 5', 'ZCOUNT z -10 -5', 'ZCOUNT z -10 -4',
      'ZREMRANGEBYSCORE z -10 -5', 'ZREMRANGEBYSCORE z 6 6', 'ZREMRANGEBYSCORE z 4 10',
      'ZADD z -10 n', 'ZADD z 10 n', 'ZADD z -1 n', 'ZADD z 5 x', 'ZADD z -5 x', 'ZADD z NX 7 a', 'ZADD z XX 7 q', 'ZINCRBY z 0 y', 'ZINCRBY z 1 y', 'ZREM z a', 'ZRANK z a', 'ZSCAN z 0',
      'ZPOPMAX z 2', 'ZPOPMAX z 3', 'ZPOPMIN z 1', 'ZMPOP 1 z MAX COUNT 3', 'BZPOPMIN z 0', 'BZMPOP 0 1 z MIN COUNT 2',
      'ZUNION 1 z', 'ZINTER 2 z p', 'ZINTERCARD 1 z LIMIT 2', 'ZINTERCARD 1 z LIMIT 3', 'ZINTERCARD 2 p z LIMIT 2', 'ZDIFF 2 p z', 'ZDIFF 2 z p', 'ZDIFF 2 z z',
      // The picks are random: a script hides them, not the errno they leave.
      ...['1', '2', '-3', '3', '2 WITHSCORES'].map((n) => `EVAL "redis.call('ZRANDMEMBER', 'z', unpack(ARGV)) return 0" 0 ${n}`),
      'GEOPOS z a', 'GEODIST z nosuch a', 'GEODIST z x a', 'GEOHASH z a', 'GEOSEARCH z FROMMEMBER x BYRADIUS 1 km', 'GEOADD z 0 0 n', 'DEBUG DIGEST-VALUE z', 'OBJECT ENCODING z',
    ];
    const blocks = commands.map((cmd) => `
      DEL z p d
      ZADD z -5 x 1e-310 a 5 y 6 w
      ZADD p 1 w 2 y 3 x 4 a
      SCAN 0 MATCH nosuch
      ${cmd}
      SORT s`);
    // Past the listpack's limits a new member converts it first (every score read); a new key starts
    // as a listpack whatever ZADD's count, and an algorithm-2 ZDIFF stops once nothing is left. A
    // file's listpack past the limit is converted on load (DEBUG RELOAD, RESTORE).
    const growth = `
      DEL z
      CONFIG SET zset-max-listpack-entries 2
      ZADD z 1e-310 a 5 b 6 c
      SCAN 0 MATCH nosuch
      ZADD z 7 d
      SORT s
      DEL z
      ZADD z -5 x
      ZADD z 1e-310 a 5 b
      SORT s
      CONFIG SET zset-max-listpack-entries 128
      DEL z
      ZADD z 1 x 2 y 3 w 4 k
      ZADD o 1e-310 a 1 x 2 y 3 w 4 k
      SCAN 0 MATCH nosuch
      ZDIFF 5 z o m1 m2 m3
      SORT s
      ZDIFF 2 o z
      SORT s
      DEL z o
      ZADD z -5 x 1e-310 a 5 y 6 w
      CONFIG SET zset-max-listpack-entries 2
      SCAN 0 MATCH nosuch
      DEBUG RELOAD
      SORT s
      CONFIG SET zset-max-listpack-entries 128
      GEOADD g 0 0 c0 0.001 0 c1 0.002 0 c2
      ZADD g 1e-310 sub
      SCAN 0 MATCH nosuch
      GEOSEARCH g FROMLONLAT -180 -85.05 BYRADIUS 100 km ANY COUNT 1
      SORT s
      GEOSEARCH g FROMLONLAT 0 0 BYRADIUS 1 km ANY COUNT 1
      SORT s
      SCAN 0 MATCH nosuch
      GEOSEARCH g FROMLONLAT 0 0 BYRADIUS 1 km
      SORT s`;
    await sameReplies(`SADD s 2 1 ${blocks.join('')} ${growth}`);
  });

  it("a Lua numeral or tonumber past a double's range (1e309, 1e-400, a subnormal) is strtod's ERANGE too, left for SORT: in a script's code, a FUNCTION LOAD's included (seed 208914)", async () => {
    await sameReplies(`
      SADD s 2 1
      SCAN 0 MATCH nosuch
      EVAL "return tostring(1e309)" 0
      SORT s
      SCAN 0 MATCH nosuch
      FUNCTION LOAD REPLACE "#!lua name=gen\\nlocal v = tostring(1e-400)\\nredis.register_function('g1', function() return 1 end)"
      SORT s
      SCAN 0 MATCH nosuch
      EVAL "return tostring(0e5)" 0
      SORT s
      EVAL "return tonumber('2e-310') > 0" 0
      SORT s
      SCAN 0 MATCH nosuch
      EVAL "return tostring(1e308)" 0
      SORT s
    `);
  });

  it('SORT refuses a set\'s numbers while errno still holds the ERANGE of an earlier out-of-range number, until a parse that clears it (seed 6652)', async () => {
    await sameReplies(`
      SADD S2 1 3 9
      RPUSH l 3 1 2
      RPUSH l2 1.5 2
      ZREVRANGEBYSCORE z2 1e400 -1
      SORT_RO S2
      SORT l
      SORT l2
      SORT S2 ALPHA
      ZADD z 1 a
      SORT S2
      ZADD z 1e400 b
      SORT S2
      ZADD z 4.9e-324 c
      SORT S2
      ZCOUNT z -inf 1e-400
      SORT S2
      SCAN 0 MATCH nosuch
      SORT S2
      ZADD z 1e400 b
      BLPOP nolist 0.01
      SORT S2
      ZADD z 1e400 b
      GEOADD g 1 1 m
      SORT S2
      ZADD z 1e400 b
      SCAN 99999999999999999999999
      SORT S2
      ZADD z 1e400 b
      INCRBYFLOAT f 1
      SORT S2
      ZADD z 1e400 b
      SET w_1 5
      SET w_3 1
      SET w_9 2
      SORT S2 BY w_*
      SORT S2
    `);
  });

  it("option words are compared as strcasecmp does, on C strings: 'NX\\0x' is NX, 'LEFT\\0' is LEFT (docs family)", async () => {
    const z = '\x00';
    const cmds = [
      ['FLUSHALL'],
      ['SET', 'k', 'hello'],
      ['ZADD', 'z', `NX${z}`, '1', 'a'],
      ['ZADD', 'z', `INCR${z}junk`, '1', 'a'],
      ['ZRANGE', 'z', '0', '-1', `WITHSCORES${z}`],
      ['ZUNION', '1', 'z', 'AGGREGATE', `MIN${z}`],
      ['ZUNIONSTORE', 'd', '1', 'z', `WEIGHTS${z}`, '2'],
      ['ZRANGESTORE', 'd2', 'z', '0', '-1', `REV${z}`],
      ['LPUSH', 'l', 'a', 'b'],
      ['LPOS', 'l', 'a', `RANK${z}`, '1'],
      ['LINSERT', 'l', `BEFORE${z}x`, 'a', 'c'],
      ['LMOVE', 'l', 'l2', `LEFT${z}`, 'RIGHT'],
      ['LMPOP', '1', 'l', `LEFT${z}`],
      ['BITCOUNT', 'k', '0', '1', `BIT${z}`],
      ['BITOP', `AND${z}`, 'dk', 'k'],
      ['BITFIELD', 'k', `GET${z}`, 'u8', '0'],
      ['BITFIELD', 'k', 'GET', `u8${z}`, '0', 'GET', `i4${z}x`, '0', 'GET', `u${z}8`, '0'],
      ['BITFIELD', 'k', 'GET', `i65${z}`, '0'],
      ['BITFIELD', 'k', 'OVERFLOW', `SAT${z}`, 'INCRBY', 'u8', '0', '1'],
      ['GEOADD', 'g', `NX${z}`, '1', '1', 'm'],
      ['GEOSEARCH', 'g', 'FROMLONLAT', '1', '1', 'BYRADIUS', '10', `km${z}`],
      ['GEORADIUS', 'g', '1', '1', '10', 'km', `WITHDIST${z}`],
      ['XADD', 'x', `NOMKSTREAM${z}`, '1-1', 'f', 'v'],
      ['XADD', 'x', `MAXLEN${z}`, '1', '2-1', 'f', 'v'],
      ['XGROUP', 'CREATE', 'x', 'g', '$', `MKSTREAM${z}`],
      ['XINFO', 'STREAM', 'x', `FULL${z}`],
      ['XTRIM', 'x', `MAXLEN${z}`, '5'],
      ['XAUTOCLAIM', 'x', 'g', 'c', '0', '0', `JUSTID${z}`],
      ['XPENDING', 'x', 'g', `IDLE${z}`, '1', '-', '+', '1'],
      ['SINTERCARD', '1', 'z', `LIMIT${z}`, '1'],
      ['SORT', 'l2', `ALPHA${z}`, `LIMIT${z}`, '0', '1'],
      ['COPY', 'k', 'k9', `REPLACE${z}`],
      ['MEMORY', 'USAGE', 'k', `SAMPLES${z}`, '1'],
      ['CLIENT', 'NO-EVICT', `on${z}`],
      ['CLIENT', 'NO-EVICT', 'off'],
      // Alone in its database, so one page holds the whole walk (dict order is each server's own).
      ['SELECT', '1'],
      ['FLUSHDB'],
      ['XADD', 'xs', '1-1', 'f', 'v'],
      ['SET', 'ss', 'v'],
      ['SCAN', '0', 'TYPE', `stream${z}`],
      ['SELECT', '0'],
      ['ZADD', 'z', `NX${z}`.slice(0, 1) + z + 'X', '1', 'b'],
      ['SET', 'k2', 'v', `NX${z}x`],
      ['SET', 'k2', 'v', `XX${z}`, 'GET'],
      ['SET', 'k2', 'v', `EX${z}y`, '100'],
      ['TTL', 'k2'],
      ['SET', 'k2', 'w', `KEEPTTL${z}`],
      ['GETEX', 'k2', `PERSIST${z}`],
      ['TTL', 'k2'],
      ['EXPIRE', 'k2', '100', `NX${z}`],
      ['TTL', 'k2'],
      ['LCS', 'k', 'k2', `LEN${z}`],
      ['RESTORE', 'k9', '0', 'x', `REPLACE${z}`],
      ['SCRIPT', 'FLUSH', `SYNC${z}`],
      ['FUNCTION', 'FLUSH', `ASYNC${z}`],
      ['FUNCTION', 'LIST', `WITHCODE${z}`],
      ['FUNCTION', 'RESTORE', 'x', `FLUSH${z}`],
      ['DEBUG', `SLEEP${z}`, '0'],
      ['DEBUG', z],
      // Single-character words compared with strcmp or c[1] == '\0' (docs seeds 203003-203597).
      ['XADD', 'nosuch', 'NOMKSTREAM', `*${z}x`, 'f', 'v'],
      ['XADD', 'xx', 'MAXLEN', `~${z}x`, '10', '5-1', 'f', 'v'],
      ['XADD', 'xx', 'MINID', `=${z}`, '1', '6-1', 'f', 'v'],
      ['XADD', 'xx', 'MINID', `~${z}x`, '10', 'LIMIT', '-1', '7-1', 'f', 'v'],
      ['XGROUP', 'CREATE', 'xx', 'g', `$${z}`, 'MKSTREAM'],
      ['XGROUP', 'CREATE', 'xy', 'g', `$${z}x`, 'MKSTREAM'],
      ['XGROUP', 'SETID', 'xx', 'g', `$${z}x`],
      ['XREAD', 'STREAMS', 'xx', `$${z}`],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'xx', `>${z}`],
      ['XGROUP', 'SETID', 'xx', 'g', '0'],
      ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'xx', `>${z}`],
      ['XRANGE', 'xx', `-${z}x`, `+${z}`],
      ['XREVRANGE', 'xx', `+${z}`, '-'],
      ['XAUTOCLAIM', 'xx', 'g', 'c', '0', `-${z}`],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
      ['ZADD', 'zz', `INCR${z}`, '1', 'a'],
      ['ZRANGEBYLEX', 'zz', `-${z}`, `+${z}x`],
      ['ZLEXCOUNT', 'zz', `-${z}`, '+'],
    ];
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });
});
