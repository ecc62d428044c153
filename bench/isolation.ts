// Speed and isolation of one process hosting every node (issue 12): replication cost into huge keys,
// another node's GET p99 and the API's p99 while one node works hard, and start to first API answer next
// to moto_server, all measured in the same run (endpoint vs node port is in targets.ts and redis.ts).
// ISOLATION_PART=startup|replication|stalls runs one part.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { constants as perf, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { newHash, newList, newString, newZSet } from '../engines/redis/db/objects.ts';
import { createRedisNode, createRedisServer, type RedisServerWithEngine } from '../engines/redis/index.ts';
import { Stream } from '../engines/redis/types/stream.ts';
import { start } from '../src/index.ts';
import { ensureBuilt } from '../test/support/built.ts';
import { fullGc, watchLoop } from '../test/support/loop-hold.ts';
import { firstRate, freePort, redisBenchmarkAsync, startRealNode, stop } from './redis-servers.ts';

const BIG = 1_000_000;

/**
 * A figure measured once per run: the targets table and this file's detail tables show the same start-up,
 * replication and stall figures, and `npm run bench` would otherwise measure each twice.
 */
const measuredOnce = new Map<string, Promise<unknown>>();
function once<T>(key: string, measure: () => Promise<T>): Promise<T> {
  let p = measuredOnce.get(key) as Promise<T> | undefined;
  if (p === undefined) {
    p = measure();
    measuredOnce.set(key, p);
  }
  return p;
}
const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/**
 * Writes `args` as a RESP command into `out` at `pos` (growing it as needed); answers the buffer and the
 * end. The bench's client shares the process with the nodes it measures: commands built as strings (a
 * map, a join and a concatenation per command) were most of the garbage the collector met in the
 * HSET-replication probe (~1 KB of 1.5 KB allocated per HSET), and their scavenges were counted as the node's.
 */
function encodeInto(out: Buffer, pos: number, args: string[]): [Buffer, number] {
  let need = 16;
  for (const a of args) need += Buffer.byteLength(a) + 16;
  if (pos + need > out.length) {
    const grown = Buffer.allocUnsafe(Math.max(2 * out.length, pos + need));
    out.copy(grown, 0, 0, pos);
    out = grown;
  }
  pos = header(out, pos, 0x2a, args.length);
  for (const a of args) {
    pos = header(out, pos, 0x24, Buffer.byteLength(a));
    pos += out.write(a, pos);
    out[pos++] = 0x0d;
    out[pos++] = 0x0a;
  }
  return [out, pos];
}

/** `*n\r\n` or `$n\r\n` written as bytes, with no string made. */
function header(out: Buffer, pos: number, mark: number, n: number): number {
  out[pos++] = mark;
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  for (let d = digits - 1, v = n; d >= 0; d--, v = Math.floor(v / 10)) out[pos + d] = 0x30 + (v % 10);
  pos += digits;
  out[pos++] = 0x0d;
  out[pos++] = 0x0a;
  return pos;
}

/**
 * Counts the complete RESP replies in what a connection receives, chunk by chunk (an XADD's bulk ID is
 * two lines: counting lines ended the run at half its replies, with the rest still unwritten).
 */
function replyCounter(): (chunk: Buffer) => number {
  let line = '';
  let body = false;
  let remaining = 0;
  return (chunk) => {
    let done = 0;
    const lines = (line + chunk.toString('latin1')).split('\r\n');
    line = lines.pop() as string;
    for (const l of lines) {
      if (body) {
        body = false;
      } else {
        if (remaining === 0) remaining = 1;
        remaining--;
        const len = Number(l.slice(1));
        if (l[0] === '*' && len > 0) remaining += len;
        else if (l[0] === '$' && len >= 0) body = true;
      }
      if (!body && remaining === 0) done++;
    }
    return done;
  };
}

