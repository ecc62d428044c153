// MEMORY USAGE of strings grown in place (APPEND, SETRANGE, SETBIT, BITFIELD) and of sparse
// HyperLogLogs as redis-server 7.0.15 answers it: sdsMakeRoomFor's spare room (double below 1 MB)
// rounded to jemalloc's classes, kept until the value is replaced or reloaded.
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { memoryDiffs, type MemoryStep } from './memory-usage-steps.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();
const nums = (a: number, n: number): string[] => Array.from({ length: n }, (_, i) => String(a + i));

/** Each step is run on both servers; { check } compares MEMORY USAGE of those keys. */
const STEPS: MemoryStep[] = [
  ['SET', 'a', 'x'],
  ['APPEND', 'a', 'yy'],
  { check: ['a'] },
  ['APPEND', 'a', 'z'.repeat(57)],
  ['APPEND', 'a', 'z'],
  ['SET', 'b', '12345'],
  ['APPEND', 'b', '678'],
  ['SETRANGE', 'b', '100', 'q'],
  ['SETRANGE', 'b', '2', 'qq'],
  ['SET', 'c', 'hello'],
  ['SETBIT', 'c', '100', '1'],
  ['SETBIT', 'c', '2000', '1'],
  ['BITFIELD', 'c', 'SET', 'u8', '9000', '255'],
  ['SET', 'd', 'x'.repeat(80)],
  ['APPEND', 'd', 'y'],
  ['APPEND', 'e', 'abc'],
  ['APPEND', 'e', 'def'],
  ['SETRANGE', 'f', '10', 'abc'],
  ['SETRANGE', 'f', '11', 'abcdefgh'],
  ['SET', 'big', 'w'.repeat(40000)],
  ['APPEND', 'big', 'w'],
  ['PFADD', 'h'],
  { check: ['a', 'b', 'c', 'd', 'e', 'f', 'big', 'h'] },
  ['PFADD', 'h', 'a'],
  { check: ['h'] },
  ['PFADD', 'h', ...nums(20, 60)],
  ['PFCOUNT', 'h'],
  ['PFADD', 'h2', 'x', 'y', 'z'],
  ['PFMERGE', 'h3', 'h', 'h2'],
  ['PFMERGE', 'h2', 'h'],
  { check: ['h', 'h2', 'h3'] },
  ['PFADD', 'h', ...nums(1000, 800)],
  ['SET', 'd', 'v'],
  { check: ['h', 'd'] },
  ['DEBUG', 'RELOAD'],
  { check: ['a', 'b', 'c', 'f', 'h2'] },
  ['PFADD', 'h2', 'q'],
  ['APPEND', 'a', 'q'],
  { check: ['a', 'h2'] },
  // MEMORY USAGE finds a key past its TTL and answers for it (dictFind, no expiry).
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
  ['SET', 'gone', 'v', 'PX', '1'],
  ['DEBUG', 'SLEEP', '0.01'],
  { check: ['gone'] },
  ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
];

describe.skipIf(!available)('MEMORY USAGE of grown strings and sparse HLLs against redis-server', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);
  it("answers redis-server 7.0.15's figures, sds spare room included", async () => {
    expect(await memoryDiffs(pair, STEPS, [[], ['SAMPLES', '0']])).toEqual([]);
  }, 60000);
});
