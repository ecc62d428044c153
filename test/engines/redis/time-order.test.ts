// TIME read again and again never goes backwards, on redis-server as on ours: libraries order by it (rsmq's
// message ids begin with TIME's microseconds, so two messages sent in one millisecond were received in the
// wrong order when our microseconds came from a clock that turns over apart from Date.now()'s).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

/** Every TIME reply of `rounds` pipelines of `each` TIMEs, in microseconds, in the order they were answered. */
async function readings(port: number, rounds: number, each: number): Promise<number[]> {
  const client = new Redis({ port, host: '127.0.0.1' });
  const out: number[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      const pipeline = client.pipeline();
      for (let i = 0; i < each; i++) pipeline.time();
      for (const [err, reply] of (await pipeline.exec())!) {
        if (err) throw err;
        const [s, us] = reply as [string, string];
        out.push(Number(s) * 1e6 + Number(us));
      }
    }
  } finally {
    client.disconnect();
  }
  return out;
}

const backwards = (times: number[]) => times.filter((t, i) => i > 0 && t < times[i - 1]!).length;

describe.skipIf(!realRedisAvailable())('TIME', () => {
  const pair = serverPair();

  it('readings one after another never go backwards and stay within a second of the wall clock', async () => {
    for (const port of [pair.real.port, pair.ours.port]) {
      const before = Date.now() * 1000;
      const times = await readings(port, 20, 500);
      const after = Date.now() * 1000;
      expect({ port, backwards: backwards(times) }).toEqual({ port, backwards: 0 });
      expect(times[0]!).toBeGreaterThanOrEqual(before - 1e6);
      expect(times.at(-1)!).toBeLessThanOrEqual(after + 1e6);
      // Sub-millisecond digits, as gettimeofday's: not every reading ends in 000.
      expect(times.some((t) => t % 1000 !== 0)).toBe(true);
    }
  });
});