/** Sends `n` pipelined commands in batches and waits for all replies; answers ops/s. */
export async function pipelined(port: number, make: (i: number) => string[], n: number, batch = 2000): Promise<number> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  let pending = 0;
  let waiter: (() => void) | null = null;
  const replies = replyCounter();
  s.on('data', (d: Buffer) => {
    pending -= replies(d);
    if (pending <= 0 && waiter) waiter();
  });
  const t0 = performance.now();
  let out: Buffer = Buffer.allocUnsafe(1 << 16);
  for (let i = 0; i < n; i += batch) {
    let pos = 0;
    for (let j = i; j < Math.min(n, i + batch); j++) [out, pos] = encodeInto(out, pos, make(j));
    pending += Math.min(n, i + batch) - i;
    // A copy: the buffer is refilled for the next batch while the socket may still hold this one.
    s.write(Buffer.from(out.subarray(0, pos)));
    await new Promise<void>((r) => (waiter = r));
    waiter = null;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  s.destroy();
  return rate;
}

function fillBig(server: RedisServerWithEngine, kind: string): void {
  const db = server.engine.ks.db(0);
  if (kind === 'list') {
    const o = newList();
    for (let i = 0; i < BIG; i++) o.v.pushBack(`e${i}`);
    db.set('big', o);
  } else if (kind === 'hash') {
    const o = newHash();
    o.big = true;
    for (let i = 0; i < BIG; i++) o.v.set(`f${i}`, 'v');
    db.set('big', o);
  } else if (kind === 'zset') {
    const o = newZSet();
    o.big = true;
    for (let i = 0; i < BIG; i++) o.v.add(`m${i}`, i);
    db.set('big', o);
  } else {
    const s = new Stream();
    db.set('big', { type: 'stream', v: s, mem: 0 });
  }
}

/** Alternating runs per layout: load from other processes, which swings a run's rate severalfold here, hits both alike. */
const REPLICATION_ROUNDS = 5;
const REPLICATION_WRITES = 50_000;

/**
 * redis-benchmark -P 16 -c 50 writes per second into keys of 1M elements (new random members) on a lone
 * node and on a primary with two replicas: both layouts run side by side, their runs alternate, and the
 * pair with the median ratio is answered.
 */
export function replicationRates(): Promise<{ name: string; lone: number; replicated: number }[]> {
  return once('replication', measureReplicationRates);
}

async function measureReplicationRates(): Promise<{ name: string; lone: number; replicated: number }[]> {
  const ops: [string, string, string[]][] = [
    ['LPUSH', 'list', ['LPUSH', 'big', 'x__rand_int__']],
    ['HSET', 'hash', ['HSET', 'big', 'n__rand_int__', 'v']],
    ['ZADD', 'zset', ['ZADD', 'big', '__rand_int__', 'n__rand_int__']],
    ['XADD', 'stream', ['XADD', 'big', 'MAXLEN', '~', String(BIG), '*', 'f', 'v']],
  ];
  const out: { name: string; lone: number; replicated: number }[] = [];
  for (const [name, kind, command] of ops) {
    const lone = createRedisServer({ port: 0 });
    const trio = [createRedisServer({ port: 0 }), createRedisServer({ port: 0 }), createRedisServer({ port: 0 })];
    const primary = trio[0]!;
    try {
      for (const s of [lone, ...trio]) await s.listen();
      for (const p of [lone, primary]) {
        fillBig(p, kind);
        if (kind === 'stream') await pipelined(p.port, () => ['XADD', 'big', '*', 'f', 'v'], BIG, 5000);
      }
      for (const r of trio.slice(1)) r.replicaOf(primary);
      const pairs: [number, number][] = [];
      const rate = async (port: number) => firstRate(await redisBenchmarkAsync(port, 16, REPLICATION_WRITES, ['-r', '100000000', ...command]));
      for (let round = 0; round < REPLICATION_ROUNDS; round++) pairs.push([await rate(lone.port), await rate(primary.port)]);
      pairs.sort((a, b) => a[1] / a[0] - b[1] / b[0]);
      const [l, r] = pairs[Math.floor(pairs.length / 2)]!;
      out.push({ name, lone: l, replicated: r });
    } finally {
      for (const s of [lone, ...trio]) await s.close();
    }
  }
  return out;
}

async function replicationBench(): Promise<string> {
  const rows = (await replicationRates()).map((r) => [r.name, `${(r.lone / 1000).toFixed(0)}k`, `${(r.replicated / 1000).toFixed(0)}k`, (r.replicated / r.lone).toFixed(2)]);
  return `### Writes into keys of 1M elements: lone node vs primary with two replicas (redis-benchmark -P 16 -c 50, median of five alternating pairs, req/s)\n\n${table(['command', 'lone node', 'primary + 2 replicas', 'ratio'], rows)}`;
}

