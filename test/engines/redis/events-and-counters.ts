// Runs pipelined batches of commands on one server with active expiry off and reports what a client
// sees: the replies, the keyevent notifications, and INFO's expiry and keyspace counters (for the
// differential tests of lazy expiry and lookup counting).
import { expect } from 'vitest';
import { FrameConn } from '../../../tools/redis-fuzz/conn.ts';
import { render } from '../../../tools/redis-fuzz/reply.ts';
import type { ServerPair } from './server-pair.ts';

/** Each batch is pipelined; the replies, then the keyevent notifications and the counters, as text. */
export async function runWithEvents(port: number, batches: string[][][]): Promise<string[]> {
  const sub = await FrameConn.open(port);
  const main = await FrameConn.open(port);
  try {
    for (const cmd of [['FLUSHALL'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], ['CONFIG', 'RESETSTAT']]) await main.call(cmd);
    sub.send(['PSUBSCRIBE', '__keyevent*']);
    await sub.frame(10000);
    const out: string[] = [];
    for (const batch of batches) {
      for (const cmd of batch) main.send(cmd);
      for (let i = 0; i < batch.length; i++) out.push(render((await main.frame(10000))!));
    }
    sub.send(['PING']);
    for (let f = await sub.frame(10000); f !== null && f.items?.[0]?.text !== 'pong'; f = await sub.frame(10000)) out.push(`${f.items?.[2]?.text} ${f.items?.[3]?.text}`);
    const stats = (await main.call(['INFO', 'stats']))?.text ?? '';
    out.push(...(stats.match(/(expired_keys|keyspace_hits|keyspace_misses):\d+/g) ?? []));
    await main.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    return out;
  } finally {
    main.close();
    sub.close();
  }
}

/** runWithEvents on both servers of a pair, expected the same; answers ours. */
export async function sameEventsAndCounters(pair: ServerPair, batches: string[][][]): Promise<string[]> {
  const ours = await runWithEvents(pair.ours.port, batches);
  expect(ours).toEqual(await runWithEvents(pair.real.port, batches));
  return ours;
}
