// MEMORY USAGE of a hashtable hash or set counts its hash table's slots, which redis-server 7.0 grows on
// inserts and shrinks only after a delete leaves the table under 10% full (fuzz seed 4035: a set that
// lost most of its members kept its big table there, ours sized the table by the count left). Members
// and fields are of one length, so which ones redis-server samples does not matter; enough lookups
// follow each resize for redis-server's incremental rehash to end before MEMORY USAGE reads it (during
// it redis-server counts both tables; how long it lasts depends on its random hash seed).
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { memoryDiffs, type MemoryStep } from './memory-usage-steps.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const names = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${String(from + i).padStart(4, '0')}`);
/** Lookups that each move redis-server's rehash on by a step. */
const lookups = (cmd: string, key: string): string[][] => Array.from({ length: 80 }, (_, i) => [cmd, key, `m${String(i).padStart(4, '0')}`]);

describe.runIf(available)('MEMORY USAGE of hash tables after deletes, as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('a set or hash keeps its table until it is under 10% full, then shrinks to fit', async () => {
    const steps: MemoryStep[] = [
      ['FLUSHALL'],
      ['SADD', 's', ...names('m', 0, 200)],
      ['HSET', 'h', ...names('m', 0, 200).flatMap((f) => [f, 'value-of-12'])],
      ...lookups('SISMEMBER', 's'),
      ...lookups('SISMEMBER', 's'),
      { check: ['s', 'h'] },
      ['SREM', 's', ...names('m', 30, 200)],
      ['HDEL', 'h', ...names('m', 30, 200)],
      ...lookups('SISMEMBER', 's'),
      ...lookups('HGET', 'h'),
      { check: ['s', 'h'] },
      ['SREM', 's', ...names('m', 5, 30)],
      ['HDEL', 'h', ...names('m', 5, 30)],
      ...lookups('SISMEMBER', 's'),
      ...lookups('HGET', 'h'),
      { check: ['s', 'h'] },
      ['SADD', 's', ...names('n', 0, 40)],
      ['HSET', 'h', ...names('n', 0, 40).flatMap((f) => [f, 'value-of-12'])],
      ...lookups('SISMEMBER', 's'),
      ...lookups('HGET', 'h'),
      { check: ['s', 'h'] },
    ];
    for (let i = 0; i < 25; i++) steps.push(['SREM', 's', `n${String(i).padStart(4, '0')}`], ['HDEL', 'h', `n${String(i).padStart(4, '0')}`]);
    steps.push(...lookups('SISMEMBER', 's'), ...lookups('HGET', 'h'), { check: ['s', 'h'] });
    expect(await memoryDiffs(pair, steps, [[], ['SAMPLES', '0']])).toEqual([]);
  });

  it('DEBUG HTSTATS-KEY shows the same table size', async () => {
    const sizes: string[][] = [];
    for (const port of [pair.ours.port, pair.real.port]) {
      const c = await RawClient.connect(port);
      try {
        await c.call('FLUSHALL');
        await c.call('SADD', 's', ...names('m', 0, 200));
        const out: string[] = [];
        for (const [from, to] of [[30, 200], [5, 30]] as const) {
          await c.call('SREM', 's', ...names('m', from, to));
          for (const l of lookups('SISMEMBER', 's')) await c.call(...l);
          out.push(((await c.call('DEBUG', 'HTSTATS-KEY', 's')).match(/table size: \d+|number of elements: \d+/g) ?? []).join(', '));
        }
        sizes.push(out);
      } finally {
        c.close();
      }
    }
    expect(sizes[0]).toEqual(sizes[1]);
  });
});
