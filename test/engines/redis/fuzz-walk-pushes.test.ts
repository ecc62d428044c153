// The random differential's SCAN walks (tools/redis-fuzz/session.ts): an invalidation for a key a
// walk's call expired reaches a tracking client after that call's reply (redis-server 7.0 holds it
// until the command ends). The walk must read it within the step whichever call met the key: with
// the key on the last page it was left for the next step, on one server and not the other as each
// dict's order placed it (seeds 219458, 218783). Checked on redis-server alone: one page, one key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from '../../../tools/redis-fuzz/session.ts';
import { realRedisAvailable, startRealRedis, type RealRedis } from './helpers.ts';

const available = realRedisAvailable();

describe.runIf(available)('fuzz harness: a SCAN walk reads the invalidations its calls caused', () => {
  let real: RealRedis;
  beforeAll(async () => {
    real = await startRealRedis(['--enable-debug-command', 'yes']);
  }, 60000);
  afterAll(async () => {
    await real?.stop();
  });

  for (const walk of [['SCAN', '0'], ['SCAN', '0', 'TYPE', 'string'], ['SSCAN', 'k', '0']]) {
    it(`${walk.join(' ')} over a tracked key past its TTL, in RESP3`, async () => {
      const { session } = await Session.open(real.port, 3);
      try {
        await session.step(['CLIENT', 'TRACKING', 'on']);
        await session.step(['@batch', 'SET', 'k', 'v', 'PX', '2', '@;', 'GET', 'k', '@;', 'DEBUG', 'SLEEP', '0.004']);
        const out = await session.step(walk);
        expect(out.text).toContain('invalidate');
        expect((await session.step(['PING'])).text).not.toContain('invalidate');
      } finally {
        session.close();
      }
    });
  }
});
