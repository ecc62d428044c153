// The replication stream a SYNC client reads, ours against redis-server 7.0.15 for the same commands:
// every rewrite rule 7.0 applies (absolute expiry times, float increments, SPOP, blocking pops,
// expiry and eviction, MULTI/EXEC of transactions and scripts, set_repl, forced propagation). Times
// and the members SPOP picks are masked; the RDB payload is only checked to be an RDB.
import { describe, expect, it } from 'vitest';
import { encodeCommand, RawClient, realRedisAvailable, startRealRedis, startServer, waitBlocked, waitUntil } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { SyncStream } from './sync-stream-client.ts';

const available = realRedisAvailable();

/** A step: a command, or `@wait ms` (until that much wall time passed: a TTL ran out), or `@empty` (until active expiry emptied db 9). */
type Step = string[];

/** Five entries pending for Alice, two of them then deleted from the stream. */
const PENDING_THEN_DELETED: Step[] = [
  ...['1-0', '2-0', '3-0', '4-0', '5-0'].map((id) => ['xadd', 'x', id, 'f', 'v']),
  ['xgroup', 'create', 'x', 'grp', '0'],
  ['xreadgroup', 'group', 'grp', 'Alice', 'streams', 'x', '>'],
  ['xdel', 'x', '2-0'],
  ['xdel', 'x', '4-0'],
];

