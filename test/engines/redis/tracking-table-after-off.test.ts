// redis-server 7.0's tracking table keeps the keys a client read after it turns tracking off (or
// leaves): INFO's tracking_total_keys/items count them until a change to the key or a flush takes
// them out (fuzz seed 62297: CLIENT TRACKING ON, HEXISTS h2, CLIENT TRACKING off; ours emptied the
// table when the last tracking client stopped).
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const STEPS = [
  ['CLIENT', 'TRACKING', 'ON'],
  ['HEXISTS', 'h2', '100'],
  ['GET', 'k'],
  ['GET', 'gone'],
  ['CLIENT', 'TRACKING', 'OFF'],
  ['INFO', 'stats'],
  ['SET', 'k', 'v'],
  ['INFO', 'stats'],
  ['SET', 'gone', 'v', 'PX', '1'],
  ['DEBUG', 'SLEEP', '0.01'],
  ['GET', 'gone'],
  ['INFO', 'stats'],
  ['CLIENT', 'TRACKING', 'ON'],
  ['GET', 'x'],
  ['CLIENT', 'TRACKING', 'OFF'],
  ['FLUSHDB'],
  ['INFO', 'stats'],
];

const trackingFields = (reply: string): string => (reply.match(/tracking_total_\w+:\d+/g) ?? [reply]).join(' ');

describe.runIf(available)('the tracking table after tracking is turned off, as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('keeps the keys read until they change or a flush', async () => {
    const seen: string[][] = [];
    for (const port of [pair.ours.port, pair.real.port]) {
      const c = await RawClient.connect(port);
      try {
        await c.call('FLUSHALL');
        await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
        const out: string[] = [];
        for (const step of STEPS) out.push(trackingFields(await c.call(...step)));
        await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
        seen.push(out);
      } finally {
        c.close();
      }
    }
    expect(seen[0]).toEqual(seen[1]);
  });
});
