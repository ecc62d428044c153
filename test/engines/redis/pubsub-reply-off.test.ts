// (Un)subscribe confirmations are pushes: redis-server 7.0 sends them even to a client that asked
// for CLIENT REPLY OFF or SKIP, in RESP2 as in RESP3 (Redis's unit/pubsub and unit/pubsubshard
// 'with CLIENT REPLY OFF' tests hung on ours, which dropped them with the command's reply).
import { describe, expect, it } from 'vitest';
import { RawClient, encodeCommand, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Replies read until one equals `last` (which a PUBLISH from the other client makes arrive). */
async function readUntil(c: RawClient, last: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const m = (await c.read()).toString('latin1');
    out.push(m);
    if (m.includes(last)) return out;
  }
}

async function scenario(port: number, proto: '2' | '3', mode: 'OFF' | 'SKIP'): Promise<string[]> {
  const x = await RawClient.connect(port);
  const y = await RawClient.connect(port);
  const log: string[] = [];
  try {
    if (proto === '3') await x.call('HELLO', '3');
    for (const [sub, unsub, name, pub] of [
      ['SUBSCRIBE', 'UNSUBSCRIBE', 'chan', 'PUBLISH'],
      ['PSUBSCRIBE', 'PUNSUBSCRIBE', 'ch*', 'PUBLISH'],
      ['SSUBSCRIBE', 'SUNSUBSCRIBE', 'chan', 'SPUBLISH'],
    ] as const) {
      x.write(encodeCommand(['CLIENT', 'REPLY', mode]));
      x.write(encodeCommand([sub, name, 'other']));
      x.write(encodeCommand(['PING']));
      log.push(...(await readUntil(x, 'other')));
      await y.call(pub, 'chan', 'hello');
      log.push(...(await readUntil(x, 'hello')));
      // A RESP2 subscriber may not send CLIENT REPLY: OFF is still on, SKIP is not renewed.
      if (proto === '3') x.write(encodeCommand(['CLIENT', 'REPLY', mode]));
      // Named: without arguments Redis answers in its hash table's (seeded) order.
      x.write(encodeCommand([unsub, name, 'other']));
      log.push(...(await readUntil(x, ':0\r\n')));
      if (mode === 'OFF') log.push(await x.call('CLIENT', 'REPLY', 'ON'));
      log.push(await x.call('PING'));
    }
    return log;
  } finally {
    x.close();
    y.close();
  }
}

describe.skipIf(!available)('pub/sub confirmations under CLIENT REPLY OFF/SKIP as redis-server 7.0', () => {
  const pair = serverPair();

  for (const proto of ['2', '3'] as const) {
    for (const mode of ['OFF', 'SKIP'] as const) {
      it(`RESP${proto}, CLIENT REPLY ${mode}`, async () => {
        const [a, b] = await Promise.all([scenario(pair.ours.port, proto, mode), scenario(pair.real.port, proto, mode)]);
        expect(a).toEqual(b);
        // The confirmations did arrive (the scenario would have timed out otherwise).
        expect(b.some((m) => m.includes('subscribe'))).toBe(true);
      });
    }
  }
});
