// MEMORY USAGE of streams as redis-server 7.0.15 answers it: listpacks preallocated at 4096 bytes
// (or stream-node-max-bytes) and shrunk to fit when a node is closed, loaded ones at their size, the
// radix tree as streamRadixTreeMemoryUsage counts it, consumer groups, consumers and their PELs, and
// SAMPLES averaging the first listpacks.
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { memoryDiffs, type MemoryStep } from './memory-usage-steps.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

const ALL = ['one', 'many', 'small', 'big'];
/**
 * Each step is run on both servers; a list of keys marks a MEMORY USAGE check of them. After DEBUG
 * RELOAD only streams laid out under today's node limits and without XDEL'd entries are checked: ours
 * lays a loaded stream out again from its live entries (see stream-memory.ts).
 */
const STEPS: MemoryStep[] = [
  ['XADD', 'one', '1-1', 'f', 'v'],
  ...range(1, 250).map((i) => ['XADD', 'many', `${i}-1`, `f${i % 3}`, `val${i}`]),
  { check: ALL },
  ['XDEL', 'many', '5-1', '6-1', '200-1'],
  ['XGROUP', 'CREATE', 'many', 'g', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '150', 'STREAMS', 'many', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'consumer-two', 'STREAMS', 'many', '>'],
  ['XACK', 'many', 'g', '100-1', '110-1', '111-1'],
  ['XCLAIM', 'many', 'g', 'c3', '0', '120-1', '230-1'],
  { check: ALL },
  ['XTRIM', 'many', 'MAXLEN', '120'],
  { check: ALL },
  ['CONFIG', 'SET', 'stream-node-max-bytes', '300'],
  ...range(1, 12).map((i) => ['XADD', 'small', `${i}-1`, 'f', 'w'.repeat(40 * i)]),
  ['CONFIG', 'SET', 'stream-node-max-bytes', '4096'],
  ['XADD', 'big', '1-1', 'f', 'z'.repeat(3000)],
  ['XADD', 'big', '2-1', 'f', 'z'.repeat(2000)],
  { check: ALL },
  ['DEBUG', 'RELOAD'],
  { check: ['one', 'big'] },
  ['XADD', 'one', '2-1', 'f', 'v'],
  { check: ['one', 'big'] },
];

describe.skipIf(!available)('MEMORY USAGE of streams against redis-server', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);
  it('answers redis-server 7.0.15 figures as streams grow, are read by groups, trimmed and reloaded', async () => {
    expect(await memoryDiffs(pair, STEPS, [[], ['SAMPLES', '0'], ['SAMPLES', '1']])).toEqual([]);
  }, 60000);
});
