// A command that runs in slices finishes when its client leaves before the reply, as redis-server
// finishes a command it began: SUNIONSTORE/ZUNIONSTORE over large sets store their result, and
// KEYS of a gone client goes on to its end without keeping its reply. Ours stopped at the next slice
// and the stored key never appeared.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSet, newZSet } from '../../../engines/redis/db/objects.ts';
import { encodeCommand, RawClient, startServer, waitUntil, type Started } from './helpers.ts';

const N = 200_000;

/** Sends `args` and closes the connection at once, without reading. */
async function sendAndLeave(port: number, args: string[]): Promise<void> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve);
    s.once('error', reject);
  });
  // Closed once the bytes are handed to the kernel (destroy() alone could drop the unsent write).
  await new Promise<void>((resolve) => s.write(encodeCommand(args), () => resolve()));
  s.destroy();
}

describe('a sliced command whose client left', () => {
  let node: Started;
  beforeAll(async () => {
    node = await startServer();
    const db = node.server.engine.ks.db(0);
    const [sa, sb, za] = [newSet(), newSet(), newZSet()];
    sa.big = sb.big = za.big = true;
    for (let i = 0; i < N; i++) {
      sa.v.add(`m${i}`);
      sb.v.add(`m${i + N / 2}`);
      za.v.add(`m${i}`, i);
    }
    db.set('sa', sa);
    db.set('sb', sb);
    db.set('za', za);
  });
  afterAll(() => node?.server.close());

  it('still stores its result', { timeout: 150_000 }, async () => {
    const c = await RawClient.connect(node.port);
    try {
      await sendAndLeave(node.port, ['SUNIONSTORE', 'su', 'sa', 'sb']);
      await waitUntil('SUNIONSTORE stored', async () => (await c.call('EXISTS', 'su')) === ':1\r\n', 60_000);
      // One at a time, so each is the command that holds the node (a client that leaves behind another's
      // sliced command: sliced-hold-leavers.test.ts).
      await sendAndLeave(node.port, ['ZUNIONSTORE', 'zu', '2', 'za', 'za']);
      await waitUntil('ZUNIONSTORE stored', async () => (await c.call('EXISTS', 'zu')) === ':1\r\n', 60_000);
      expect(await c.call('SCARD', 'su')).toBe(`:${N + N / 2}\r\n`);
      expect(await c.call('ZCARD', 'zu')).toBe(`:${N}\r\n`);
      expect(await c.call('ZSCORE', 'zu', `m${N - 1}`)).toBe(`$6\r\n${2 * (N - 1)}\r\n`);
    } finally {
      c.close();
    }
  });

  it('answers its other clients once a gone client\'s read ends', async () => {
    const c = await RawClient.connect(node.port);
    try {
      await sendAndLeave(node.port, ['KEYS', '*']);
      expect(await c.call('PING')).toBe('+PONG\r\n');
      expect(await c.call('DBSIZE')).toBe(':5\r\n');
    } finally {
      c.close();
    }
  });
});
