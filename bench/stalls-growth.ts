// The loop holds of a table that grows one element per command (issue 12): a V8 Map rehashes every entry in one
// call when it doubles, so a keyspace, its TTL table, or a hash/set/zset crossing 2^19 -> 2^20 held the loop
// for the one command that crossed it. A child process pipelines the commands (as redis-benchmark -P would, so
// the sender's own work is not this process's), and this process records every turn of its loop that used more
// than HOLD_MS of CPU, with the table's size at that turn and the collector's pauses inside it.
// Run: node bin/run-ts.mjs bench/stalls-growth.ts [kind ...]   kinds: keys, ttl-keys, hash, set, zset
//      GROW_N (2.2M) elements, GROW_P (64) commands in flight.
import { spawn } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import { createRedisServer, type RedisServerWithEngine } from '../engines/redis/index.ts';
import { cpuMs } from '../test/support/loop-hold.ts';

const N = Number(process.env.GROW_N ?? 2_200_000);
const P = Number(process.env.GROW_P ?? 64);
const HOLD_MS = Number(process.env.GROW_HOLD_MS ?? 20);

interface Kind {
  /** The i-th command, as a JavaScript expression of `i` evaluated in the sender. */
  cmd: string;
  /** The size of the growing table. */
  size(s: RedisServerWithEngine): number;
}

const sizeOf = (s: RedisServerWithEngine, key: string): number => {
  const o = s.engine.ks.db(0).peek(key);
  return o === null || o.type === 'string' || o.type === 'list' || o.type === 'stream' ? 0 : o.v.size;
};

export const kinds: Record<string, Kind> = {
  keys: { cmd: "['SET', 'key:' + i, 'v']", size: (s) => s.engine.ks.db(0).size },
  'ttl-keys': { cmd: "['SET', 'key:' + i, 'v', 'EX', '100000']", size: (s) => s.engine.ks.db(0).expires.size },
  hash: { cmd: "['HSET', 'h', 'field:' + i, 'v']", size: (s) => sizeOf(s, 'h') },
  set: { cmd: "['SADD', 's', 'member:' + i]", size: (s) => sizeOf(s, 's') },
  zset: { cmd: "['ZADD', 'z', String(i), 'member:' + i]", size: (s) => sizeOf(s, 'z') },
};

/** A child process sending kind's N commands with P in flight; resolves when every reply came. */
function sender(port: number, kind: Kind): Promise<void> {
  const code = `
    const net = require('node:net');
    const enc = (a) => '*' + a.length + '\\r\\n' + a.map((x) => '$' + Buffer.byteLength(x) + '\\r\\n' + x + '\\r\\n').join('');
    const s = net.connect(${port}, '127.0.0.1');
    let sent = 0, got = 0;
    const more = () => {
      let out = '';
      while (sent < ${N} && sent - got < ${P}) { const i = sent++; out += enc(${kind.cmd}); }
      if (out !== '') s.write(out);
    };
    s.on('connect', more);
    s.on('data', (d) => {
      for (let k = 0; k < d.length; k++) if (d[k] === 10) got++;
      if (got === ${N}) { s.end(); process.exit(0); }
      if (${N} - sent > 0 && sent - got <= ${P} / 2) more();
    });`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'inherit' });
  return new Promise((resolve, reject) => child.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`sender exited ${c}`)))));
}

export interface Hold {
  cpu: number;
  wall: number;
  /** The table's size at the end of the turn. */
  size: number;
  /** Collector pauses that ended inside the turn (ms). */
  gc: number;
}

/** Every loop turn of more than HOLD_MS CPU while `kind` grows to N on a bare engine. */
export async function grow(kindName: string): Promise<{ holds: Hold[]; wall: number }> {
  const kind = kinds[kindName];
  if (kind === undefined) throw new Error(`unknown kind ${kindName}`);
  const s = createRedisServer({ port: 0 });
  await s.listen();
  const gcs: { at: number; ms: number }[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ at: e.startTime + e.duration, ms: e.duration });
  });
  obs.observe({ entryTypes: ['gc'] });
  const holds: Hold[] = [];
  let cpu = cpuMs();
  let wall = performance.now();
  const timer = setInterval(() => {
    const c = cpuMs();
    const w = performance.now();
    if (c - cpu > HOLD_MS) {
      const gc = gcs.filter((g) => g.at > wall && g.at <= w).reduce((a, g) => a + g.ms, 0);
      holds.push({ cpu: c - cpu, wall: w - wall, size: kind.size(s), gc });
    }
    cpu = c;
    wall = w;
  }, 5);
  const t0 = performance.now();
  await sender(s.port, kind);
  const total = performance.now() - t0;
  clearInterval(timer);
  obs.disconnect();
  await s.close();
  return { holds, wall: total };
}

if (process.argv[1]?.endsWith('stalls-growth.ts') === true) {
  const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(kinds);
  console.log(`N=${N} P=${P}; loop turns over ${HOLD_MS} ms CPU: cpu ms (collector ms inside) @ table size`);
  for (const name of names) {
    const { holds, wall } = await grow(name);
    const worst = holds.reduce((a, h) => Math.max(a, h.cpu), 0);
    const list = [...holds].sort((a, b) => b.cpu - a.cpu).slice(0, 12);
    console.log(`${name.padEnd(9)} worst ${worst.toFixed(0).padStart(4)}  wall ${(wall / 1000).toFixed(1)} s  ${holds.length} turns over: ${list.map((h) => `${h.cpu.toFixed(0)}(${h.gc.toFixed(0)})@${h.size}`).join(' ')}`);
  }
  process.exit(0);
}
