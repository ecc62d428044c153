// Deterministic cases for differences the random differential (tools/redis-fuzz) found in blocking
// commands served by another client: its session runs each step on both servers (a blocked main
// client, then the peer's command, then CLIENT UNBLOCK), and the outcomes (replies and keyspace
// events) must read the same.
import { describe, expect, it } from 'vitest';
import { Session } from '../../../tools/redis-fuzz/session.ts';
import { RawClient, realRedisAvailable, script, waitBlocked } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('blocking commands served by another client', () => {
  // The fuzzer's Session resets each server with DEBUG SET-ACTIVE-EXPIRE 0 (since 208a26d).
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function sameOutcomes(text: string): Promise<void> {
    const steps = script(text);
    const outcomes: string[][] = [];
    for (const port of [pair.ours.port, pair.real.port]) {
      const { session } = await Session.open(port, 2);
      try {
        const out: string[] = [];
        for (const step of steps) out.push(`${step.join(' ')} -> ${(await session.step(step)).text}`);
        outcomes.push(out);
      } finally {
        session.close();
      }
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  }

  it('a pop served to a blocked client that empties the key announces del after the pop (fuzz seed 33 of the widened generator)', async () => {
    await sameOutcomes(`
      @serve BZPOPMIN z2 z2 0 @by ZINCRBY z2 Infinity x
      @serve BLPOP l1 0 @by RPUSH l1 a
      @serve BLMOVE l1 l2 LEFT RIGHT 0 @by RPUSH l1 a
      @serve BZMPOP 0 1 z1 MIN @by ZADD z1 1 a
      @serve BLMPOP 0 1 l1 LEFT COUNT 5 @by RPUSH l1 a b
      @serve BLPOP l3 0 @by RPUSH l1 a
      @serve BRPOPLPUSH l1 l1 0 @by DEL l1
    `);
  });
  it('a timeout past 2^31 ms blocks without a timer overflow warning (seen in the run of seeds 20001-21000)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const [blocked, other] = await Promise.all([RawClient.connect(pair.ours.port), RawClient.connect(pair.ours.port)]);
    try {
      blocked.write('*3\r\n$5\r\nBLPOP\r\n$8\r\nnosuch:l\r\n$10\r\n4294967296\r\n');
      await waitBlocked(other, 1);
      expect(await other.call('PING')).toBe('+PONG\r\n');
      await new Promise((res) => setImmediate(res));
      expect(warnings).toEqual([]);
      expect(await other.call('RPUSH', 'nosuch:l', 'a')).toBe(':1\r\n');
      expect(await blocked.read()).toEqual(Buffer.from('*2\r\n$8\r\nnosuch:l\r\n$1\r\na\r\n'));
    } finally {
      process.off('warning', onWarning);
      blocked.close();
      other.close();
    }
  });
});