/** What another node and the API saw while one node worked. */
export interface Probe {
  get: number[];
  api: number[];
  /** The worst CPU time of this process between two turns of a 5 ms timer (test/support/loop-hold.ts): load on the machine does not inflate it. */
  hold: number;
  /** The collector's pauses of the main thread meanwhile (ms, wall: a loaded machine stretches them too). */
  gcPauses: GcPause[];
}

/** One pause of the main thread by the collector: how long (ms, wall) and which kind. */
export interface GcPause {
  ms: number;
  kind: 'scavenge' | 'mark-compact' | 'incremental step' | 'weak callbacks';
}

function pauseOf(e: PerformanceEntry): GcPause {
  const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
  const name = kind === perf.NODE_PERFORMANCE_GC_MAJOR ? 'mark-compact' : kind === perf.NODE_PERFORMANCE_GC_INCREMENTAL ? 'incremental step' : kind === perf.NODE_PERFORMANCE_GC_WEAKCB ? 'weak callbacks' : 'scavenge';
  return { ms: e.duration, kind: name };
}

/** `n / worst (its kind)` for a table cell. */
function gcCell(pauses: GcPause[]): string {
  if (pauses.length === 0) return '0';
  const worst = pauses.reduce((a, b) => (b.ms > a.ms ? b : a));
  return `${pauses.length} / ${worst.ms.toFixed(1)} (${worst.kind})`;
}

/** Starts recording the collector's pauses; `stop()` gives their durations. */
function watchGc(): { stop(): GcPause[] } {
  const pauses: GcPause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) pauses.push(pauseOf(e));
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      // Entries are delivered in a later turn: take what is queued before disconnecting.
      for (const e of observer.takeRecords()) pauses.push(pauseOf(e));
      observer.disconnect();
      return pauses;
    },
  };
}

/** GET round trips on `port` and API round trips on `url` (when given) until `work` settles. */
async function latencyDuring(port: number, url: string | null, work: () => Promise<unknown>): Promise<Probe> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  let done = false;
  const get: number[] = [];
  const api: number[] = [];
  // What the set-up left (a million-key fill, an earlier section's servers: 1-2 GB in a full `npm run bench
  // targets`) is collected now; a major collection of it inside the window was most of the rows' p99.
  fullGc();
  const gc = watchGc();
  const watch = watchLoop();
  const getLoop = (async () => {
    while (!done) {
      const t0 = performance.now();
      s.write('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
      await new Promise((r) => s.once('data', r));
      get.push(performance.now() - t0);
    }
  })();
  const apiLoop = (async () => {
    while (!done && url !== null) {
      const t0 = performance.now();
      await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeCacheClusters&Version=2015-02-02' }).then((r) => r.text());
      api.push(performance.now() - t0);
    }
  })();
  await work();
  done = true;
  await Promise.all([getLoop, apiLoop]);
  s.destroy();
  return { get, api, hold: watch.stop().cpu, gcPauses: gc.stop() };
}

export const p99 = (xs: number[]): number => (xs.length === 0 ? NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!);

/**
 * Issue 12's isolation cases: each kind of heavy work on one node, with the same probes taken for a second
 * with nothing running just before it (`idle`: the floor the machine's load and the collector give then).
 */
export interface StallFigures {
  cases: { what: string; probe: Probe; idle: Probe }[];
  /** redis-server's GET p99 under the same probe (its own process), when installed. */
  realGetP99: number | null;
}

export function stallFigures(): Promise<StallFigures> {
  return once('stalls', measureStalls);
}

