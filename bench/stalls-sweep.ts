// The rest of issue 12's sweep: every other command whose work grows with one key or the keyspace, measured
// as bench/stalls.ts measures (worst loop hold while another node is PINGed), at STALL_N elements (1M),
// STALL_STR-byte strings (500 MB: a V8 string holds at most 2^29-24 characters, so 512 MB cannot exist here)
// and 10k clients.
// Run: node bin/run-ts.mjs bench/stalls-sweep.ts [case-name-substring ...] [-left-out-substring ...]
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { newHash, newSet, newZSet } from '../engines/redis/db/objects.ts';
import type { RedisServerWithEngine } from '../engines/redis/index.ts';
import type { Consumer, ConsumerGroup, Stream } from '../engines/redis/types/stream.ts';
import { big, N, resp, runCase, type Case } from './stalls.ts';

const STR = Number(process.env.STALL_STR ?? 500 * 2 ** 20);
const CLIENTS = Number(process.env.STALL_CLIENTS ?? 10_000);

/** Members `prefix-from` .. `prefix-(from+N-1)` in a set, hash or sorted set at `key`. */
function members(s: RedisServerWithEngine, kind: 'set' | 'zset' | 'hash', key: string, from: number): void {
  const db = s.engine.ks.db(0);
  if (kind === 'set') {
    const o = newSet();
    o.big = true;
    for (let i = from; i < from + N; i++) o.v.add(`member-${i}`);
    db.set(key, o);
  } else if (kind === 'zset') {
    const o = newZSet();
    o.big = true;
    for (let i = from; i < from + N; i++) o.v.add(`member-${i}`, i * 1.5);
    db.set(key, o);
  } else {
    const o = newHash();
    o.big = true;
    for (let i = from; i < from + N; i++) o.v.set(`field-${i}`, `value-${i}`);
    db.set(key, o);
  }
}

/** Two inputs of N members overlapping by half: a and b. */
const two = (kind: 'set' | 'zset') => (s: RedisServerWithEngine) => {
  members(s, kind, 'a', 0);
  members(s, kind, 'b', N / 2);
};

/** A flat string of `n` bytes (Buffer's latin1 decoding makes a flat one; 'x'.repeat makes a rope). */
const flat = (n: number, byte: number) => Buffer.alloc(n, byte).toString('latin1');

/** Sends `cmd` on a new connection and resolves once `count` replies' worth of `end` were read. */
async function rawSend(port: number, payload: Buffer[], end: string): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  await new Promise<void>((resolve) => {
    let tail = '';
    sock.on('data', (d: Buffer) => {
      tail = (tail + d.subarray(-end.length).toString('latin1')).slice(-end.length);
      if (tail === end) resolve();
    });
    for (const p of payload) sock.write(p);
  });
  sock.destroy();
}

/** A child process holding CLIENTS connections to `port`, each having sent `setup` (so this process keeps its fds). */
async function crowd(port: number, setup: string[]): Promise<ChildProcess> {
  const code = `
    const net = require('node:net');
    let ready = 0;
    const payload = ${JSON.stringify(resp(setup))};
    for (let i = 0; i < ${CLIENTS}; i++) {
      const s = net.connect(${port}, '127.0.0.1', () => { s.write(payload); });
      let first = true;
      s.on('data', () => { if (first) { first = false; if (++ready === ${CLIENTS}) console.log('ready'); } });
      s.on('error', () => {});
    }`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve) => child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve()));
  return child;
}
const children: ChildProcess[] = [];

const n = String(N);
const cases: Case[] = [];
const add = (name: string, fill: Case['fill'], cmd: string[]) => cases.push({ name, fill, cmd });
/**
 * A case whose request is made when it runs: a few million-argument arrays made up front kept the sweep's heap
 * near 1 GB, and its collector's pauses (100-200 ms) showed in every case.
 */
const made = (name: string, fill: Case['fill'], cmd: () => string[], replica = false) =>
  cases.push({
    name,
    fill,
    get cmd() {
      return cmd();
    },
    replica,
  });

