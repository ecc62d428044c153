// How long one command on one node holds the event loop every node shares (issue 12): each case fills a
// node with big values, runs one command on it, and meanwhile PINGs another node of the same process. The
// figure is the worst CPU time of this process between two turns of a 5 ms timer (see
// test/support/loop-hold.ts), so it does not count the time a loaded machine left the process off the CPU.
// Run: node bin/run-ts.mjs bench/stalls.ts [case-name-substring ...]   (STALL_N sets the element count)
import net from 'node:net';
import { newHash, newList, newSet, newZSet } from '../engines/redis/db/objects.ts';
import { createRedisNode, createRedisServer, type RedisServerWithEngine } from '../engines/redis/index.ts';
import { dumpRdbSliced } from '../engines/redis/rdb/node-rdb.ts';
import { loadEntries, snapshotEntries } from '../engines/redis/rdb/keyspace-adapter.ts';
import { Stream } from '../engines/redis/types/stream.ts';
import { cpuMs, watchLoop } from '../test/support/loop-hold.ts';

export const N = Number(process.env.STALL_N ?? 1_000_000);

export function resp(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`;
}

/** A connection that sends one command at a time and reads its whole reply (counted in bytes, not parsed). */
class Conn {
  private waiting: ((d: Buffer) => void) | null = null;
  private constructor(readonly s: net.Socket) {
    s.on('data', (d: Buffer) => this.waiting?.(d));
  }
  static async open(port: number): Promise<Conn> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    return new Conn(s);
  }
  /** Sends `cmd` (or its encoding) then PING, and resolves with the count of bytes before the PONG. */
  send(cmd: readonly string[] | Buffer): Promise<number> {
    let bytes = 0;
    let tail = '';
    return new Promise((resolve) => {
      this.waiting = (d) => {
        bytes += d.length;
        tail = (tail + d.subarray(-7).toString('latin1')).slice(-7);
        if (tail === '+PONG\r\n') {
          this.waiting = null;
          resolve(bytes - 7);
        }
      };
      this.s.write(Buffer.isBuffer(cmd) ? Buffer.concat([cmd, Buffer.from(resp(['PING']))]) : resp(cmd) + resp(['PING']));
    });
  }
  close(): void {
    this.s.destroy();
  }
}

export interface Case {
  name: string;
  fill(s: RedisServerWithEngine): void | Promise<unknown>;
  cmd: string[];
  /** Work other than a command on the busy node (its cmd is then only a label). */
  run?: (s: RedisServerWithEngine) => Promise<unknown>;
  /** A replica of the busy node, attached after the fill. */
  replica?: boolean;
}

export const big = (s: RedisServerWithEngine, kind: string, key = 'big'): void => {
  const db = s.engine.ks.db(0);
  if (kind === 'list') {
    const o = newList();
    for (let i = 0; i < N; i++) o.v.pushBack(`element-${i}`);
    db.set(key, o);
  } else if (kind === 'hash') {
    const o = newHash();
    o.big = true;
    for (let i = 0; i < N; i++) o.v.set(`field-${i}`, `value-${i}`);
    db.set(key, o);
  } else if (kind === 'set') {
    const o = newSet();
    o.big = true;
    for (let i = 0; i < N; i++) o.v.add(`member-${i}`);
    db.set(key, o);
  } else if (kind === 'zset') {
    const o = newZSet();
    o.big = true;
    for (let i = 0; i < N; i++) o.v.add(`member-${i}`, i * 1.5);
    db.set(key, o);
  } else if (kind === 'stream') {
    const st = new Stream();
    const limits = { maxBytes: 4096, maxEntries: 100 };
    for (let i = 0; i < N; i++) st.append({ ms: BigInt(1 + i), seq: 0n }, ['f', `v${i}`], limits);
    db.set(key, { type: 'stream', v: st, mem: 0 });
  } else if (kind === 'keys') {
    for (let i = 0; i < N; i++) db.setString(`key:${i}`, 'v');
  }
};

const cases: Case[] = [];
for (const kind of ['list', 'hash', 'set', 'zset', 'stream']) {
  cases.push({ name: `DUMP ${kind}`, fill: (s) => big(s, kind), cmd: ['DUMP', 'big'] });
  cases.push({ name: `MEMORY USAGE ${kind} SAMPLES 0`, fill: (s) => big(s, kind), cmd: ['MEMORY', 'USAGE', 'big', 'SAMPLES', '0'] });
  cases.push({ name: `DEL ${kind}`, fill: (s) => big(s, kind), cmd: ['DEL', 'big'] });
  cases.push({ name: `UNLINK ${kind}`, fill: (s) => big(s, kind), cmd: ['UNLINK', 'big'] });
}
for (const kind of ['list', 'hash', 'set', 'zset']) {
  cases.push({ name: `COPY over ${kind} REPLACE`, fill: (s) => (big(s, kind), s.engine.ks.db(0).setString('small', 'x')), cmd: ['COPY', 'small', 'big', 'REPLACE'] });
  cases.push({ name: `RENAME over ${kind}`, fill: (s) => (big(s, kind), s.engine.ks.db(0).setString('small', 'x')), cmd: ['RENAME', 'small', 'big'] });
  cases.push({ name: `SET over ${kind}`, fill: (s) => big(s, kind), cmd: ['SET', 'big', 'x'] });
}
for (const kind of ['list', 'hash', 'zset', 'stream']) cases.push({ name: `snapshot (sliced) ${kind}`, fill: (s) => big(s, kind), cmd: [], run: (s) => dumpRdbSliced(s) });
for (const kind of ['hash', 'list']) {
  cases.push({ name: `RENAME over ${kind}, replica`, fill: (s) => (big(s, kind), s.engine.ks.db(0).setString('small', 'x')), cmd: ['RENAME', 'small', 'big'], replica: true });
  cases.push({ name: `HSET into ${kind}, replica`, fill: (s) => big(s, kind), cmd: kind === 'hash' ? ['HSET', 'big', 'new', 'v'] : ['RPUSH', 'big', 'new'], replica: true });
  cases.push({ name: `replica full sync ${kind}`, fill: (s) => big(s, kind), cmd: [], run: async (s) => replicaOf(s) });
}
// Resharding moves keys from one primary to another: here every key, as one turn (how it was done) and
// through the node interface the control plane uses (in slices).
cases.push({
  name: 'reshard 1M keys, one turn',
  fill: (s) => big(s, 'keys'),
  cmd: [],
  run: async (s) => {
    const to = createRedisServer({ port: 0 });
    extra.push(to);
    const entries = [...snapshotEntries(s.engine)];
    loadEntries(to.engine, entries);
    for (const e of entries) s.engine.ks.db(e.db).delete(e.key.toString('latin1'));
  },
});
cases.push({
  name: 'reshard 1M keys, sliced',
  fill: () => undefined,
  cmd: [],
  run: async () => {
    const [from, to] = [createRedisNode({ port: 0 }), createRedisNode({ port: 0 })];
    await from.listen();
    await to.listen();
    for (let i = 0; i < N; i += 1000) await from.command(['MSET', ...Array.from({ length: 1000 }, (_, k) => [`key:${i + k}`, 'v']).flat()]);
    const watch = watchLoop();
    const release = from.holdWrites();
    const batches = await from.exportKeys(() => 'to');
    for (const b of batches.values()) await to.importKeys(b);
    release();
    for (const b of batches.values()) await from.dropKeys(b);
    console.log(`  (sliced move alone: worst loop hold ${watch.stop().cpu.toFixed(0)} ms; fill by MSET included below)`);
    await from.close();
    await to.close();
  },
});
cases.push({
  name: 'active expiry of 1M keys at once',
  fill: (s) => {
    big(s, 'keys');
    const db = s.engine.ks.db(0);
    const at = s.engine.clock.now() + 300;
    for (let i = 0; i < N; i++) db.setExpire(`key:${i}`, at);
  },
  cmd: [],
  run: (s) => new Promise<void>((resolve) => {
    const poll = () => (s.engine.ks.db(0).size === 0 ? resolve() : setTimeout(poll, 50));
    poll();
  }),
});
cases.push({
  name: 'LRANGE 0 -1 of 1M to a slow reader',
  fill: (s) => big(s, 'list'),
  cmd: [],
  run: async (s) => {
    const sock = net.connect(s.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.pause();
    sock.write(resp(['LRANGE', 'big', '0', '-1']) + resp(['PING']));
    // The reader takes nothing for two seconds, then drains the reply slowly.
    await new Promise((r) => setTimeout(r, 2000));
    await new Promise<void>((resolve) => {
      let tail = '';
      sock.on('data', (d: Buffer) => {
        tail = (tail + d.subarray(-7).toString('latin1')).slice(-7);
        if (tail === '+PONG\r\n') resolve();
        sock.pause();
        setTimeout(() => sock.resume(), 1);
      });
      sock.resume();
    });
    sock.destroy();
  },
});
cases.push({ name: 'replica full sync 1M keys', fill: (s) => big(s, 'keys'), cmd: [], run: async (s) => replicaOf(s) });
cases.push(
  { name: 'OBJECT ENCODING hash', fill: (s) => big(s, 'hash'), cmd: ['OBJECT', 'ENCODING', 'big'] },
  { name: 'SORT list', fill: (s) => big(s, 'list'), cmd: ['SORT', 'big', 'ALPHA'] },
  { name: 'LRANGE list 0 -1', fill: (s) => big(s, 'list'), cmd: ['LRANGE', 'big', '0', '-1'] },
  { name: 'LPOS list MAXLEN 0', fill: (s) => big(s, 'list'), cmd: ['LPOS', 'big', 'nope', 'MAXLEN', '0'] },
  { name: 'LPOS list COUNT 0', fill: (s) => big(s, 'list'), cmd: ['LPOS', 'big', 'nope', 'COUNT', '0'] },
  { name: 'SRANDMEMBER set -N', fill: (s) => big(s, 'set'), cmd: ['SRANDMEMBER', 'big', String(-N)] },
  { name: 'ZRANDMEMBER zset -N', fill: (s) => big(s, 'zset'), cmd: ['ZRANDMEMBER', 'big', String(-N), 'WITHSCORES'] },
  { name: 'HRANDFIELD hash -N', fill: (s) => big(s, 'hash'), cmd: ['HRANDFIELD', 'big', String(-N), 'WITHVALUES'] },
  { name: 'SCAN MATCH keys', fill: (s) => big(s, 'keys'), cmd: ['SCAN', '0', 'MATCH', 'nomatch*', 'COUNT', String(N)] },
  { name: 'SCAN MATCH keys COUNT 10', fill: (s) => big(s, 'keys'), cmd: ['SCAN', '0', 'MATCH', 'nomatch*'] },
  { name: 'FLUSHALL SYNC keys', fill: (s) => big(s, 'keys'), cmd: ['FLUSHALL', 'SYNC'] },
  { name: 'FLUSHALL ASYNC keys', fill: (s) => big(s, 'keys'), cmd: ['FLUSHALL', 'ASYNC'] },
  { name: 'FLUSHDB keys', fill: (s) => big(s, 'keys'), cmd: ['FLUSHDB'] },
  { name: 'KEYS * keys', fill: (s) => big(s, 'keys'), cmd: ['KEYS', 'nomatch*'] },
  { name: 'DEBUG DIGEST keys', fill: (s) => big(s, 'keys'), cmd: ['DEBUG', 'DIGEST'] },
);

// Writes a script calls over big keys compute between the script's yields; DEBUG RELOAD builds a big value in steps.
const inScript = (call: string): string[] => ['EVAL', `return redis.call(${call})`, '0'];
cases.push(
  { name: 'EVAL SUNIONSTORE sets', fill: (s) => (big(s, 'set', 'a'), big(s, 'set', 'b')), cmd: inScript("'SUNIONSTORE', 'd', 'a', 'b'") },
  { name: 'EVAL ZUNIONSTORE zsets', fill: (s) => (big(s, 'zset', 'a'), big(s, 'zset', 'b')), cmd: inScript("'ZUNIONSTORE', 'd', 2, 'a', 'b'") },
  { name: 'EVAL SORT ALPHA STORE list', fill: (s) => big(s, 'list'), cmd: inScript("'SORT', 'big', 'ALPHA', 'STORE', 'd'") },
  { name: 'EVAL COPY hash', fill: (s) => big(s, 'hash'), cmd: inScript("'COPY', 'big', 'c'") },
  { name: 'DEBUG RELOAD hash', fill: (s) => big(s, 'hash'), cmd: ['DEBUG', 'RELOAD'] },
);

const extra: RedisServerWithEngine[] = [];
async function replicaOf(primary: RedisServerWithEngine): Promise<void> {
  const r = createRedisServer({ port: 0 });
  await r.listen();
  extra.push(r);
  r.replicaOf(primary);
}

/** The worst loop hold and the worst PING of another node while `work` runs. */
async function measure(other: number, work: () => Promise<unknown>): Promise<{ loop: number; ping: number; wall: number }> {
  const c = await Conn.open(other);
  const watch = watchLoop();
  let done = false;
  let ping = 0;
  const t0 = performance.now();
  const running = work().finally(() => (done = true));
  while (!done) {
    const p0 = cpuMs();
    await c.send(['ECHO', 'x']);
    ping = Math.max(ping, cpuMs() - p0);
  }
  await running;
  const wall = performance.now() - t0;
  c.close();
  return { loop: watch.stop().cpu, ping, wall };
}

export async function runCase(k: Case): Promise<{ loop: number; ping: number; wall: number; reply: number }> {
  const [busy, other] = [createRedisServer({ port: 0 }), createRedisServer({ port: 0 })];
  await busy.listen();
  await other.listen();
  await k.fill(busy);
  if (k.replica === true) await replicaOf(busy);
  const c = await Conn.open(busy.port);
  let reply = 0;
  // Encoded before the watch: encoding a million arguments is this process's own work, not the node's.
  const request = Buffer.from(resp(k.cmd), 'latin1');
  const r = await measure(other.port, async () => {
    if (k.run !== undefined) await k.run(busy);
    else reply = await c.send(request);
    // A value let go is freed by the collector later: the watch goes on long enough to see its pause.
    await new Promise((res) => setTimeout(res, 1500));
  });
  c.close();
  for (const x of extra.splice(0)) await x.close();
  await busy.close();
  await other.close();
  return { ...r, reply };
}

if (process.argv[1]?.endsWith('stalls.ts') === true) {
  const only = process.argv.slice(2);
  console.log(`N=${N}; worst loop hold (CPU ms), worst PING of another node (CPU ms), command wall ms, reply bytes`);
  for (const k of cases) {
    if (only.length > 0 && !only.some((o) => k.name.includes(o))) continue;
    const r = await runCase(k);
    console.log(`${k.name.padEnd(32)} loop ${r.loop.toFixed(0).padStart(6)}  ping ${r.ping.toFixed(0).padStart(6)}  wall ${r.wall.toFixed(0).padStart(6)}  ${r.reply}`);
  }
  process.exit(0);
}