async function measureStalls(): Promise<StallFigures> {
  const emulator = await start({ port: 0 });
  const url = emulator.url;
  const other = createRedisServer({ port: 0 });
  await other.listen();
  // The busy node is driven as the control plane drives one: through its node interface.
  const busy = createRedisNode({ port: 0 });
  await busy.listen();
  await pipelined(busy.port, (i) => ['SET', `key:${i}`, `value-${i}`], BIG, 10_000);
  // The first API request loads the Query API's parts and the first fetch() undici: once per process,
  // 76-158 ms of CPU that fell in the first idle window and made it no reference for the dump's row.
  await latencyDuring(other.port, url, () => new Promise((r) => setTimeout(r, 100)));
  const cases: { what: string; probe: Probe; idle: Probe }[] = [];
  const probe = async (what: string, work: () => Promise<unknown>) => {
    const idle = await latencyDuring(other.port, url, () => new Promise((r) => setTimeout(r, 1000)));
    cases.push({ what, idle, probe: await latencyDuring(other.port, url, work) });
  };
  await probe('one node dumps 1M keys (sliced)', () => busy.dumpSliced());
  const hostile = createRedisServer({ port: 0 });
  await hostile.listen();
  hostile.engine.ks.db(0).set('a'.repeat(40), newString('v'));
  // 20,000 of them (~0.5 s): 1000 ran in 12-22 ms, so its p99 was the worst of ~11 GETs, the first API call's.
  await probe('nested-star KEYS, 20000 times', () => pipelined(hostile.port, () => ['KEYS', `${'a*'.repeat(20)}b`], 20_000, 100));
  const primary = createRedisServer({ port: 0 });
  const replicas = [createRedisServer({ port: 0 }), createRedisServer({ port: 0 })];
  for (const s of [primary, ...replicas]) await s.listen();
  fillBig(primary, 'hash');
  for (const r of replicas) r.replicaOf(primary);
  await probe('200k HSETs on a 1M-field hash, 2 replicas', () => pipelined(primary.port, (i) => ['HSET', 'big', `n${i}`, 'v'], 200_000));
  for (const s of [other, busy, hostile, primary, ...replicas]) await s.close();
  await emulator.stop();

  // redis-server: another server's GET p99 while one SAVEs 1M keys is a separate process, so this is its floor.
  let realGetP99: number | null = null;
  if (spawnSync('which', ['redis-server']).status === 0) {
    const real = await startRealNode();
    try {
      realGetP99 = p99((await latencyDuring(real.port, null, () => new Promise((res) => setTimeout(res, 500)))).get);
    } finally {
      await stop(real.child);
    }
  }
  return { cases, realGetP99 };
}

async function stallBench(): Promise<string> {
  const f = await stallFigures();
  const rows = f.cases.flatMap(({ what, probe, idle }) =>
    [
      [`idle, just before: ${what}`, idle],
      [what, probe],
    ].map(([name, r]) => {
      const p = r as Probe;
      return [name as string, p99(p.get).toFixed(1), p99(p.api).toFixed(1), p.hold.toFixed(0), gcCell(p.gcPauses), String(p.get.length)];
    }),
  );
  const real = f.realGetP99 === null ? '' : `\n\nredis-server 7 (own process) GET p99 under the same probe: ${f.realGetP99.toFixed(2)} ms.`;
  return `### Another node's GET p99 and the API's p99 (ms) while one node works, and the worst loop hold (CPU ms)\n\n${table(['meanwhile', 'other node GET p99', 'API p99', 'worst loop hold', 'GC pauses / worst (ms, kind)', 'GETs answered'], rows)}${real}`;
}

const DESCRIBE = 'Action=DescribeCacheClusters&Version=2015-02-02';

/**
 * The headers an SDK sends: a SigV4 Authorization (access key "test"). Both servers are asked the same
 * signed request, since moto parses the Authorization header and answers faster without one.
 */
