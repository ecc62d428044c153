// A key a BCAST NOLOOP client wrote and the server expired in the same turn is announced to that
// client: the last change names who made it, as Redis's raxInsert. Found by Redis's unit/tracking
// "Tracking gets notification of lazy expired keys", which hung on ours waiting for that message.
// Inside EXEC the time stays where the transaction began, as in redis-server (DEBUG SLEEP or not).
// Differential against redis-server.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.runIf(available)('BCAST NOLOOP and a key expired in the turn it was written, as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function run(port: number): Promise<string[]> {
    const [r, redir] = await Promise.all([RawClient.connect(port), RawClient.connect(port)]);
    try {
      await r.call('FLUSHALL');
      const id = (await redir.call('CLIENT', 'ID')).slice(1, -2);
      const out = [await redir.call('SUBSCRIBE', '__redis__:invalidate')];
      out.push(await r.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', id, 'NOLOOP'));
      for (const cmd of [['MULTI'], ['SET', 'mykey{t}', 'myval', 'PX', '1'], ['SET', 'other{t}', 'v'], ['DEBUG', 'SLEEP', '0.1'], ['GET', 'mykey{t}'], ['EXISTS', 'mykey{t}'], ['EXEC']]) {
        out.push(await r.call(...cmd));
      }
      // Only the expired key, not the two the client wrote itself.
      out.push((await redir.read()).toString('latin1'));
      out.push(await r.call('CLIENT', 'TRACKING', 'off'));
      // Once the transaction is over, time is the clock's again.
      out.push(await r.call('SET', 'later', 'v', 'PX', '100000'));
      const pttl = Number((await r.call('PTTL', 'later')).slice(1, -2));
      out.push(pttl > 90000 && pttl <= 100000 ? 'pttl near 100000' : `pttl ${pttl}`);
      return out;
    } finally {
      r.close();
      redir.close();
    }
  }

  it('announces the expiry to the client that wrote the key', async () => {
    const theirs = await run(pair.real.port);
    expect(await run(pair.ours.port)).toEqual(theirs);
  });
});
