// The random differential of tools/redis-fuzz, bounded: a few fixed seeds against redis-server 7.0,
// every command's reply and keyspace events compared. A difference prints its shrunk reproduction.
import { describe, expect, it } from 'vitest';
import { fuzz, describe as describeFinding } from '../../../tools/redis-fuzz/fuzz.ts';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('random differential (tools/redis-fuzz)', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  // 16 seeds: with the admin family a seed costs more; 20 took 22 s at load 29.
  it.each([
    [1, 8],
    [21, 28],
  ])('seeds %i to %i, 150 commands each, reply and notify as redis-server', async (from, to) => {
    const seeds = Array.from({ length: to - from + 1 }, (_, i) => from + i);
    const report = await fuzz({ ours: pair.ours.port, real: pair.real.port }, { seeds, length: 150, shrink: true });
    expect(report.findings.map(describeFinding)).toEqual([]);
    expect(report.commands).toBeGreaterThan(seeds.length * 20);
  }, 60_000);
});
