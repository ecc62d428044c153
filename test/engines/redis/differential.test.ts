// The same commands sent to our server and to real redis-server must produce identical bytes.
import { describe, expect, it } from 'vitest';
import { differential, encodeCommand, RawClient, waitBlocked, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { collectKeyspaceEvents } from './events.ts';

const available = realRedisAvailable();

const FAMILIES: Record<string, string> = {
  strings: `
    SET k v
    GET k
    GET missing
    SET k v2 XX GET
    SET k2 v NX
    SET k2 v NX
    SET k3 v NX XX
    SET k3 v EX 0
    SET k3 v EX abc
    SET k3 v PX 100000 KEEPTTL
    SET k3 v EX 100 GET
    SETNX k x
    SETNX new x
    APPEND k tail
    APPEND fresh abc
    STRLEN k
    STRLEN missing
    GETRANGE k 0 2
    GETRANGE k -3 -1
    GETRANGE k 5 1
    GETRANGE k -100 100
    SUBSTR k 1 1
    SETRANGE k 1 XYZ
    SETRANGE pad 5 hi
    GET pad
    SETRANGE k -1 x
    SETRANGE empty 0 ""
    EXISTS empty
    INCR n
    INCR n
    INCRBY n 10
    DECR n
    DECRBY n 5
    INCRBY n abc
    INCR k
    SET big 9223372036854775807
    INCR big
    SET small -9223372036854775808
    DECR small
    DECRBY n -9223372036854775808
    INCRBY n 9223372036854775808
    SET sp " 1"
    INCR sp
    SET lz 01
    INCR lz
    INCRBYFLOAT f 0.1
    INCRBYFLOAT f 0.2
    INCRBYFLOAT f 1e3
    INCRBYFLOAT f -1000.3
    INCRBYFLOAT f abc
    INCRBYFLOAT f inf
    SET f2 10.5
    INCRBYFLOAT f2 0.1
    INCRBYFLOAT f2 1.23456789012345678
    SET f3 3.0e3
    INCRBYFLOAT f3 1
    MSET a 1 b 2 c 3
    MGET a b c missing k2
    MSET a 1 b
    MSETNX a 1 z 2
    MSETNX y 1 z 2
    GETSET a 100
    GETSET newgs 1
    GETDEL a
    GETDEL a
    GETEX b PERSIST
    GETEX b EX 100
    TTL b
    GETEX b EX -1
    GETEX b FOO
    SETEX se 100 v
    TTL se
    SETEX se 0 v
    PSETEX pse 100000 v
    TTL pse
    SET lcs1 ohmytext
    SET lcs2 mynewtext
    LCS lcs1 lcs2
    LCS lcs1 lcs2 LEN
    LCS lcs1 lcs2 IDX
    LCS lcs1 lcs2 IDX MINMATCHLEN 4 WITHMATCHLEN
    GET
    SET k
    OBJECT ENCODING n
    OBJECT ENCODING k
    SET long aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
    OBJECT ENCODING long
    OBJECT ENCODING missing
    LPUSH lst a
    GET lst
    APPEND lst x
  `,
  keys: `
    SET a 1
    SET b 2
    HSET h f v
    DEL a missing
    EXISTS a b b h
    TYPE b
    TYPE h
    TYPE missing
    RENAME b c
    RENAME missing x
    GET c
    RENAMENX c h
    RENAMENX c d
    COPY d e
    COPY d e
    COPY d e REPLACE
    COPY d d
    COPY d e DB 99
    EXPIRE d 100
    TTL d
    PTTL missing
    TTL e
    EXPIRE d 100 NX
    EXPIRE d 200 XX
    EXPIRE d 50 GT
    EXPIRE d 50 LT
    EXPIRE d 50 NX XX
    EXPIRE d 50 GT LT
    EXPIRE d 50 FOO
    EXPIRE d abc
    EXPIRE e 100 GT
    EXPIRE e 100 LT
    PERSIST e
    PERSIST e
    PERSIST missing
    EXPIRE d -1
    EXISTS d
    PEXPIREAT e 1
    EXISTS e
    EXPIREAT h 99999999999
    EXPIRETIME h
    PEXPIRETIME h
    EXPIRETIME missing
    SET x 1
    EXPIRETIME x
    TOUCH x h missing
    UNLINK x
    DBSIZE
    MOVE h 1
    MOVE h 1
    SELECT 1
    EXISTS h
    SELECT 16
    SELECT abc
    SWAPDB 0 1
    SWAPDB 0 16
    DBSIZE
    SELECT 0
    DBSIZE
    FLUSHDB
    DBSIZE
    FLUSHALL SYNC
    FLUSHALL FOO
    MSET k1 1 k2 2 k3 3
    KEYS k[1]
    KEYS nomatch*
    FLUSHALL
    RANDOMKEY
    SCAN 0 COUNT 0
    SCAN abc
    SCAN 0 TYPE string
    OBJECT FOO x
    OBJECT HELP
    OBJECT
  `,
  hashes: `
    HSET h f1 v1 f2 v2
    HSET h f1 x
    HSET h f
    HSETNX h f1 y
    HSETNX h f3 v3
    HGET h f1
    HGET h nope
    HMGET h f1 nope f2
    HGETALL h
    HGETALL missing
    HKEYS h
    HVALS h
    HLEN h
    HSTRLEN h f1
    HEXISTS h f1
    HEXISTS h nope
    HDEL h f1 nope
    HINCRBY h n 5
    HINCRBY h n -10
    HINCRBY h f2 1
    HINCRBY h n abc
    HINCRBYFLOAT h fl 0.1
    HINCRBYFLOAT h fl 0.2
    HINCRBYFLOAT h f2 1
    HMSET h a 1 b 2
    HMSET h a
    HSCAN h 0
    HSCAN h 0 MATCH f*
    OBJECT ENCODING h
    HRANDFIELD missing
    HRANDFIELD missing 3
    HRANDFIELD h 0
    HDEL h f2 f3 n fl a b
    EXISTS h
    SET s x
    HGET s f
    CONFIG SET hash-max-listpack-entries 2
    CONFIG GET hash-max-ziplist-entries
    HSET small a 1 b 2 c 3
    OBJECT ENCODING small
    CONFIG SET hash-max-ziplist-entries 512
    CONFIG SET zset-max-listpack-value 3
    ZADD zsmall 1 abcd
    OBJECT ENCODING zsmall
    CONFIG SET zset-max-listpack-value 64
    CONFIG GET zset-max-ziplist-value
  `,
  lists: `
    RPUSH l a b c
    LPUSH l z
    LRANGE l 0 -1
    LRANGE l -100 100
    LRANGE l 5 1
    LLEN l
    LINDEX l 0
    LINDEX l -1
    LINDEX l 99
    LSET l 0 Z
    LSET l 99 x
    LSET nokey 0 x
    LINSERT l BEFORE b B
    LINSERT l AFTER c C
    LINSERT l AFTER nope x
    LINSERT l MIDDLE b x
    LINSERT nokey AFTER a b
    LRANGE l 0 -1
    RPUSH l b b b
    LREM l 2 b
    LREM l -1 b
    LREM l 0 nope
    LRANGE l 0 -1
    LPOS l b
    LPOS l b RANK -1
    LPOS l b COUNT 0
    LPOS l b RANK 0
    LPOS l b COUNT -1
    LPOS l b MAXLEN 2
    LPOS l nope
    LTRIM l 1 -2
    LRANGE l 0 -1
    LPOP l
    RPOP l
    LPOP l 2
    LPOP l 0
    LPOP nokey 2
    LPOP l -1
    RPUSH src 1 2 3
    RPOPLPUSH src dst
    LMOVE src dst LEFT RIGHT
    LMOVE src dst UP DOWN
    LRANGE dst 0 -1
    LMPOP 2 nokey src LEFT COUNT 5
    LMPOP 1 nokey LEFT
    LMPOP 0 a LEFT
    LMPOP 1 dst RIGHT COUNT 0
    LPUSHX nokey a
    RPUSHX dst a
    BLPOP dst 0.01
    BRPOP nokey 0.01
    BLPOP dst -1
    BLPOP dst abc
    SET str x
    LPUSH str a
    LLEN str
    OBJECT ENCODING dst
    DEL l
    LPUSH l x
    LPOP l
    EXISTS l
  `,
  sets: `
    SADD s a b c
    SADD s a d
    SCARD s
    SISMEMBER s a
    SISMEMBER s z
    SMISMEMBER s a z b
    SADD n 3 1 2 10
    SMEMBERS n
    OBJECT ENCODING n
    OBJECT ENCODING s
    SREM s a z
    SMOVE s t b
    SMOVE s t nope
    SADD n2 1 2 5
    SINTER n n2
    SUNION n n2
    SDIFF n n2
    SINTERSTORE dst n n2
    SMEMBERS dst
    SUNIONSTORE dst n n2
    SDIFFSTORE dst n n2
    SDIFFSTORE dst missing n2
    EXISTS dst
    SINTERCARD 2 n n2
    SINTERCARD 2 n n2 LIMIT 1
    SINTERCARD 0 n
    SINTERCARD 3 n n2
    SPOP missing
    SPOP n2 0
    SRANDMEMBER missing
    SRANDMEMBER missing 5
    SSCAN n 0
    SET str x
    SADD str a
    SINTER n str
  `,
  zsets: `
    ZADD z 1 a 2 b 3 c
    ZADD z 1.5 a
    ZADD z NX 10 a 4 d
    ZADD z XX 20 e
    ZADD z XX CH 2.5 a
    ZADD z GT CH 1 a 5 b
    ZADD z LT CH 1 a
    ZADD z INCR 1 a
    ZADD z INCR 1 a 2 b
    ZADD z NX XX 1 a
    ZADD z GT LT 1 a
    ZADD z abc a
    ZADD z 1
    ZADD z nan a
    ZADD z inf x -inf y
    ZINCRBY z 0.1 c
    ZSCORE z c
    ZSCORE z nope
    ZMSCORE z a nope b
    ZCARD z
    ZRANGE z 0 -1
    ZRANGE z 0 -1 WITHSCORES
    ZRANGE z 0 -1 REV WITHSCORES
    ZRANGE z (1 5 BYSCORE
    ZRANGE z 5 (1 BYSCORE REV
    ZRANGE z -inf +inf BYSCORE LIMIT 1 2 WITHSCORES
    ZRANGE z 0 1 LIMIT 0 1
    ZRANGE z a b BYLEX
    ZRANGE z - + BYLEX WITHSCORES
    ZRANGEBYSCORE z 1 3
    ZRANGEBYSCORE z (1 +inf WITHSCORES LIMIT 0 2
    ZRANGEBYSCORE z x 3
    ZREVRANGEBYSCORE z +inf -inf
    ZREVRANGE z 0 1 WITHSCORES
    ZCOUNT z -inf +inf
    ZCOUNT z (1 3
    ZRANK z b
    ZREVRANK z b
    ZRANK z nope
    ZADD lex 0 a 0 b 0 c 0 d 0 e
    ZRANGEBYLEX lex [b (d
    ZRANGEBYLEX lex - +
    ZRANGEBYLEX lex b d
    ZREVRANGEBYLEX lex + - LIMIT 1 2
    ZLEXCOUNT lex [b +
    ZREMRANGEBYLEX lex - [b
    ZREMRANGEBYRANK lex 0 0
    ZREMRANGEBYSCORE z -inf 1
    ZRANGE lex 0 -1
    ZREM z a nope
    ZPOPMIN z
    ZPOPMAX z 2
    ZPOPMIN missing
    ZPOPMIN z -1
    ZADD z1 1 a 2 b 3 c
    ZADD z2 10 b 20 c 30 d
    SADD s1 a d
    ZUNION 2 z1 z2 WITHSCORES
    ZUNION 2 z1 z2 WEIGHTS 2 1 AGGREGATE MAX WITHSCORES
    ZINTER 2 z1 z2 WITHSCORES
    ZINTER 2 z1 z2 AGGREGATE MIN WITHSCORES
    ZDIFF 2 z1 z2 WITHSCORES
    ZUNIONSTORE out 3 z1 z2 s1
    ZRANGE out 0 -1 WITHSCORES
    ZINTERSTORE out 2 z1 z2 WEIGHTS 1
    ZINTERSTORE out 0 z1
    ZUNION 2 z1 z2 WEIGHTS a b
    ZDIFFSTORE out 2 z1 z2
    ZINTERCARD 2 z1 z2
    ZRANGESTORE dst z1 0 -1
    ZRANGESTORE dst z1 (1 +inf BYSCORE
    ZRANGE dst 0 -1 WITHSCORES
    ZMPOP 1 z1 MIN COUNT 2
    ZMPOP 2 nope z2 MAX
    ZMPOP 1 nope MIN
    BZPOPMIN nope 0.01
    BZPOPMAX z2 0
    OBJECT ENCODING z2
    ZRANDMEMBER nope
    ZRANDMEMBER nope 2
    ZSCAN z2 0
    SET str x
    ZADD str 1 a
  `,
  bitmaps: `
    SETBIT b 7 1
    SETBIT b 7 0
    SETBIT b 100 1
    SETBIT b 4294967296 1
    SETBIT b -1 1
    SETBIT b 1 2
    GETBIT b 100
    GETBIT b 99999
    GETBIT missing 0
    GET b
    STRLEN b
    SET s foobar
    BITCOUNT s
    BITCOUNT s 0 0
    BITCOUNT s 1 1
    BITCOUNT s 1 -1
    BITCOUNT s 5 30 BIT
    BITCOUNT s 0
    BITCOUNT missing
    BITPOS s 1
    BITPOS s 0
    BITPOS s 1 2
    BITPOS s 1 2 -1 BYTE
    BITPOS s 1 7 15 BIT
    BITPOS s 2
    SET ones "\xff\xff"
    BITPOS ones 0
    BITPOS ones 0 0 -1
    BITPOS missing 0
    BITPOS missing 1
    SET k1 foobar
    SET k2 abcdef
    BITOP AND dest k1 k2
    GET dest
    BITOP OR dest k1 k2 missing
    GET dest
    BITOP XOR dest k1 k2
    GET dest
    BITOP NOT dest k1
    GET dest
    BITOP NOT dest k1 k2
    BITOP FOO dest k1
    BITOP AND dest missing
    EXISTS dest
    BITFIELD bf SET u8 0 255 GET u8 0 GET i8 0
    BITFIELD bf INCRBY u2 100 1 OVERFLOW SAT INCRBY u2 102 5 OVERFLOW FAIL INCRBY u2 104 7
    BITFIELD bf OVERFLOW WRAP INCRBY i8 #1 200 GET i8 #1
    BITFIELD bf GET u64 0
    BITFIELD bf GET i64 0
    BITFIELD bf GET u8 -1
    BITFIELD bf OVERFLOW BAD GET u8 0
    BITFIELD bf SET i5 3 -7 GET i5 3
    BITFIELD_RO bf GET u8 0
    BITFIELD_RO bf SET u8 0 1
    BITFIELD missing GET u8 0
    LPUSH l x
    SETBIT l 0 1
    BITCOUNT l
  `,
  hyperloglog: `
    PFADD h a b c d e f g
    GET h
    PFADD h a
    PFCOUNT h
    GET h
    PFADD h x y
    STRLEN h
    GET h
    PFADD created
    GET created
    PFCOUNT created
    GET created
    PFADD h2 1 2 3 a b
    PFCOUNT h h2
    PFMERGE h3 h h2
    GET h3
    PFCOUNT h3
    GET h3
    PFMERGE h3
    GET h3
    PFCOUNT missing
    PFADD empty
    PFCOUNT empty
    SET notahll x
    PFADD notahll a
    PFCOUNT notahll
    LPUSH l x
    PFCOUNT l
  `,
  sort: `
    RPUSH l 3 1 2 10
    SORT l
    SORT l DESC
    SORT l ALPHA
    SORT l LIMIT 1 2
    SORT l LIMIT 0 -1
    RPUSH words b a c
    SORT words
    SORT words ALPHA DESC
    MSET w_a 3 w_b 1 w_c 2
    SORT words BY w_* ALPHA
    SORT words BY w_*
    SORT words BY w_* GET # GET w_*
    SORT words BY nosort
    HSET hw_a f 9
    HSET hw_b f 8
    SORT words BY hw_*->f GET hw_*->f
    SORT l STORE out
    LRANGE out 0 -1
    SADD s 5 3 9
    SORT s
    ZADD z 1 c 2 b 3 a
    SORT z ALPHA
    SORT z BY nosort
    SORT missing
    SORT l FOO
    SORT_RO l DESC
    SORT_RO l STORE x
    SET str x
    SORT str
  `,
  streams: `
    XADD s 1-1 f v
    XADD s 1-1 f v
    XADD s 0-0 f v
    XADD s 1-* g w
    XADD s 5 a 1 b 2
    XADD s abc f v
    XADD s 6-1 f
    XADD s NOMKSTREAM 7-0 f v
    XADD nokey NOMKSTREAM * f v
    XLEN s
    XLEN nokey
    XRANGE s - +
    XRANGE s - + COUNT 2
    XRANGE s (1-1 +
    XRANGE s 5 5
    XREVRANGE s + -
    XREVRANGE s + - COUNT 1
    XRANGE s x +
    XRANGE nokey - +
    XDEL s 1-2 9-9
    XRANGE s - +
    XTRIM s MAXLEN 2
    XRANGE s - +
    XADD s 8-0 f v
    XADD s 9-0 f v
    XTRIM s MINID 8
    XTRIM s MAXLEN ~ 1
    XTRIM s MAXLEN -1
    XTRIM s MAXLEN 1 LIMIT 10
    XADD s MAXLEN 1 10-0 f v
    XRANGE s - +
    XREAD STREAMS s 0
    XREAD COUNT 1 STREAMS s nokey 0 0
    XREAD STREAMS s 10-0
    XREAD STREAMS s
    XGROUP CREATE s g 0
    XGROUP CREATE s g 0
    XGROUP CREATE nokey g 0
    XGROUP CREATE s2 g $ MKSTREAM
    XADD s 11-0 a b
    XREADGROUP GROUP g alice COUNT 1 STREAMS s >
    XREADGROUP GROUP g bob STREAMS s >
    XREADGROUP GROUP g bob STREAMS s >
    XREADGROUP GROUP g alice STREAMS s 0
    XREADGROUP GROUP nog alice STREAMS s >
    XPENDING s g
    XPENDING s nog
    XACK s g 10-0 99-0
    XPENDING s g
    XACK s g 10-0
    XGROUP CREATECONSUMER s g carol
    XGROUP CREATECONSUMER s g carol
    XGROUP DELCONSUMER s g carol
    XGROUP SETID s g 0
    XGROUP DESTROY s g
    XGROUP DESTROY s g
    XSETID s 5-0
    XSETID s 100-0
    XADD s 99-0 f v
    SET str x
    XADD str * f v
    XLEN str
  `,
  geo: `
    GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
    GEOADD Sicily NX 13.361389 38.115556 Palermo
    GEOADD Sicily 181 0 bad
    GEOADD Sicily 0 86 bad
    GEOADD Sicily 1 2
    ZRANGE Sicily 0 -1 WITHSCORES
    GEOPOS Sicily Palermo Catania NonExisting
    GEODIST Sicily Palermo Catania
    GEODIST Sicily Palermo Catania km
    GEODIST Sicily Palermo Catania mi
    GEODIST Sicily Palermo Catania parsecs
    GEODIST Sicily Palermo Nope
    GEOHASH Sicily Palermo Catania nope
    GEOADD Sicily 12.758489 38.788135 edge1 17.241510 38.788135 edge2
    GEORADIUS Sicily 15 37 200 km WITHDIST ASC
    GEORADIUS Sicily 15 37 200 km WITHCOORD WITHDIST WITHHASH ASC
    GEORADIUS Sicily 15 37 200 km COUNT 1
    GEORADIUS Sicily 15 37 -1 km
    GEORADIUSBYMEMBER Sicily Palermo 300 km ASC WITHDIST
    GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC
    GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 400 400 km ASC WITHCOORD WITHDIST
    GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km DESC COUNT 2
    GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY
    GEOSEARCH Sicily FROMLONLAT 15 37
    GEOSEARCH Sicily BYRADIUS 10 km
    GEOSEARCH Sicily FROMMEMBER nope BYRADIUS 10 km
    GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC
    ZRANGE dst 0 -1 WITHSCORES
    GEOSEARCHSTORE dst Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC STOREDIST
    ZRANGE dst 0 -1 WITHSCORES
    GEORADIUS Sicily 15 37 200 km ASC STORE dst2
    GEOSEARCH missing FROMLONLAT 15 37 BYRADIUS 200 km
  `,
  transactions: `
    MULTI
    SET a 1
    INCR a
    GET a
    EXEC
    EXEC
    DISCARD
    MULTI
    MULTI
    SET a
    GET a
    EXEC
    MULTI
    NOSUCHCOMMAND
    EXEC
    MULTI
    INCR a
    LPUSH a x
    EXEC
    WATCH a
    MULTI
    WATCH b
    DISCARD
    UNWATCH
    MULTI
    BLPOP nolist 0
    EXEC
  `,
  errors: `
    FOO
    FOO a b c
    foo "with space" x
    GET a b
    PING a b
    PING
    PING hello
    ECHO hi
    ECHO
    CONFIG NOPE
    CLIENT NOPE
    AUTH x
    AUTH u p
    HELLO 4
    HELLO abc
    SET k v
    LPUSH k x
    HGET k f
    SADD k x
    ZADD k 1 x
    WAIT 0 0
    ROLE
    PUBLISH ch msg
    PUBSUB NUMSUB a b
    PUBSUB CHANNELS
    PUBSUB NUMPAT
    SPUBLISH ch x
    UNSUBSCRIBE
    COMMAND GETKEYS GET k
    COMMAND GETKEYS MSET a 1 b 2
    COMMAND GETKEYS PING
    COMMAND GETKEYS NOPE x
    COMMAND GETKEYS PING x
    COMMAND GETKEYS GET
    COMMAND INFO nope
    ACL WHOAMI
    ACL USERS
    ACL LIST
    ACL CAT
    ACL CAT nosuchcat
    ACL DRYRUN default get k
    ACL DRYRUN default foo k
    ACL DRYRUN nobody get k
    ACL DRYRUN default get
    LATENCY GRAPH foo
    SELECT 0
  `,
};

/**
 * Commands real Redis 7.0 has and we do not: none since RESTORE-ASKING came with cluster
 * migrations. FAILOVER answers a bare engine's errors (nodes refuse it: a node's role changes
 * through the API's failover). Kept as data so the coverage test fails both when a gap appears and
 * when one closes.
 */
const KNOWN_GAPS: string[] = [];

describe.skipIf(!available)('differential vs real redis-server', () => {
  const pair = serverPair();

  it('reads HyperLogLogs that real Redis wrote (sparse and dense)', async () => {
    const a = await RawClient.connect(pair.ours.port);
    const b = await RawClient.connect(pair.real.port);
    try {
      const small = Array.from({ length: 50 }, (_, i) => `e${i}`);
      const big = Array.from({ length: 3000 }, (_, i) => `big${i}`);
      for (const [key, items] of [['hs', small], ['hd', big]] as const) {
        await b.call('DEL', key);
        for (let i = 0; i < items.length; i += 500) await b.call('PFADD', key, ...items.slice(i, i + 500));
        const bytes = await b.call('GET', key);
        const m = /^\$(\d+)\r\n/.exec(bytes);
        const raw = bytes.slice((m as RegExpExecArray)[0].length, -2);
        await a.call('SET', key, raw);
        expect(await a.call('PFCOUNT', key)).toBe(await b.call('PFCOUNT', key));
        expect(await a.call('PFADD', key, 'one-more')).toBe(await b.call('PFADD', key, 'one-more'));
        expect(await a.call('PFCOUNT', key)).toBe(await b.call('PFCOUNT', key));
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('implements every Redis 7.0 command except the documented gaps', async () => {
    const list = async (port: number): Promise<string[]> => {
      const c = await RawClient.connect(port);
      try {
        const reply = await c.call('COMMAND', 'LIST');
        return [...reply.matchAll(/\$\d+\r\n([^\r]+)\r\n/g)].map((m) => m[1] as string);
      } finally {
        c.close();
      }
    };
    const mine = new Set(await list(pair.ours.port));
    const missing = (await list(pair.real.port)).filter((n) => !mine.has(n)).sort();
    expect(missing).toEqual([...KNOWN_GAPS].sort());
  });

  it('publishes the same keyspace notifications as Redis', async () => {
    const commands = script(`
      SET k v
      SET k v NX
      APPEND k x
      INCR n
      EXPIRE k 100
      PERSIST k
      RENAME k k2
      DEL k2 missing
      LPUSH l a b
      RPOP l
      LPOP l
      HSET h f v
      HDEL h f
      SADD s a
      ZADD z 1 a
      ZINCRBY z 1 a
      XADD x 1-1 f v
      GET nothing-here
      HGET nothing-here f
      SET e v PX 1
    `);
    // Once `e` has expired, the GET publishes the expired event (and a miss).
    const collect = (port: number) =>
      collectKeyspaceEvents(port, commands, 'KEAnm', async (admin) => {
        await new Promise((r) => setTimeout(r, 30));
        await admin.call('GET', 'e');
      });
    const [mine, theirs] = [await collect(pair.ours.port), await collect(pair.real.port)];
    expect(mine).toEqual(theirs);
  });

  it('sends the same client-side caching invalidations as Redis', async () => {
    const run = async (port: number): Promise<string[]> => {
      const a = await RawClient.connect(port);
      const b = await RawClient.connect(port);
      const r = await RawClient.connect(port);
      const out: string[] = [];
      // A push that never comes shows up as '<none>' instead of failing the whole comparison.
      const next = async (c: RawClient): Promise<string> => {
        try {
          return (await c.read(300)).toString('latin1');
        } catch {
          return '<none>';
        }
      };
      try {
        await b.call('FLUSHALL');
        await a.call('HELLO', '3');
        out.push(await a.call('CLIENT', 'TRACKING', 'ON'));
        out.push(await a.call('GET', 'k1'));
        out.push(await a.call('MGET', 'k2', 'k3'));
        await b.call('SET', 'k1', 'v');
        await b.call('MSET', 'k2', '1', 'k3', '2');
        await b.call('SET', 'k1', 'again');
        out.push(await next(a), await next(a), await next(a));
        out.push(await a.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:'));
        out.push(await a.call('CLIENT', 'TRACKING', 'OFF'));
        out.push(await a.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:'));
        await b.call('SET', 'user:1', 'x');
        await b.call('SET', 'other', 'x');
        out.push(await next(a));
        out.push(await a.call('CLIENT', 'TRACKINGINFO'));
        out.push(await a.call('CLIENT', 'TRACKING', 'OFF'));
        out.push(await a.call('CLIENT', 'TRACKING', 'ON', 'OPTIN'));
        out.push(await a.call('GET', 'o1'));
        out.push(await a.call('CLIENT', 'CACHING', 'YES'));
        out.push(await a.call('GET', 'o2'));
        await b.call('MSET', 'o1', '1', 'o2', '2');
        out.push(await next(a));
        out.push(await a.call('CLIENT', 'TRACKING', 'OFF'));
        out.push(await a.call('CLIENT', 'TRACKING', 'ON', 'NOLOOP'));
        out.push(await a.call('GET', 'n1'));
        out.push(await a.call('SET', 'n1', 'mine'));
        out.push(await a.call('GET', 'n1'));
        await b.call('FLUSHALL');
        out.push(await next(a));
        const rid = (await r.call('CLIENT', 'ID')).slice(1, -2);
        out.push(await r.call('SUBSCRIBE', '__redis__:invalidate'));
        const c = await RawClient.connect(port);
        out.push(await c.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', rid));
        out.push(await c.call('GET', 'red'));
        await b.call('SET', 'red', '1');
        out.push(await next(r));
        out.push(await c.call('CLIENT', 'TRACKING', 'ON', 'PREFIX', 'x'));
        out.push(await c.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '999999'));
        c.close();
        return out;
      } finally {
        a.close();
        b.close();
        r.close();
      }
    };
    expect(await run(pair.ours.port)).toEqual(await run(pair.real.port));
  });

  it('wakes blocked clients in the same order and with the same values as Redis', async () => {
    const run = async (port: number): Promise<string[]> => {
      const admin = await RawClient.connect(port);
      const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.connect(port)));
      const [c1, c2, c3, c4] = clients as [RawClient, RawClient, RawClient, RawClient];
      const out: string[] = [];
      try {
        await admin.call('FLUSHALL');
        c1.write(encodeCommand(['BLPOP', 'k1', 'k2', '0']));
        await waitBlocked(admin, 1);
        c2.write(encodeCommand(['BRPOP', 'k2', '0']));
        await waitBlocked(admin, 2);
        c3.write(encodeCommand(['BLMOVE', 'src', 'k2', 'LEFT', 'RIGHT', '0']));
        await waitBlocked(admin, 3);
        c4.write(encodeCommand(['BZPOPMIN', 'z', '0']));
        await waitBlocked(admin, 4);
        out.push(await admin.call('MULTI'), await admin.call('RPUSH', 'k2', 'a', 'b', 'c'), await admin.call('RPUSH', 'k1', 'x'), await admin.call('RPUSH', 'src', 'm'), await admin.call('ZADD', 'z', '2', 'two', '1', 'one'));
        out.push(await admin.call('EXEC'));
        for (const c of clients) out.push((await c.read()).toString('latin1'));
        out.push(await admin.call('LRANGE', 'k1', '0', '-1'), await admin.call('LRANGE', 'k2', '0', '-1'), await admin.call('ZRANGE', 'z', '0', '-1'));
        return out;
      } finally {
        admin.close();
        for (const c of clients) c.close();
      }
    };
    expect(await run(pair.ours.port)).toEqual(await run(pair.real.port));
  });

  it('converts encodings at the same thresholds as Redis', async () => {
    const cmds: string[][] = [];
    for (let i = 0; i < 130; i++) cmds.push(['ZADD', 'z', String(i), `m${i}`], ['RPUSH', 'l', `e${i}`]);
    for (let i = 0; i < 520; i++) cmds.push(['SADD', 's', String(i)], ['HSET', 'h', `f${i}`, 'v']);
    cmds.push(['HSET', 'h2', 'f', 'x'.repeat(65)], ['ZADD', 'z2', '1', 'y'.repeat(65)], ['SADD', 's2', '1', 'a'], ['SET', 'i', '12345'], ['SET', 'e', 'x'.repeat(44)], ['SET', 'r', 'x'.repeat(45)]);
    cmds.push(['APPEND', 'i', '6'], ['SET', 'n', '-9223372036854775808'], ['SET', 'big', '9223372036854775808']);
    const keys = ['h', 'z', 'l', 's', 'h2', 'z2', 's2', 'i', 'e', 'r', 'n', 'big'];
    for (const k of keys) cmds.push(['OBJECT', 'ENCODING', k]);
    for (const k of ['h', 'z', 's']) cmds.push(['HDEL', 'h', ...Array.from({ length: 125 }, (_, i) => `f${i}`)], ['OBJECT', 'ENCODING', k]);
    cmds.push(['ZREMRANGEBYRANK', 'z', '0', '125'], ['OBJECT', 'ENCODING', 'z'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['HLEN', 'h'], ['SCARD', 's2']);
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  for (const proto of [2, 3] as const) {
    for (const [family, text] of Object.entries(FAMILIES)) {
      it(`${family} replies byte-for-byte like Redis over RESP${proto}`, async () => {
        const results = await differential(pair.ours.port, pair.real.port, script(text), proto);
        const diffs = results.filter((r) => r.ours !== r.real);
        expect(diffs).toEqual([]);
      });
    }
  }
});
