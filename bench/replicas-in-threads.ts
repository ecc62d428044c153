// Issue 12's replication target with nodes in worker threads (--node-threads): writes into keys of 1M
// elements, and redis-benchmark's LPUSH/HSET, on a lone node and on a primary with two replicas, with
// every node on the main thread (the default) and with the replicas (or all three nodes) in workers.
// `npm run bench replicas-in-threads`; BENCH_THREADS_OPS=LPUSH,HSET narrows the commands.
import { spawn } from 'node:child_process';
import { createRedisNode, type RedisNode } from '../engines/redis/index.ts';
import { createThreadedRedisNode } from '../engines/redis/threaded-node.ts';
import { pipelined } from './isolation.ts';

const BIG = 1_000_000;
const WRITES = 100_000;
const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Where each node of a layout runs: [primary, ...replicas], true for a worker thread. */
export const LAYOUTS: [string, boolean[]][] = [
  ['lone node', [false]],
  ['lone node in a thread', [true]],
  ['primary + 2 replicas, one thread', [false, false, false]],
  ['primary + 2 replicas in threads', [false, true, true]],
  ['all three in threads', [true, true, true]],
];

const OPS: [string, (i: number) => string[], (i: number) => string[]][] = [
  ['LPUSH', (i) => ['LPUSH', 'big', `x${i}`], (i) => ['LPUSH', 'big', ...Array.from({ length: 1000 }, (_, j) => `e${i * 1000 + j}`)]],
  ['HSET', (i) => ['HSET', 'big', `n${i}`, 'v'], (i) => ['HSET', 'big', ...Array.from({ length: 1000 }, (_, j) => [`f${i * 1000 + j}`, 'v']).flat()]],
  ['ZADD', (i) => ['ZADD', 'big', String(i), `n${i}`], (i) => ['ZADD', 'big', ...Array.from({ length: 1000 }, (_, j) => [String(i * 1000 + j), `m${i * 1000 + j}`]).flat()]],
  ['XADD', () => ['XADD', 'big', 'MAXLEN', '~', String(BIG), '*', 'f', 'v'], () => ['XADD', 'big', '*', 'f', 'v']],
];

async function startLayout(threads: boolean[]): Promise<RedisNode[]> {
  const nodes = threads.map((t) => (t ? createThreadedRedisNode({ port: 0, mode: 'node' }) : createRedisNode({ port: 0, mode: 'node' })));
  await Promise.all(nodes.map((n) => n.listen()));
  return nodes;
}

/** Waits until every replica has what the primary has (its offset in INFO), so the next figure starts clean. */
async function settle(nodes: RedisNode[]): Promise<void> {
  const offset = (s: string) => Number(/master_repl_offset:(\d+)/.exec(s)?.[1] ?? -1);
  for (;;) {
    const want = offset((await nodes[0]!.command(['INFO', 'replication'])).toString());
    const have = await Promise.all(nodes.slice(1).map(async (n) => offset((await n.command(['INFO', 'replication'])).toString())));
    if (have.every((h) => h >= want)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The primary's rate, and the rate counted until every replica had applied the last write. */
export interface LayoutRate {
  primary: number;
  settled: number;
}

/** Pipelined writes per second into a key of 1M elements, per command and layout. */
export async function threadedReplicationRates(ops = OPS.map((o) => o[0])): Promise<Map<string, Map<string, LayoutRate>>> {
  const out = new Map<string, Map<string, LayoutRate>>();
  for (const [name, write, fill] of OPS.filter((o) => ops.includes(o[0]))) {
    const rates = new Map<string, LayoutRate>();
    for (const [layout, threads] of LAYOUTS) {
      const nodes = await startLayout(threads);
      try {
        const primary = nodes[0]!;
        if (name === 'XADD') await pipelined(primary.port, fill, BIG, 5000);
        else await pipelined(primary.port, fill, BIG / 1000, 50);
        for (const r of nodes.slice(1)) r.replicaOf(primary);
        await settle(nodes);
        const t0 = performance.now();
        const rate = await pipelined(primary.port, write, WRITES);
        await settle(nodes);
        rates.set(layout, { primary: rate, settled: WRITES / ((performance.now() - t0) / 1000) });
      } finally {
        await Promise.all(nodes.map((n) => n.close()));
      }
    }
    out.set(name, rates);
  }
  return out;
}

function redisBenchmark(port: number, tests: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-benchmark', ['-p', String(port), '-c', '50', '-n', '200000', '-P', '16', '-t', tests, '-q', '--csv']);
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const rates: Record<string, number> = {};
      for (const m of text.matchAll(/^"([A-Z]+)[^"]*","([\d.]+)"/gm)) rates[m[1]!] = Number(m[2]);
      resolve(rates);
    });
  });
}

/** redis-benchmark -c 50 -P 16 LPUSH and HSET, per layout. */
export async function threadedBenchmarkRates(): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  for (const [layout, threads] of LAYOUTS) {
    const nodes = await startLayout(threads);
    try {
      for (const r of nodes.slice(1)) r.replicaOf(nodes[0]!);
      await settle(nodes);
      out.set(layout, await redisBenchmark(nodes[0]!.port, 'lpush,hset'));
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  }
  return out;
}

export async function benchReplicasInThreads(): Promise<string> {
  const ops = process.env.BENCH_THREADS_OPS?.split(',') ?? OPS.map((o) => o[0]);
  const rates = await threadedReplicationRates(ops);
  const head = ['command', ...LAYOUTS.map(([l]) => l), 'ratio, one thread', 'ratio, replicas in threads', 'ratio, all in threads'];
  const rows = [...rates].map(([name, r]) => {
    const lone = r.get('lone node')?.primary ?? NaN;
    const cell = (l: string) => `${((r.get(l)?.primary ?? NaN) / 1000).toFixed(0)}k (${((r.get(l)?.settled ?? NaN) / 1000).toFixed(0)}k)`;
    const ratio = (l: string) => ((r.get(l)?.primary ?? NaN) / lone).toFixed(2);
    return [name, ...LAYOUTS.map(([l]) => cell(l)), ratio('primary + 2 replicas, one thread'), ratio('primary + 2 replicas in threads'), ratio('all three in threads')];
  });
  const bench = await threadedBenchmarkRates();
  const benchRows = [...bench].map(([layout, r]) => [layout, `${((r.LPUSH ?? 0) / 1000).toFixed(0)}k`, `${((r.HSET ?? 0) / 1000).toFixed(0)}k`]);
  return [
    `### Writes into keys of 1M elements, pipelined: the primary's ops/s (in brackets, counted until the replicas caught up); ratios of the primary's rate to the lone node on the main thread\n\n${table(head, rows)}`,
    `### redis-benchmark -c 50 -P 16 -n 200000 (req/s)\n\n${table(['layout', 'LPUSH', 'HSET'], benchRows)}`,
  ].join('\n\n');
}