const CASES: Record<string, Step[]> = {
  'SET, SETEX and the EXPIRE family as absolute times': [
    ['set', 'a', 'b', 'ex', '200'],
    ['set', 'a', 'b', 'px', '100000', 'get'],
    ['set', 'a', 'b', 'pxat', '2000000000000'],
    ['setex', 'a', '100', 'b'],
    ['psetex', 'a', '100000', 'b'],
    ['set', 'c', 'd', 'nx', 'exat', '2000000000'],
    ['set', 'c', 'd', 'nx', 'ex', '100'],
    ['set', 'c', 'e', 'xx', 'get', 'keepttl'],
    ['expire', 'c', '100'],
    ['pexpire', 'c', '200000', 'gt'],
    ['pexpire', 'c', '1000', 'gt'],
    ['expireat', 'c', '2000000000', 'xx'],
    ['pexpireat', 'c', '2000000000001'],
    ['persist', 'c'],
    ['persist', 'c'],
    ['expire', 'nokey', '10'],
    ['expireat', 'c', '1'],
    ['set', 'p', 'q', 'exat', '1'],
    ['get', 'p'],
  ],
  'GETEX as PEXPIREAT, PERSIST or a deletion; GETSET and GETDEL': [
    ['set', 'g', 'v'],
    ['getex', 'g'],
    ['getex', 'g', 'ex', '100'],
    ['getex', 'g', 'pxat', '2000000000000'],
    ['getex', 'g', 'persist'],
    ['getex', 'g', 'persist'],
    ['getex', 'g', 'exat', '1'],
    ['getset', 'g', 'w'],
    ['getdel', 'g'],
    ['getdel', 'g'],
  ],
  'INCRBYFLOAT and HINCRBYFLOAT as the value they produced': [
    ['set', 'f', '1'],
    ['pexpire', 'f', '100000'],
    ['incrbyfloat', 'f', '1.5'],
    ['hincrbyfloat', 'h', 'x', '2.5'],
    ['hincrbyfloat', 'h', 'x', '-0.5'],
  ],
  'SPOP as SREM of what it took, or a deletion': [
    ['sadd', 's', 'a', 'b', 'c', 'd', 'e'],
    ['spop', 's'],
    ['spop', 's', '2'],
    ['spop', 's', '0'],
    ['spop', 's', '10'],
    ['spop', 's'],
    ['srandmember', 'nokey'],
  ],
  'blocking pops served at once, and the pop commands with a count': [
    ['rpush', 'q', '1', '2', '3'],
    ['blpop', 'q', '0'],
    ['brpop', 'nokey', 'q', '0'],
    ['rpush', 'q', 'x', 'y'],
    ['blmove', 'q', 'z', 'left', 'left', '0'],
    ['brpoplpush', 'q', 'z', '0'],
    ['blmpop', '0', '2', 'nokey', 'z', 'right', 'count', '5'],
    ['lmpop', '1', 'nokey', 'left'],
    ['zadd', 'zz', '1', 'a', '2', 'b', '3', 'c'],
    ['bzpopmin', 'zz', '0'],
    ['bzpopmax', 'zz', '0'],
    ['bzmpop', '0', '1', 'zz', 'max', 'count', '5'],
    ['zadd', 'zz', '1', 'a'],
    ['zmpop', '1', 'zz', 'min', 'count', '3'],
  ],
  'transactions: one write alone, several in MULTI/EXEC, reads not at all': [
    ['multi'],
    ['set', 'x', '1'],
    ['exec'],
    ['multi'],
    ['set', 'x', '1'],
    ['get', 'x'],
    ['incr', 'y'],
    ['exec'],
    ['multi'],
    ['get', 'x'],
    ['exec'],
    ['multi'],
    ['publish', 'ch', 'm'],
    ['exec'],
  ],
  'scripts and functions by their effects, redis.set_repl': [
    ['eval', "redis.call('set','a','1') redis.call('set','b','2')", '0'],
    ['eval', "redis.call('set','a','1')", '0'],
    ['eval', "return redis.call('get','a')", '0'],
    ['eval', "redis.set_repl(redis.REPL_NONE) redis.call('set','a','3') redis.set_repl(redis.REPL_ALL) redis.call('set','b','4')", '0'],
    ['eval', "redis.call('set','a','5') redis.set_repl(redis.REPL_AOF) redis.call('set','b','6')", '0'],
    ['eval', "redis.call('spop','nokey') redis.call('incrbyfloat','f','1.5')", '0'],
    ['script', 'load', 'return 1'],
    ['function', 'load', "#!lua name=lib\nredis.register_function('f', function(k, a) redis.call('set', k[1], a[1]) return redis.call('incr', 'cnt') end)"],
    ['fcall', 'f', '1', 'x', 'y'],
    ['function', 'delete', 'lib'],
    ['function', 'delete', 'lib'],
    ['function', 'flush'],
  ],
  'databases: SELECT when the db changes, MOVE, COPY, RENAME, SWAPDB, FLUSHDB, FLUSHALL': [
    ['select', '3'],
    ['set', 'a', '1'],
    ['select', '9'],
    ['set', 'a', '2'],
    ['set', 'm', '1'],
    ['move', 'm', '3'],
    ['move', 'a', '3'],
    ['copy', 'a', 'b', 'db', '5'],
    ['rename', 'a', 'c'],
    ['renamenx', 'c', 'b'],
    ['swapdb', '3', '9'],
    ['swapdb', '4', '4'],
    ['flushdb'],
    ['flushall'],
    ['select', '9'],
  ],
  'no-op writes are not propagated; emptied collections go with their command': [
    ['setnx', 'k', 'v'],
    ['setnx', 'k', 'w'],
    ['msetnx', 'k', '1', 'k2', '2'],
    ['del', 'nokey'],
    ['hset', 'h', 'a', '1'],
    ['hdel', 'h', 'a'],
    ['hdel', 'h', 'a'],
    ['sadd', 's', 'a'],
    ['srem', 's', 'a', 'b'],
    ['sinterstore', 'd', 'nokey', 's'],
    ['zadd', 'z', '1', 'a'],
    ['zadd', 'z', '1', 'a'],
    ['pfadd', 'p', 'a'],
    ['pfadd', 'p', 'a'],
    ['pfcount', 'p'],
    ['pfcount', 'p'],
    ['lpop', 'nokey'],
  ],
  'consumer groups: XREADGROUP, XCLAIM, XAUTOCLAIM as XCLAIM with the pending state, NOACK as XGROUP SETID': [
    ['xadd', 's', '1-0', 'f', 'v'],
    ['xadd', 's', '2-0', 'f', 'v'],
    ['xgroup', 'create', 's', 'g', '0'],
    ['xreadgroup', 'group', 'g', 'c1', 'count', '1', 'streams', 's', '>'],
    ['xreadgroup', 'group', 'g', 'c1', 'noack', 'streams', 's', '>'],
    ['xadd', 's', '3-0', 'f', 'v'],
    ['xadd', 's', '4-0', 'f', 'v'],
    ['xreadgroup', 'group', 'g', 'c2', 'streams', 's', '>'],
    ['xclaim', 's', 'g', 'c2', '0', '1-0'],
    ['xclaim', 's', 'g', 'c2', '0', '1-0', 'justid'],
    ['xautoclaim', 's', 'g', 'c3', '0', '0-0'],
    ['xreadgroup', 'group', 'g', 'c3', 'streams', 's', '0'],
    ['xreadgroup', 'group', 'g', 'c1', 'streams', 's', '>'],
    ['xack', 's', 'g', '1-0'],
    ['xgroup', 'setid', 's', 'g', '$'],
    ['xreadgroup', 'group', 'g', 'c1', 'streams', 's', '>'],
  ],
  'XREADGROUP in MULTI, with nothing to read, and XDEL': [
    ['xadd', 's', '1-0', 'f', 'v'],
    ['xgroup', 'create', 's', 'g', '0'],
    ['multi'],
    ['xreadgroup', 'group', 'g', 'c1', 'streams', 's', '>'],
    ['exec'],
    ['xadd', 't', '1-0', 'f', 'v'],
    ['xgroup', 'create', 't', 'g', '$'],
    ['xreadgroup', 'group', 'g', 'c1', 'streams', 't', '>'],
    ['xadd', 't', '2-0', 'f', 'v'],
    ['xdel', 't', '2-0'],
  ],
  'SCAN and RANDOMKEY delete expired keys one by one, not in a MULTI': [
    ['debug', 'set-active-expire', '0'],
    ['set', 'a', '1', 'px', '20'],
    ['@wait', '60'],
    ['scan', '0'],
    ['set', 'b', '1', 'px', '20'],
    ['@wait', '60'],
    ['randomkey'],
    ['set', 'c', '1', 'px', '20'],
    ['set', 'd', '1', 'px', '20'],
    ['@wait', '60'],
    ['mget', 'c', 'd'],
    ['debug', 'set-active-expire', '1'],
  ],
  'MULTI/EXEC as the first thing after SYNC: SELECT before MULTI, a SELECT inside when the db changes': [
    ['multi'],
    ['incr', 'x'],
    ['incr', 'x'],
    ['exec'],
    ['select', '3'],
    ['multi'],
    ['incr', 'x'],
    ['select', '9'],
    ['incr', 'x'],
    ['exec'],
  ],
  'a script in MULTI that outlives its slice (EXEC pauses for it): still one MULTI/EXEC, in order': [
    ['multi'],
    ['set', 'a', '1'],
    ['eval', "redis.call('set', 'b', '1') for i = 1, 2000000 do end redis.call('set', 'c', '1') return 1", '0'],
    ['incr', 'a'],
    ['exec'],
  ],
  'CONFIG SET maxmemory inside MULTI evicts after EXEC, not in it': [
    ['config', 'set', 'maxmemory-policy', 'allkeys-lru'],
    ['multi'],
    ['incr', 'x'],
    ['config', 'set', 'maxmemory', '1'],
    ['incr', 'x'],
    ['exec'],
    ['config', 'set', 'maxmemory', '0'],
    ['config', 'set', 'maxmemory-policy', 'noeviction'],
  ],
  'XAUTOCLAIM over entries deleted from the stream: an XCLAIM with their old state too': [...PENDING_THEN_DELETED, ['xautoclaim', 'x', 'grp', 'Bob', '0', '0-0']],
  'XCLAIM naming deleted entries': [...PENDING_THEN_DELETED, ['xclaim', 'x', 'grp', 'Bob', '0', '1-0', '2-0', '3-0', '4-0', '5-0']],
  'writes of more than 4096 arguments, which run in slices': [
    ['mset', ...Array.from({ length: 2500 }, (_, i) => [`k${i}`, 'v']).flat()],
    ['del', ...Array.from({ length: 5000 }, (_, i) => `k${i}`)],
  ],
  // Past 256 steps a store a script calls computes between the script's yields and stores at the end.
  'a script whose SUNIONSTORE, ZUNIONSTORE and SORT STORE run in steps: inside its MULTI/EXEC, in order': [
    ['sadd', 'sa', ...Array.from({ length: 2000 }, (_, i) => `m${i}`)],
    ['sadd', 'sb', ...Array.from({ length: 2000 }, (_, i) => `m${i + 1000}`)],
    ['rpush', 'l', ...Array.from({ length: 2000 }, (_, i) => String((i * 7919) % 2000))],
    ['eval', "redis.call('set', 'x', 1) redis.call('sunionstore', 'd', 'sa', 'sb') redis.call('zunionstore', 'z', 2, 'sa', 'sb') redis.call('sort', 'l', 'store', 'ls') return redis.call('del', 'x')", '0'],
  ],
  'lazy expiry: DEL alone under a read, in MULTI/EXEC before a write': [
    ['debug', 'set-active-expire', '0'],
    ['set', 'e1', 'v', 'px', '20'],
    ['set', 'e2', 'v', 'px', '20'],
    ['set', 'e3', 'v', 'px', '20'],
    ['@wait', '60'],
    ['get', 'e1'],
    ['set', 'e2', 'w'],
    ['incr', 'e3'],
    ['config', 'set', 'lazyfree-lazy-expire', 'yes'],
    ['set', 'e4', 'v', 'px', '20'],
    ['@wait', '60'],
    ['exists', 'e4'],
    ['expire', 'e4', '100'],
    ['config', 'set', 'lazyfree-lazy-expire', 'no'],
    ['debug', 'set-active-expire', '1'],
  ],
  'active expiry as DEL': [
    ['set', 'gone', 'v', 'px', '20'],
    ['@empty'],
  ],
  'eviction as DEL, or UNLINK with lazyfree-lazy-eviction': [
    ['set', 'big', 'v'],
    ['config', 'set', 'maxmemory-policy', 'allkeys-random'],
    ['config', 'set', 'maxmemory', '1'],
    ['get', 'big'],
    ['config', 'set', 'maxmemory', '0'],
    ['set', 'big2', 'v'],
    ['config', 'set', 'lazyfree-lazy-eviction', 'yes'],
    ['config', 'set', 'maxmemory', '1'],
    ['config', 'set', 'maxmemory', '0'],
    ['config', 'set', 'lazyfree-lazy-eviction', 'no'],
    ['config', 'set', 'maxmemory-policy', 'noeviction'],
  ],
  'SPOP of a whole set as DEL even with lazyfree-lazy-server-del': [
    ['config', 'set', 'lazyfree-lazy-server-del', 'yes'],
    ['sadd', 's', 'a', 'b'],
    ['spop', 's', '5'],
    ['config', 'set', 'lazyfree-lazy-server-del', 'no'],
  ],
};