for (const op of ['SUNION', 'SINTER', 'SDIFF']) {
  add(`${op} 2 sets`, two('set'), [op, 'a', 'b']);
  add(`${op}STORE 2 sets`, two('set'), [`${op}STORE`, 'd', 'a', 'b']);
}
add('SINTERCARD 2 sets', two('set'), ['SINTERCARD', '2', 'a', 'b']);
add('SMEMBERS set', (s) => big(s, 'set'), ['SMEMBERS', 'big']);
add('SPOP set N', (s) => big(s, 'set'), ['SPOP', 'big', n]);
for (const cmd of ['HGETALL', 'HKEYS', 'HVALS']) add(`${cmd} hash`, (s) => big(s, 'hash'), [cmd, 'big']);
made('HSET 1M fields in one command', () => undefined, () => ['HSET', 'h', ...Array.from({ length: N }, (_, i) => [`f${i}`, `v${i}`]).flat()]);
for (const op of ['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']) add(`${op} 2 zsets`, two('zset'), [op, 'd', '2', 'a', 'b']);
for (const op of ['ZUNION', 'ZINTER', 'ZDIFF']) add(`${op} 2 zsets`, two('zset'), [op, '2', 'a', 'b', 'WITHSCORES']);
add('ZINTERCARD 2 zsets', two('zset'), ['ZINTERCARD', '2', 'a', 'b']);
add('ZRANGESTORE zset 0 -1', (s) => big(s, 'zset'), ['ZRANGESTORE', 'd', 'big', '0', '-1']);
add('ZRANGE zset 0 -1 WITHSCORES', (s) => big(s, 'zset'), ['ZRANGE', 'big', '0', '-1', 'WITHSCORES']);
add('ZREMRANGEBYRANK zset 0 -1', (s) => big(s, 'zset'), ['ZREMRANGEBYRANK', 'big', '0', '-1']);
add('ZREMRANGEBYSCORE zset all', (s) => big(s, 'zset'), ['ZREMRANGEBYSCORE', 'big', '-inf', '+inf']);
add('ZPOPMIN zset N', (s) => big(s, 'zset'), ['ZPOPMIN', 'big', n]);
add('ZMPOP zset N', (s) => big(s, 'zset'), ['ZMPOP', '1', 'big', 'MAX', 'COUNT', n]);
add('LREM list middle', (s) => big(s, 'list'), ['LREM', 'big', '1', `element-${N / 2}`]);
add('LREM list all', (s) => big(s, 'list'), ['LREM', 'big', '0', 'nosuch']);
add('LINSERT list middle', (s) => big(s, 'list'), ['LINSERT', 'big', 'BEFORE', `element-${N / 2}`, 'x']);
add('LSET list middle', (s) => big(s, 'list'), ['LSET', 'big', String(N / 2), 'x']);
add('LTRIM list keep middle', (s) => big(s, 'list'), ['LTRIM', 'big', String(N / 4), String((3 * N) / 4)]);
add('LTRIM list keep 1', (s) => big(s, 'list'), ['LTRIM', 'big', '0', '0']);
add('LPOP list N', (s) => big(s, 'list'), ['LPOP', 'big', n]);
add('RPOP list N', (s) => big(s, 'list'), ['RPOP', 'big', n]);
add('LMPOP list N', (s) => big(s, 'list'), ['LMPOP', '1', 'big', 'LEFT', 'COUNT', n]);
add('XRANGE stream', (s) => big(s, 'stream'), ['XRANGE', 'big', '-', '+']);
add('XREVRANGE stream', (s) => big(s, 'stream'), ['XREVRANGE', 'big', '+', '-']);
add('XREAD stream', (s) => big(s, 'stream'), ['XREAD', 'COUNT', n, 'STREAMS', 'big', '0']);
add('XTRIM stream MAXLEN 0', (s) => big(s, 'stream'), ['XTRIM', 'big', 'MAXLEN', '0']);
add('XDEL stream 100k ids', (s) => big(s, 'stream'), ['XDEL', 'big', ...Array.from({ length: 100_000 }, (_, i) => `${1 + i * 7}-0`)]);
const grouped = async (s: RedisServerWithEngine) => {
  big(s, 'stream');
  await s.command(['XGROUP', 'CREATE', 'big', 'g', '0']);
  await s.command(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', n, 'STREAMS', 'big', '>']);
};
add('XREADGROUP stream N', async (s) => (big(s, 'stream'), s.command(['XGROUP', 'CREATE', 'big', 'g', '0'])), ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', n, 'STREAMS', 'big', '>']);
add('XPENDING stream N', grouped, ['XPENDING', 'big', 'g', '-', '+', n]);
add('XAUTOCLAIM stream N', grouped, ['XAUTOCLAIM', 'big', 'g', 'c2', '0', '0', 'COUNT', n]);
add('XCLAIM stream 100k ids', grouped, ['XCLAIM', 'big', 'g', 'c2', '0', ...Array.from({ length: 100_000 }, (_, i) => `${1 + i}-0`)]);
add('XINFO STREAM FULL', grouped, ['XINFO', 'STREAM', 'big', 'FULL', 'COUNT', '0']);
add('XGROUP DESTROY with PEL', grouped, ['XGROUP', 'DESTROY', 'big', 'g']);
add('DEL stream with PEL', grouped, ['DEL', 'big']);
add('XACK 100k ids', grouped, ['XACK', 'big', 'g', ...Array.from({ length: 100_000 }, (_, i) => `${1 + i * 3}-0`)]);
add('XTRIM MINID over all', grouped, ['XTRIM', 'big', 'MINID', String(N + 1)]);
add('XREADGROUP history N', grouped, ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', n, 'STREAMS', 'big', '0']);
add('XPENDING IDLE stream N', grouped, ['XPENDING', 'big', 'g', 'IDLE', '1', '-', '+', n]);
add('XRANGE stream COUNT N', (s) => big(s, 'stream'), ['XRANGE', 'big', '-', '+', 'COUNT', n]);
add('XTRIM stream MAXLEN ~ 0', (s) => big(s, 'stream'), ['XTRIM', 'big', 'MAXLEN', '~', '0']);
add('XTRIM stream MINID ~ over all', (s) => big(s, 'stream'), ['XTRIM', 'big', 'MINID', '~', String(N + 1)]);
add('XSETID stream', grouped, ['XSETID', 'big', `${N + 5}-0`, 'ENTRIESADDED', String(N + 5), 'MAXDELETEDID', '0-0']);
made('XDEL stream N ids', (s) => big(s, 'stream'), () => ['XDEL', 'big', ...Array.from({ length: N }, (_, i) => `${1 + i}-0`)]);
/** A group whose N entries are pending for N consumers, one each. */
const consumers = async (s: RedisServerWithEngine) => {
  await grouped(s);
  const g = (s.engine.ks.db(0).peek('big') as { v: Stream }).v.groups.get('g') as ConsumerGroup;
  const c = g.consumers.get('c') as Consumer;
  for (const [k, p] of c.pending) {
    const name = `c${k}`;
    p.consumer = name;
    g.consumers.set(name, { name, seenAt: 0, activeAt: 0, pending: new Map([[k, p]]) });
  }
  g.consumers.delete('c');
};
add('XINFO CONSUMERS N consumers', consumers, ['XINFO', 'CONSUMERS', 'big', 'g']);
add('XINFO GROUPS N-entry PEL', grouped, ['XINFO', 'GROUPS', 'big']);
add('XPENDING summary N consumers', consumers, ['XPENDING', 'big', 'g']);
const str = (byte: number) => (s: RedisServerWithEngine) => s.engine.ks.db(0).setString('s', flat(STR, byte));
add('BITCOUNT 500MB', str(0x55), ['BITCOUNT', 's']);
add('BITPOS 500MB zeros', str(0), ['BITPOS', 's', '1']);
add('BITOP AND 500MB', (s) => (str(0x55)(s), s.engine.ks.db(0).setString('t', flat(STR, 0x0f))), ['BITOP', 'AND', 'd', 's', 't']);
add('GETRANGE 500MB', str(0x55), ['GETRANGE', 's', '0', '-1']);
add('GET 500MB', str(0x55), ['GET', 's']);
add('SETRANGE 500MB end', str(0x55), ['SETRANGE', 's', String(STR - 1), 'x']);
add('SETRANGE new 500MB', () => undefined, ['SETRANGE', 's', String(STR - 1), 'x']);
add('SETBIT new 500MB', () => undefined, ['SETBIT', 's', String(STR * 8 - 1), '1']);
add('APPEND 500MB', str(0x55), ['APPEND', 's', 'x']);
add('STRLEN/INCR-free COPY 500MB', str(0x55), ['COPY', 's', 'd']);
add('BITFIELD 100k ops', str(0x55), ['BITFIELD', 's', ...Array.from({ length: 100_000 }, (_, i) => ['INCRBY', 'u8', String(i * 8), '1']).flat()]);
// Session 28: the rest of the big strings' copies, and RESTORE of big collections (payloads made by DUMP in the fill).
/** Sends `cmds` one after another on one connection, then a PING, and resolves at its PONG. */
const inOrder = (cmds: string[][]) => (s: RedisServerWithEngine) => rawSend(s.port, [Buffer.from([...cmds, ['PING']].map(resp).join(''), 'latin1')], '+PONG\r\n');
cases.push({ name: 'GETDEL 500MB', fill: str(0x55), cmd: [], run: inOrder([['GETDEL', 's']]) });
cases.push({ name: 'GETEX 500MB', fill: str(0x55), cmd: [], run: inOrder([['GETEX', 's', 'PERSIST']]) });
cases.push({ name: 'GETSET 500MB', fill: str(0x55), cmd: [], run: inOrder([['GETSET', 's', 'x']]) });
cases.push({ name: 'SET GET 500MB', fill: str(0x55), cmd: [], run: inOrder([['SET', 's', 'x', 'GET']]) });
cases.push({ name: 'GETRANGE 500MB middle half', fill: str(0x55), cmd: [], run: inOrder([['GETRANGE', 's', String(STR / 4), String((3 * STR) / 4)]]) });
cases.push({ name: 'SETRANGE 500MB middle then GET 1 byte', fill: str(0x55), cmd: [], run: inOrder([['SETRANGE', 's', String(STR / 2), 'x'], ['GETRANGE', 's', '0', '0']]) });
cases.push({ name: 'APPEND 500MB then STRLEN, GETRANGE', fill: str(0x55), cmd: [], run: inOrder([['APPEND', 's', 'x'], ['STRLEN', 's'], ['GETRANGE', 's', '0', '0']]) });
cases.push({ name: 'SETRANGE 500MB x 3 in the middle', fill: str(0x55), cmd: [], run: inOrder([1, 2, 3].map((i) => ['SETRANGE', 's', String((i * STR) / 4), 'x'])) });
cases.push({ name: 'SETBIT 500MB middle', fill: str(0x55), cmd: [], run: inOrder([['SETBIT', 's', String(STR * 4), '1']]) });
cases.push({ name: 'INCR-free SETRANGE + BITCOUNT 500MB', fill: str(0x55), cmd: [], run: inOrder([['SETRANGE', 's', '0', 'x'], ['BITCOUNT', 's']]) });
cases.push({ name: 'COPY 500MB then APPEND copy', fill: str(0x55), cmd: [], run: inOrder([['COPY', 's', 'd'], ['APPEND', 'd', 'x'], ['STRLEN', 'd']]) });
cases.push({ name: 'MGET 500MB', fill: str(0x55), cmd: [], run: inOrder([['MGET', 's']]) });
cases.push({ name: 'LCS-free OBJECT/TYPE/DEBUG 500MB', fill: str(0x55), cmd: [], run: inOrder([['TYPE', 's'], ['OBJECT', 'ENCODING', 's']]) });
/** Two strings of 11k bytes: the longest whose LCS table (n+1)*(m+1)*4 bytes fits proto-max-bulk-len. */
const lcsPair = (s: RedisServerWithEngine) => {
  const text = (step: number) => Array.from({ length: 11_000 }, (_, i) => String.fromCharCode(97 + ((i * step + (i >> 7)) % 26))).join('');
  s.engine.ks.db(0).setString('a', text(7));
  s.engine.ks.db(0).setString('b', text(11));
};
add('LCS 11k x 11k', lcsPair, ['LCS', 'a', 'b']);
add('LCS 11k x 11k IDX', lcsPair, ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '3']);
cases.push({ name: 'DEBUG OBJECT 500MB', fill: str(0x55), cmd: [], run: inOrder([['DEBUG', 'OBJECT', 's']]) });
cases.push({ name: 'DEBUG DIGEST-VALUE 500MB', fill: str(0x55), cmd: [], run: inOrder([['DEBUG', 'DIGEST-VALUE', 's']]) });
cases.push({ name: 'DEBUG DIGEST 500MB', fill: str(0x55), cmd: [], run: inOrder([['DEBUG', 'DIGEST']]) });
cases.push({ name: 'MEMORY USAGE 500MB', fill: str(0x55), cmd: [], run: inOrder([['MEMORY', 'USAGE', 's']]) });
let payload = '';
/** Fills with `fill`, keeps DUMP of `key` as the payload for the case's RESTORE, deletes the key. */
const dumped = (fill: (s: RedisServerWithEngine) => void, key: string) => async (s: RedisServerWithEngine) => {
  fill(s);
  const r = (await s.command(['DUMP', key])).toString('latin1');
  payload = r.slice(r.indexOf('\r\n') + 2, -2);
  await s.command(['DEL', key]);
};
made('DUMP 500MB', str(0x55), () => ['DUMP', 's']);
made('RESTORE 500MB', dumped(str(0x55), 's'), () => ['RESTORE', 's', '0', payload]);
for (const kind of ['zset', 'stream', 'hash', 'set', 'list']) made(`RESTORE 1M ${kind}`, dumped((s) => big(s, kind), 'big'), () => ['RESTORE', 'big', '0', payload]);
const hlls = async (s: RedisServerWithEngine) => {
  for (let k = 0; k < 10_000; k += 500) {
    const cmds = [];
    for (let j = k; j < k + 500; j++) cmds.push(s.command(['PFADD', `hll:${j}`, ...Array.from({ length: 20 }, (_, i) => `e${j * 20 + i}`)]));
    await Promise.all(cmds);
  }
};
const hllKeys = Array.from({ length: 10_000 }, (_, i) => `hll:${i}`);
add('PFMERGE 10k HLLs', hlls, ['PFMERGE', 'd', ...hllKeys]);
add('PFCOUNT 10k HLLs', hlls, ['PFCOUNT', ...hllKeys]);
const geo = async (s: RedisServerWithEngine) => {
  for (let i = 0; i < N; i += 10_000) {
    const args = ['GEOADD', 'g'];
    for (let j = i; j < i + 10_000; j++) args.push(String(((j * 7919) % 3600) / 10 - 180), String(((j * 104729) % 1700) / 10 - 85), `p${j}`);
    await s.command(args);
  }
};
add('GEOSEARCH 1M points all', geo, ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '25000', 'km', 'ASC']);
add('GEOSEARCH 1M points COUNT 10', geo, ['GEOSEARCH', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '25000', 'km', 'COUNT', '10']);
add('GEORADIUS STORE 1M points', geo, ['GEORADIUS', 'g', '0', '0', '25000', 'km', 'STORE', 'd']);
const keyArgs = Array.from({ length: N }, (_, i) => `key:${i}`);
made('EXISTS 1M args', (s) => big(s, 'keys'), () => ['EXISTS', ...keyArgs]);
made('TOUCH 1M args', (s) => big(s, 'keys'), () => ['TOUCH', ...keyArgs]);
made('MGET 1M args', (s) => big(s, 'keys'), () => ['MGET', ...keyArgs]);
made('DEL 1M args', (s) => big(s, 'keys'), () => ['DEL', ...keyArgs]);
made('UNLINK 1M args', (s) => big(s, 'keys'), () => ['UNLINK', ...keyArgs]);
made('MSET 1M pairs', () => undefined, () => ['MSET', ...keyArgs.flatMap((k) => [k, 'v'])]);
made('MSETNX 1M pairs', () => undefined, () => ['MSETNX', ...keyArgs.flatMap((k) => [k, 'v'])]);
made('DEL 1M args, replica', (s) => big(s, 'keys'), () => ['DEL', ...keyArgs], true);
made('MSET 1M pairs, replica', () => undefined, () => ['MSET', ...keyArgs.flatMap((k) => [k, 'v'])], true);
const fieldArgs = Array.from({ length: N }, (_, i) => `member-${i}`);
made('SADD 1M members', () => undefined, () => ['SADD', 's', ...fieldArgs]);
made('ZADD 1M members', () => undefined, () => ['ZADD', 'z', ...fieldArgs.flatMap((m, i) => [String(i), m])]);
made('RPUSH 1M elements', () => undefined, () => ['RPUSH', 'l', ...fieldArgs]);
made('SREM 1M members', (s) => big(s, 'set'), () => ['SREM', 'big', ...fieldArgs]);
made('ZREM 1M members', (s) => big(s, 'zset'), () => ['ZREM', 'big', ...fieldArgs]);
made('HDEL 1M fields', (s) => big(s, 'hash'), () => ['HDEL', 'big', ...fieldArgs.map((_, i) => `field-${i}`)]);
made('HSET 1M fields into a hash, replica', (s) => big(s, 'hash'), () => ['HSET', 'big', ...fieldArgs.flatMap((f) => [f, 'v'])], true);
add('FLUSHDB SYNC 1M', (s) => big(s, 'keys'), ['FLUSHDB', 'SYNC']);
add('KEYS * 1M keys', (s) => big(s, 'keys'), ['KEYS', '*']);
add('SCAN COUNT 1M', (s) => big(s, 'keys'), ['SCAN', '0', 'COUNT', n]);
add('DBSIZE 1M', (s) => big(s, 'keys'), ['DBSIZE']);
add('FLUSHDB ASYNC 1M', (s) => big(s, 'keys'), ['FLUSHDB', 'ASYNC']);
add('SWAPDB 1M', (s) => big(s, 'keys'), ['SWAPDB', '0', '1']);
add('MOVE 1M hash', (s) => big(s, 'hash'), ['MOVE', 'big', '1']);
add('COPY 1M hash', (s) => big(s, 'hash'), ['COPY', 'big', 'd']);
add('COPY 1M set', (s) => big(s, 'set'), ['COPY', 'big', 'd']);
add('COPY 1M stream', (s) => big(s, 'stream'), ['COPY', 'big', 'd']);
add('RENAME 1M hash', (s) => big(s, 'hash'), ['RENAME', 'big', 'd']);
const expiredKeys = async (s: RedisServerWithEngine) => {
  await s.command(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
  big(s, 'keys');
  const db = s.engine.ks.db(0);
  const at = s.engine.clock.now() - 1;
  for (let i = 0; i < N; i++) db.setExpire(`key:${i}`, at);
};
add('RANDOMKEY 1M expired', expiredKeys, ['RANDOMKEY']);
add('SCAN 1M expired', expiredKeys, ['SCAN', '0', 'COUNT', n]);
add('KEYS * 1M expired', expiredKeys, ['KEYS', '*']);
add('DBSIZE 1M expired', expiredKeys, ['DBSIZE']);
add('INFO keyspace 1M expired', expiredKeys, ['INFO', 'keyspace']);
add('CONFIG SET maxmemory evicts 1M', async (s) => (big(s, 'keys'), s.command(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'])), ['CONFIG', 'SET', 'maxmemory', '1mb']);
add('EVAL 1M table returned', () => undefined, ['EVAL', 'local t = {} for i = 1, 1000000 do t[i] = i end return t', '0']);
add('EVAL 1M strings returned', () => undefined, ['EVAL', "local t = {} for i = 1, 1000000 do t[i] = 'e' .. i end return t", '0']);
add('EVAL 1M-element redis.call reply', (s) => big(s, 'list'), ['EVAL', "return #redis.call('LRANGE', KEYS[1], 0, -1)", '1', 'big']);
const table = `local t = {} for i = 1, ${N} do t[i] = i end`;
add('EVAL cjson.encode 1M table', () => undefined, ['EVAL', `${table} return #cjson.encode(t)`, '0']);
add('EVAL cjson.decode 1M array', () => undefined, ['EVAL', `return #cjson.decode('[' .. string.rep('1,', ${N - 1}) .. '1]')`, '0']);
add('EVAL cmsgpack.pack 1M table', () => undefined, ['EVAL', `${table} return #cmsgpack.pack(t)`, '0']);
add('EVAL cmsgpack.unpack 1M table', () => undefined, ['EVAL', `${table} local s = cmsgpack.pack(t) t = nil return #cmsgpack.unpack(s)`, '0']);
add('EVAL table.concat 100MB', () => undefined, ['EVAL', `local t = {} for i = 1, ${N} do t[i] = string.rep('x', 100) end return #table.concat(t)`, '0']);
add('EVAL string.rep 100MB', () => undefined, ['EVAL', `return #string.rep('x', 100 * 1024 * 1024)`, '0']);
add('EVAL unpack 7999', () => undefined, ['EVAL', `local t = {} for i = 1, 7999 do t[i] = i end for i = 1, 100 do local x = {unpack(t)} end return 1`, '0']);
// What a script can do in one call or one VM instruction whose work grows with its input.
const evalKey = (body: string) => ['EVAL', body, '1', 'big'];
add('EVAL SMEMBERS 1M', (s) => big(s, 'set'), evalKey("return #redis.call('SMEMBERS', KEYS[1])"));
add('EVAL HGETALL 1M', (s) => big(s, 'hash'), evalKey("return #redis.call('HGETALL', KEYS[1])"));
add('EVAL ZRANGE 1M WITHSCORES', (s) => big(s, 'zset'), evalKey("return #redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')"));
add('EVAL HKEYS 1M', (s) => big(s, 'hash'), evalKey("return #redis.call('HKEYS', KEYS[1])"));
add('EVAL table.sort 1M numbers', () => undefined, ['EVAL', `local t = {} for i = 1, ${N} do t[i] = (i * 7919) % ${N} end table.sort(t) return t[1]`, '0']);
add('EVAL table.sort 1M with comparator', () => undefined, ['EVAL', `local t = {} for i = 1, ${N} do t[i] = (i * 7919) % ${N} end table.sort(t, function(a, b) return a > b end) return t[1]`, '0']);
add('EVAL string.gsub 1M matches', () => undefined, ['EVAL', `local s = string.rep('ab', ${N / 2}) local r, n = string.gsub(s, 'a', 'xy') return n`, '0']);
add('EVAL string.find a*b over 20k', () => undefined, ['EVAL', `return string.find(string.rep('a', 20000), 'a*b')`, '0']);
add('EVAL string.find .-b over 20k', () => undefined, ['EVAL', `return string.find(string.rep('a', 20000), '.-b')`, '0']);
add('EVAL string.gmatch 1M words', () => undefined, ['EVAL', `local n = 0 for w in string.gmatch(string.rep('ab ', ${N}), '%a+') do n = n + 1 end return n`, '0']);
add('EVAL string.byte 8000 x 1000', () => undefined, ['EVAL', `local s = string.rep('x', 8000) local n = 0 for i = 1, 1000 do n = n + select('#', string.byte(s, 1, -1)) end return n`, '0']);
add('EVAL string.format %s 100MB', () => undefined, ['EVAL', `return #string.format('%s%s', string.rep('x', 50 * 1024 * 1024), string.rep('y', 50 * 1024 * 1024))`, '0']);
add('EVAL string.upper 100MB', () => undefined, ['EVAL', `return #string.upper(string.rep('x', 100 * 1024 * 1024))`, '0']);
add('EVAL string.reverse 100MB', () => undefined, ['EVAL', `return #string.reverse(string.rep('x', 100 * 1024 * 1024))`, '0']);
add('EVAL concat .. doubling to 128MB', () => undefined, ['EVAL', `local s = 'x' for i = 1, 27 do s = s .. s end return #s`, '0']);
add('EVAL redis.call 7999 args x 100', () => undefined, ['EVAL', `local t = {'SADD', 's'} for i = 1, 7997 do t[#t + 1] = 'm' .. i end for i = 1, 100 do redis.call(unpack(t)) end return 1`, '0']);
add('EVAL cjson.encode 1M strings', () => undefined, ['EVAL', `local t = {} for i = 1, ${N} do t[i] = 'v' .. i end return #cjson.encode(t)`, '0']);
add('EVAL struct.pack 100k', () => undefined, ['EVAL', `local t = {} for i = 1, 7999 do t[i] = i end local n = 0 for i = 1, 100 do n = n + #struct.pack(string.rep('i', 7999), unpack(t)) end return n`, '0']);
add('EVAL tostring/tonumber 1M', () => undefined, ['EVAL', `local n = 0 for i = 1, ${N} do n = n + tonumber(tostring(i)) end return n`, '0']);
add('FUNCTION DUMP 2000 libraries', async (s) => {
  for (let i = 0; i < 2000; i++) await s.command(['FUNCTION', 'LOAD', `#!lua name=lib${i}\nredis.register_function('f${i}', function() return ${i} end)`]);
}, ['FUNCTION', 'DUMP']);
add('FUNCTION LIST 2000 libraries', async (s) => {
  for (let i = 0; i < 2000; i++) await s.command(['FUNCTION', 'LOAD', `#!lua name=lib${i}\nredis.register_function('f${i}', function() return ${i} end)`]);
}, ['FUNCTION', 'LIST', 'WITHCODE']);
add('CLIENT LIST 10k clients', (s) => crowd(s.port, ['PING']), ['CLIENT', 'LIST']);
add('PUBLISH 10k subscribers', (s) => crowd(s.port, ['SUBSCRIBE', 'ch']), ['PUBLISH', 'ch', 'hello']);
add('PUBLISH 10k pattern subscribers', (s) => crowd(s.port, ['PSUBSCRIBE', 'c*']), ['PUBLISH', 'ch', 'hello']);
add('PUBSUB CHANNELS 10k', (s) => crowd(s.port, ['SUBSCRIBE', 'ch']), ['PUBSUB', 'NUMSUB', 'ch']);
add('CLIENT KILL 10k', (s) => crowd(s.port, ['CLIENT', 'SETNAME', 'victim']), ['CLIENT', 'KILL', 'SKIPME', 'yes']);
cases.push({
  name: 'SET of a 500MB bulk (parser)',
  fill: () => undefined,
  cmd: [],
  run: (s) => rawSend(s.port, [Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\ns\r\n$${STR}\r\n`), Buffer.alloc(STR, 0x61), Buffer.from('\r\n')], '+OK\r\n'),
});

if (process.argv[1]?.endsWith('stalls-sweep.ts') === true) {
  // A name starting with '-' leaves the cases containing the rest out.
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const skip = process.argv.slice(2).filter((a) => a.startsWith('-')).map((a) => a.slice(1));
  console.log(`N=${N} STR=${STR} CLIENTS=${CLIENTS}; worst loop hold (CPU ms), worst PING of another node (CPU ms), command wall ms, reply bytes`);
  for (const k of cases) {
    if (only.length > 0 && !only.some((o) => k.name.includes(o))) continue;
    if (skip.some((o) => k.name.includes(o))) continue;
    const r = await runCase(k);
    for (const c of children.splice(0)) c.kill();
    console.log(`${k.name.padEnd(36)} loop ${r.loop.toFixed(0).padStart(6)}  ping ${r.ping.toFixed(0).padStart(6)}  wall ${r.wall.toFixed(0).padStart(6)}  ${r.reply}`);
  }
  process.exit(0);
}