function signedHeaders(port: number, body: string): Record<string, string> {
  const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/us-east-1/elasticache/aws4_request`;
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', host: `127.0.0.1:${port}`, 'x-amz-date': amzDate };
  const names = Object.keys(headers).sort();
  const sha = (x: string) => createHash('sha256').update(x).digest('hex');
  const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), sha(body)].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha(canonical)].join('\n');
  let key: Buffer = Buffer.from('AWS4test');
  for (const part of [day, 'us-east-1', 'elasticache', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=test/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  return headers;
}

/** Start to first API answer (a signed request, as an SDK sends), spawned with node in a new data directory. */
async function firstAnswer(cmd: string, args: string[], port: number, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const t0 = performance.now();
  const child = spawn(cmd, args, { stdio: 'ignore', env });
  try {
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: signedHeaders(port, DESCRIBE), body: DESCRIBE });
        await r.text();
        return performance.now() - t0;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  } finally {
    child.kill('SIGKILL');
  }
}

/** Start to first PONG of a spawned redis-server: the floor of any engine's start. */
async function firstPong(port: number): Promise<number> {
  const t0 = performance.now();
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--bind', '127.0.0.1'], { stdio: 'ignore' });
  try {
    for (;;) {
      const pong = await new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
        s.once('data', (d) => {
          s.destroy();
          resolve(d.toString().startsWith('+PONG'));
        });
        s.once('error', () => resolve(false));
      });
      if (pong) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGKILL');
  }
}

export interface StartupTimes {
  /** `node bin/elasticache-local.mjs` in a new data directory, best of the runs. */
  fresh: number;
  /** The same, started again on the data directory it left. */
  warm: number;
  /** `start()` in-process to its first answer, every run (modules warm after the first). */
  inProcess: number[];
  moto: number | null;
  redisPong: number | null;
}

/** Start to first answer of ours, moto_server (when installed) and redis-server, best of `runs` each, in one run. */
export function startupTimes(runs = 3): Promise<StartupTimes> {
  return once(`startup ${runs}`, () => measureStartupTimes(runs));
}

async function measureStartupTimes(runs: number): Promise<StartupTimes> {
  // Free ports, not random ones: a port another process holds would answer (or refuse) in our place.
  const port = freePort;
  await ensureBuilt();
  const fresh: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecl-start-'));
    const cli = (p: number) => ['bin/elasticache-local.mjs', '--port', String(p), '--data-dir', dir];
    let p = await port();
    fresh.push(await firstAnswer(process.execPath, cli(p), p));
    p = await port();
    warm.push(await firstAnswer(process.execPath, cli(p), p));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const inProcess: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const e = await start({ port: 0 });
    await (await fetch(e.url, { method: 'POST', headers: signedHeaders(Number(new URL(e.url).port), DESCRIBE), body: DESCRIBE })).text();
    inProcess.push(performance.now() - t0);
    await e.stop();
  }
  let moto: number | null = null;
  if (spawnSync('which', ['moto_server']).status === 0) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const p = await port();
      times.push(await firstAnswer('moto_server', ['-p', String(p)], p));
    }
    moto = Math.min(...times);
  }
  let redisPong: number | null = null;
  if (spawnSync('which', ['redis-server']).status === 0) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await firstPong(await port()));
    redisPong = Math.min(...times);
  }
  return { fresh: Math.min(...fresh), warm: Math.min(...warm), inProcess, moto, redisPong };
}

/** `npm run bench startup`: this file's start-up table alone. */
export async function startupBench(): Promise<string> {
  const runs = 3;
  const t = await startupTimes(runs);
  const rows: string[][] = [];
  rows.push(['node bin/elasticache-local.mjs (new data dir)', t.fresh.toFixed(0)]);
  rows.push(['node bin/elasticache-local.mjs (existing data dir)', t.warm.toFixed(0)]);
  rows.push(['start() in-process, to first answer (warm modules after the first)', `${t.inProcess.map((x) => x.toFixed(0)).join(' / ')}`]);
  if (t.moto !== null) {
    rows.push(['moto_server', t.moto.toFixed(0)]);
    rows.push(['  bin / moto_server (target <= 0.4)', (t.fresh / t.moto).toFixed(2)]);
    rows.push(['  start() / moto_server (target < 0.2)', (Math.min(...t.inProcess) / t.moto).toFixed(2)]);
  }
  if (t.redisPong !== null) rows.push(['redis-server, to first PONG', t.redisPong.toFixed(0)]);
  return `### Start to first API answer (ms, best of ${runs})\n\n${table(['what', 'ms'], rows)}`;
}

export async function benchIsolation(): Promise<string> {
  const only = process.env.ISOLATION_PART;
  const parts: [string, () => Promise<string>][] = [
    ['startup', startupBench],
    ['replication', replicationBench],
    ['stalls', stallBench],
  ];
  const out: string[] = [];
  for (const [name, run] of parts) if (!only || only === name) out.push(await run());
  return out.join('\n\n');
}
