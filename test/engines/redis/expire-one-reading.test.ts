// PEXPIRE k 1 (and GETEX k PX 1) sets a TTL one millisecond past the command's time and never deletes the key at once:
// the base time and the already-past check come from one reading of the clock. With two readings a
// command that crossed a millisecond boundary between them deleted the key silently (no expired_keys,
// a del event), which a fresh-clone run caught as a key lost before SCAN looked at it. The clock here
// moves a millisecond at every reading, so two readings always cross one.
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisServer } from '../../../engines/redis/index.ts';
import type { Clock } from '../../../engines/redis/clock.ts';
import { RawClient } from './helpers.ts';

class TickingClock implements Clock {
  private t = Date.now();
  now(): number {
    return this.t++;
  }
}

describe('relative expire times', () => {
  const server = createRedisServer({ port: 0 }, { clock: new TickingClock() });
  afterAll(() => server.close());

  it('PEXPIRE, EXPIRE and GETEX with a time in the future keep the key with its TTL', async () => {
    const c = await RawClient.connect(await server.listen());
    try {
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
      for (const [cmd, ttl] of [['PEXPIRE', '1'], ['PEXPIRE', '2'], ['EXPIRE', '1']]) {
        await c.call('SET', 'k', 'v');
        expect(await c.call(cmd as string, 'k', ttl as string)).toBe(':1\r\n');
        const db = server.engine.ks.db(0);
        expect(db.dict.has('k'), `${cmd} k ${ttl}`).toBe(true);
        expect(db.expires.has('k')).toBe(true);
      }
      await c.call('SET', 'k', 'v');
      expect(await c.call('GETEX', 'k', 'PX', '1')).toBe('$1\r\nv\r\n');
      expect(server.engine.ks.db(0).dict.has('k'), 'GETEX k PX 1').toBe(true);
      // A time already past still deletes at once, as redis-server.
      await c.call('SET', 'k', 'v');
      expect(await c.call('PEXPIRE', 'k', '0')).toBe(':1\r\n');
      expect(server.engine.ks.db(0).dict.has('k')).toBe(false);
    } finally {
      c.close();
    }
  });
});
