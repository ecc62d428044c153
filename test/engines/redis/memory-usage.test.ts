// MEMORY USAGE as redis-server 7.0.15 answers it, for every string encoding and the compact and big
// encodings of each collection: the same jemalloc size classes, sds headers, robj, dictEntry,
// listpack and quicklist layouts, and the same sampling. Left out on purpose (see
// engines/redis/db/memory-usage.ts): hash tables caught in a rehash (redis-server's figure then
// counts both tables, and when a rehash ends depends on its random hash seed), skiplist nodes (their
// levels are random in redis-server). Streams: memory-usage-stream.test.ts.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

function members<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

const SETUP: string[][] = [
  ['SET', 'k', 'hello'],
  ['SET', 'i', '12345'],
  ['SET', 'neg', '-5'],
  ['SET', 'e', ''],
  ['SET', 'big', '123456789012345678901'],
  ['SET', 'f', '1.5'],
  ['SET', 'emb44', 'x'.repeat(44)],
  ['SET', 'raw45', 'x'.repeat(45)],
  ['SET', 'r1000', 'x'.repeat(1000)],
  ['SET', 'r32767', 'x'.repeat(32767)],
  ['SET', 'r100000', 'x'.repeat(100000)],
  ['SET', 'k'.repeat(40), 'v'],
  ['SET', 'k'.repeat(300), 'v'],
  ['INCRBYFLOAT', 'fl', '1.5'],
  ['RPUSH', 'l', 'a', 'b', 'c', '1', '2', '300', '-70000', 'hello'],
  ['RPUSH', 'lbig', ...members(5000, (i) => `m${i}`)],
  ['RPUSH', 'lbig2', ...members(3000, (i) => 'x'.repeat(30) + i)],
  // Lists keep the node size in force when they were made.
  ['CONFIG', 'SET', 'list-max-listpack-size', '5'],
  ['RPUSH', 'lfill5', ...members(23, (i) => `e${i}`)],
  ['CONFIG', 'SET', 'list-max-listpack-size', '-1'],
  ['RPUSH', 'lfill-1', ...members(900, (i) => `e${i}`)],
  ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
  ['HSET', 'h', 'a', '1', 'b', '2', 'ccc', 'hello', 'n', '-4097', 'n2', '9999999999'],
  ['HSET', 'hlong', 'f', 'x'.repeat(100)],
  ...members(10, (j) => ['HSET', 'hbig', ...members(100, (i) => [`f${j * 100 + i}`, `v${i}`]).flat()]),
  ['SADD', 's', '1', '2', '3'],
  ['SADD', 's2', '1', '70000'],
  ['SADD', 's3', '1', '9999999999'],
  ['SADD', 's4', 'a', 'b', 'c'],
  ['SADD', 'sint', ...members(100, String)],
  ['SADD', 'sbig', ...members(600, String)],
  ['ZADD', 'z', '1', 'a', '2', 'b', '3.5', 'c'],
  ['ZADD', 'z2', '0.1', 'a', '-5', 'b', '1e20', 'c', '-0.25', 'd'],
];

const KEYS = [...new Set(SETUP.filter((c) => c[0] !== 'CONFIG').map((c) => c[1] as string))];

describe.skipIf(!available)('MEMORY USAGE against redis-server', () => {
  const pair = serverPair();
  it('answers redis-server 7.0.15 figures for strings, lists, hashes, sets and sorted sets', async () => {
    const a = await RawClient.connect(pair.ours.port);
    const b = await RawClient.connect(pair.real.port);
    try {
      for (const cmd of SETUP) await Promise.all([a.call(...cmd), b.call(...cmd)]);
      const diffs: string[] = [];
      for (const key of KEYS) {
        for (const extra of [[], ['SAMPLES', '0'], ['SAMPLES', '2']]) {
          const [x, y] = await Promise.all([a.call('MEMORY', 'USAGE', key, ...extra), b.call('MEMORY', 'USAGE', key, ...extra)]);
          if (x !== y) diffs.push(`${key.slice(0, 20)} ${extra.join(' ')}: ours ${x.trim()} redis ${y.trim()}`);
        }
      }
      expect(diffs).toEqual([]);
    } finally {
      a.close();
      b.close();
    }
  }, 60000);
});