const END = 'set __end__ 1';

/** Times (13 digits and more) and the members SPOP chose are what two runs never share. */
function mask(cmd: string): string {
  return cmd.replace(/\b\d{13,}\b/g, '<ms>').replace(/^SREM s \S+$/, 'SREM s <member>');
}

async function streamOf(port: number, steps: Step[]): Promise<string[]> {
  const r = await RawClient.connect(port);
  try {
    await r.call('FLUSHALL');
    await r.call('FUNCTION', 'FLUSH');
    await r.call('SELECT', '9');
    await r.call('CONFIG', 'SET', 'repl-ping-replica-period', '3600');
    const { stream } = await SyncStream.attach(port);
    try {
      for (const step of steps) {
        if (step[0] === '@wait') await new Promise((res) => setTimeout(res, Number(step[1])));
        else if (step[0] === '@empty') await waitUntil('active expiry', async () => (await r.call('DBSIZE')).includes(':0'));
        else await r.call(...step);
      }
      await r.call('SELECT', '9');
      await r.call(...END.split(' '));
      return (await stream.until(END)).map(mask);
    } finally {
      stream.close();
    }
  } finally {
    r.close();
  }
}

describe.skipIf(!available)('the replication stream of SYNC, against redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  for (const [name, steps] of Object.entries(CASES)) {
    it(name, async () => {
      const theirs = await streamOf(pair.real.port, steps);
      expect(await streamOf(pair.ours.port, steps)).toEqual(theirs);
    }, 30000);
  }

  it('blocked clients served later: the pop, move or claim that happened', async () => {
    const blocking: string[][] = [
      ['blpop', 'q', '0'],
      ['brpop', 'nokey', 'q', '0'],
      ['blmove', 'q', 'z', 'right', 'left', '0'],
      ['blmpop', '0', '1', 'q', 'left', 'count', '3'],
      ['bzpopmax', 'zz', '0'],
      ['bzmpop', '0', '1', 'zz2', 'min', 'count', '2'],
      ['xreadgroup', 'group', 'g', 'c', 'block', '0', 'streams', 's', '>'],
    ];
    const feeds: string[][][] = [
      [['rpush', 'q', 'a']],
      [['rpush', 'q', 'c']],
      [['rpush', 'q', 'd']],
      [['rpush', 'q', 'f', 'g']],
      [['zadd', 'zz', '1', 'a', '2', 'b']],
      [['zadd', 'zz2', '3', 'c', '4', 'd', '5', 'e']],
      [['xadd', 's', '5-0', 'f', 'v']],
    ];
    const run = async (port: number): Promise<string[]> => {
      const r = await RawClient.connect(port);
      const b = await RawClient.connect(port);
      await r.call('FLUSHALL');
      await r.call('SELECT', '9');
      await b.call('SELECT', '9');
      await r.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      const { stream } = await SyncStream.attach(port);
      for (let i = 0; i < blocking.length; i++) {
        b.write(encodeCommand(blocking[i] as string[]));
        await waitBlocked(r, 1);
        for (const cmd of feeds[i] as string[][]) await r.call(...cmd);
        await b.read();
      }
      await r.call(...END.split(' '));
      const got = (await stream.until(END)).map(mask);
      stream.close();
      r.close();
      b.close();
      return got;
    };
    const theirs = await run(pair.real.port);
    expect(await run(pair.ours.port)).toEqual(theirs);
  }, 30000);

  it('a SYNC client shows as a replica: INFO counts it among slaves, not clients; CLIENT LIST flags it S and lists it as TYPE replica, CLIENT KILL TYPE slave drops it; ROLE lists it', async () => {
    const seen = async (port: number): Promise<string[]> => {
      const { stream } = await SyncStream.attach(port);
      const r = await RawClient.connect(port);
      const info = await r.call('INFO');
      const list = await r.call('CLIENT', 'LIST');
      const role = (await r.call('ROLE')).replace(/^(\*3\r\n\$6\r\nmaster\r\n):\d+/, '$1<offset>');
      const typed = [...(await r.call('CLIENT', 'LIST', 'TYPE', 'replica')).matchAll(/cmd=(\S+)/g)].map((m) => m[1]).join(',');
      const normal = [...(await r.call('CLIENT', 'LIST', 'TYPE', 'normal')).matchAll(/cmd=(\S+)/g)].map((m) => m[1]).join(',');
      const killed = await r.call('CLIENT', 'KILL', 'TYPE', 'slave');
      await waitUntil('the killed replica to close', () => stream.closed);
      stream.close();
      r.close();
      const fields = info.split('\r\n').filter((l) => /^(connected_clients|connected_slaves|repl_backlog_active):/.test(l));
      const slave = info.split('\r\n').find((l) => l.startsWith('slave0:'))?.replace(/offset=\d+,lag=-?\d+/, '') ?? 'none';
      const syncLine = list.split('\n').find((l) => l.includes('cmd=sync')) ?? '';
      return [...fields, slave, /flags=(\S+)/.exec(syncLine)?.[1] ?? 'none', role, typed, normal, killed];
    };
    const theirs = await seen(pair.real.port);
    expect(await seen(pair.ours.port)).toEqual(theirs);
  });

  it('a SYNC client that stops reading is dropped at client-output-buffer-limit replica', async () => {
    const dropped = async (port: number): Promise<boolean> => {
      const r = await RawClient.connect(port);
      await r.call('FLUSHALL');
      await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 262144 0 0');
      const { stream } = await SyncStream.attach(port);
      stream.pause();
      const big = 'x'.repeat(512 * 1024);
      for (let i = 0; i < 64 && !stream.closed; i++) await r.call('SET', `k${i}`, big);
      await waitUntil('the replica to be dropped', async () => (await r.call('INFO', 'replication')).includes('connected_slaves:0'));
      await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'replica 268435456 67108864 60');
      await r.call('FLUSHALL');
      stream.close();
      r.close();
      return true;
    };
    expect(await dropped(pair.real.port)).toBe(true);
    expect(await dropped(pair.ours.port)).toBe(true);
  }, 30000);

  it('PING goes to the replicas every repl-ping-replica-period seconds', async () => {
    const pinged = async (port: number): Promise<string> => {
      const r = await RawClient.connect(port);
      await r.call('CONFIG', 'SET', 'repl-ping-replica-period', '1');
      const { stream } = await SyncStream.attach(port);
      const first = await stream.next(5000);
      await r.call('CONFIG', 'SET', 'repl-ping-replica-period', '10');
      stream.close();
      r.close();
      return first;
    };
    expect(await pinged(pair.real.port)).toBe('ping');
    expect(await pinged(pair.ours.port)).toBe('ping');
  }, 30000);

  it('a redis-server 7.0.15 replica follows a bare engine: the RDB, then every write (TTLs, databases, rewrites)', async () => {
    const r = await RawClient.connect(pair.ours.port);
    await r.call('FLUSHALL');
    await r.call('SET', 'before', '1');
    await r.call('HSET', 'h', 'a', '1', 'b', '2');
    await r.call('SET', 'ttl', 'v', 'EX', '500');
    const replica = await startRealRedis(['--replicaof', '127.0.0.1', String(pair.ours.port), '--enable-debug-command', 'yes']);
    try {
      const rr = await RawClient.connect(replica.port);
      await waitUntil('the link to come up', async () => (await rr.call('INFO', 'replication')).includes('master_link_status:up'));
      expect(await r.call('INFO', 'replication')).toMatch(new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=${replica.port},state=online`));
      for (const cmd of [['RPUSH', 'l', 'a', 'b', 'c'], ['INCRBYFLOAT', 'f', '1.5'], ['SADD', 's', 'x', 'y', 'z'], ['SPOP', 's'], ['SELECT', '3'], ['SET', 'db3', 'x', 'PX', '900000'], ['SELECT', '0'], ['EVAL', "redis.call('incr','n') redis.call('expire','n',100)", '0'], ['XADD', 'st', '1-0', 'f', 'v'], ['XGROUP', 'CREATE', 'st', 'g', '0'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'st', '>']]) {
        await r.call(...cmd);
      }
      const digest = await r.call('DEBUG', 'DIGEST');
      await waitUntil('the replica to hold the same data', async () => (await rr.call('DEBUG', 'DIGEST')) === digest);
      expect(await rr.call('PTTL', 'ttl')).toMatch(/^:4\d{5}\r\n$/);
      rr.close();
    } finally {
      r.close();
      await replica.stop();
    }
  }, 30000);

  it('PSYNC answers +FULLRESYNC with the replication id, then an RDB payload', async () => {
    const real1 = await SyncStream.attach(pair.real.port, true);
    const ours1 = await SyncStream.attach(pair.ours.port, true);
    real1.stream.close();
    ours1.stream.close();
    expect(real1.header).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+$/);
    expect(ours1.header).toMatch(/^\+FULLRESYNC [0-9a-f]{40} \d+$/);
    expect(ours1.payload.subarray(0, 9).toString('latin1')).toBe('REDIS0010');
  });

  it('the payload holds the dataset; the stream ends with the backlog, repl-backlog-ttl after its last client, leaving commands unburdened', async () => {
    const r = await RawClient.connect(pair.ours.port);
    await r.call('SET', 'kept', 'value-in-rdb');
    const { stream, payload } = await SyncStream.attach(pair.ours.port);
    expect(payload.includes(Buffer.from('value-in-rdb'))).toBe(true);
    expect(pair.ours.server.engine.feed).not.toBeNull();
    await r.call('CONFIG', 'SET', 'repl-backlog-ttl', '1');
    stream.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Kept for a replica that comes back (sync-partial.test.ts), then gone.
    expect(pair.ours.server.engine.feed).not.toBeNull();
    await waitUntil('the feed to go', () => pair.ours.server.engine.feed === null);
    await r.call('CONFIG', 'SET', 'repl-backlog-ttl', '3600');
    r.close();
  });

  it('a node created through the API refuses SYNC and PSYNC, as ElastiCache does (the command is unknown there)', async () => {
    const node = await startServer({ mode: 'node' });
    try {
      const c = await RawClient.connect(node.port);
      expect(await c.call('SYNC')).toMatch(/^-ERR unknown command 'SYNC'/);
      expect(await c.call('PSYNC', '?', '-1')).toMatch(/^-ERR unknown command 'PSYNC'/);
      c.close();
    } finally {
      await node.server.close();
    }
  });
});
