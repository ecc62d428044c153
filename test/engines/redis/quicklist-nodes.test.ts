// Where redis-server 7.0 ends a list's quicklist nodes depends on the commands that built it (fuzz seed
// 49004: `LPUSH L +5 007 10` under list-max-listpack-size 2 is [10] [007 +5], where a list cut as if
// pushed at its tail is [10 007] [+5]). DUMP's bytes, DEBUG OBJECT (ql_nodes, ql_uncompressed_size,
// serializedlength) and MEMORY USAGE show the nodes. Each case runs the same commands on both servers
// and compares those views after each step: pushes at either end, LINSERT into full nodes (split and
// merge), LSET growing a node, LREM and LTRIM emptying nodes, pops, RESTORE and DEBUG RELOAD keeping the
// nodes, COPY, SORT STORE, plain nodes under DEBUG QUICKLIST-PACKED-THRESHOLD, and compressed nodes.
// Under list-compress-depth, redis-server compresses a node only when a command touches it or it crosses
// the depth, so an interior node a split or merge passed over can stay uncompressed there; ours counts
// every interior node as compressed (DUMP bytes and MEMORY USAGE then differ; the nodes do not). The
// random cases run without compression for that reason.
import { describe, expect, it } from 'vitest';
import { RawClient, debugObjectFacts, realRedisAvailable } from './helpers.ts';
import { serverPair, type ServerPair } from './server-pair.ts';

const available = realRedisAvailable();

/** A step's views of key L (and C, where a case copies into it). */
async function views(c: RawClient, key: string): Promise<string[]> {
  const type = await c.call('TYPE', key);
  if (!type.includes('list')) return [type];
  return [
    await c.call('DUMP', key),
    debugObjectFacts(await c.call('DEBUG', 'OBJECT', key)),
    await c.call('MEMORY', 'USAGE', key),
    await c.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'),
  ];
}

/** Runs the steps on both servers; returns every step where a reply or a view differs. */
async function diffs(pair: ServerPair, setup: string[][], steps: string[][], keys = ['L']): Promise<string[]> {
  const a = await RawClient.connect(pair.ours.port);
  const b = await RawClient.connect(pair.real.port);
  try {
    const out: string[] = [];
    for (const c of [a, b]) {
      await c.call('FLUSHALL');
      await c.call('CONFIG', 'SET', 'list-max-listpack-size', '-2', 'list-compress-depth', '0');
      await c.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1073741824');
      for (const s of setup) await c.call(...s);
    }
    for (const [n, step] of steps.entries()) {
      const [x, y] = await Promise.all([a.call(...step), b.call(...step)]);
      if (x !== y) out.push(`step ${n} ${step.join(' ').slice(0, 80)}: reply ours ${x.slice(0, 60)} redis ${y.slice(0, 60)}`);
      for (const key of keys) {
        const [vx, vy] = await Promise.all([views(a, key), views(b, key)]);
        vx.forEach((v, i) => {
          if (v !== vy[i]) out.push(`step ${n} ${step.join(' ').slice(0, 80)}: ${key} view ${i} ours ${v.trim().slice(0, 160)} redis ${(vy[i] ?? '').trim().slice(0, 160)}`);
        });
      }
      if (out.length > 0) break;
    }
    for (const c of [a, b]) await c.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1073741824');
    return out;
  } finally {
    a.close();
    b.close();
  }
}

const cfg = (fill: string, depth = '0'): string[][] => [['CONFIG', 'SET', 'list-max-listpack-size', fill, 'list-compress-depth', depth]];

/** A small deterministic PRNG (mulberry32), so a failing sequence is the same on every run. */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

const VALUES = ['1', '007', '+5', '-1', '300', '70000', '-9000000000', 'a', 'hello', 'x'.repeat(40), 'y'.repeat(70), 'z'.repeat(200)];

/** Random list edits of one key: what the fuzzer's list family does, aimed at node boundaries. */
function randomSteps(seed: number, n: number): string[][] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const val = (): string => pick(VALUES);
  const idx = (): string => String(Math.floor(r() * 30) - 15);
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    const k = r();
    if (k < 0.2) out.push(['LPUSH', 'L', ...Array.from({ length: 1 + Math.floor(r() * 4) }, val)]);
    else if (k < 0.4) out.push(['RPUSH', 'L', ...Array.from({ length: 1 + Math.floor(r() * 4) }, val)]);
    else if (k < 0.55) out.push(['LINSERT', 'L', pick(['BEFORE', 'AFTER']), val(), val()]);
    else if (k < 0.65) out.push(['LSET', 'L', idx(), val()]);
    else if (k < 0.72) out.push(['LREM', 'L', pick(['0', '1', '-1', '2', '-2']), val()]);
    else if (k < 0.78) out.push(['LTRIM', 'L', idx(), idx()]);
    else if (k < 0.86) out.push([pick(['LPOP', 'RPOP']), 'L']);
    else if (k < 0.9) out.push(['LMOVE', 'L', 'L', pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])]);
    else out.push(['RPUSH', 'L', ...Array.from({ length: 5 }, val)]);
  }
  return out;
}

describe.runIf(available)('quicklist nodes as redis-server 7.0 places them', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('seed 49004: LPUSH fills the head node', async () => {
    expect(await diffs(pair, cfg('2'), [['LPUSH', 'L', '+5', '007', '10'], ['LPUSH', 'L', 'a', 'b', 'c'], ['RPUSH', 'L', 'd']])).toEqual([]);
  });

  it('LINSERT into full nodes splits them and merges the pieces with their neighbours', async () => {
    const fill = ['RPUSH', 'L', ...Array.from({ length: 12 }, (_, i) => `v${i}`)];
    expect(await diffs(pair, cfg('4'), [fill, ['LINSERT', 'L', 'AFTER', 'v1', 'n1'], ['LINSERT', 'L', 'BEFORE', 'v6', 'n2'], ['LINSERT', 'L', 'AFTER', 'v3', 'n3'], ['LINSERT', 'L', 'BEFORE', 'v0', 'n4'], ['LINSERT', 'L', 'AFTER', 'v11', 'n5'], ['LREM', 'L', '0', 'v2'], ['LINSERT', 'L', 'BEFORE', 'v8', 'n6']])).toEqual([]);
  });

  it('LSET grows a node in place, LREM and LTRIM empty nodes without merging', async () => {
    const big = 'w'.repeat(3000);
    expect(await diffs(pair, cfg('-1'), [['RPUSH', 'L', ...Array.from({ length: 200 }, (_, i) => `element-${i}`)], ['LSET', 'L', '3', big], ['LSET', 'L', '-2', big], ['RPUSH', 'L', 'tail'], ['LREM', 'L', '-3', 'element-100'], ['LTRIM', 'L', '5', '-5'], ['LPUSH', 'L', 'head']])).toEqual([]);
  });

  it('plain nodes under DEBUG QUICKLIST-PACKED-THRESHOLD', async () => {
    const large = 'p'.repeat(150);
    const steps = [['RPUSH', 'L', 'a', 'b', 'c', 'd'], ['RPUSH', 'L', large], ['LPUSH', 'L', large], ['LINSERT', 'L', 'AFTER', 'b', large], ['LINSERT', 'L', 'BEFORE', large, 'q'], ['LSET', 'L', '0', 'small'], ['LSET', 'L', '3', large], ['RPOP', 'L'], ['LREM', 'L', '0', large]];
    expect(await diffs(pair, [...cfg('3'), ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100']], steps)).toEqual([]);
  });

  it('compressed interior nodes (list-compress-depth 1) in DUMP and MEMORY USAGE', async () => {
    const steps = [['RPUSH', 'L', ...Array.from({ length: 40 }, (_, i) => `compressible-value-${i % 3}-${'k'.repeat(20)}`)], ['LPUSH', 'L', 'x', 'y', 'z'], ['LINSERT', 'L', 'AFTER', 'compressible-value-1-kkkkkkkkkkkkkkkkkkkk', 'mid']];
    expect(await diffs(pair, [...cfg('5', '1'), ['CONFIG', 'SET', 'rdbcompression', 'no']], steps)).toEqual([]);
    expect(await diffs(pair, [...cfg('5', '1'), ['CONFIG', 'SET', 'rdbcompression', 'yes']], steps)).toEqual([]);
  });

  it('RESTORE, DEBUG RELOAD and COPY keep the nodes; SORT STORE and a reload take their settings', async () => {
    const steps = [['LPUSH', 'L', '1', '2', '3', '4', '5', '6', '7'], ['LINSERT', 'L', 'AFTER', '5', '55'], ['COPY', 'L', 'C'], ['CONFIG', 'SET', 'list-max-listpack-size', '-2'], ['DEBUG', 'RELOAD'], ['RPUSH', 'L', '8', '9', '10'], ['SORT', 'L', 'STORE', 'S'], ['RPUSH', 'S', 'a', 'b', 'c']];
    expect(await diffs(pair, cfg('3'), steps, ['L', 'C', 'S'])).toEqual([]);
  });

  for (const [fill, depth] of [['2', '0'], ['3', '0'], ['5', '0'], ['-1', '0'], ['0', '0'], ['4', '0']] as const) {
    it(`random edits under list-max-listpack-size ${fill}, list-compress-depth ${depth}`, async () => {
      for (let seed = 1; seed <= 3; seed++) {
        const found = await diffs(pair, [...cfg(fill, depth), ['CONFIG', 'SET', 'rdbcompression', 'no']], randomSteps(seed * 100 + Number(fill) + 7, 60));
        expect(found, `seed ${seed}`).toEqual([]);
      }
    }, 120000);
  }
});
