// Resharding moves keys between primaries in slices (the control plane's moveKeys drives these node calls):
// another node answers PING meanwhile, the source keeps serving reads, its writes wait until the move is
// released, and every key arrives with its value and TTL.
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisNode, type RedisNode } from '../../../engines/redis/index.ts';
import { RawClient, startServer, type Started } from './helpers.ts';
import { STALL_BOUND_MS, whileWorking } from './stall.ts';

const KEYS = Number(process.env.ISO_RESHARD_N ?? 200_000);

describe('resharding runs in slices', () => {
  const nodes: RedisNode[] = [];
  let other: Started;
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await other?.server.close();
  });

  it('moves every key while another node answers; reads are served and writes wait until the release', async () => {
    const [from, to] = [createRedisNode({ port: 0 }), createRedisNode({ port: 0 })];
    nodes.push(from, to);
    await from.listen();
    await to.listen();
    other = await startServer();
    for (let i = 0; i < KEYS; i += 1000) await from.command(['MSET', ...Array.from({ length: 1000 }, (_, k) => [`key:${i + k}`, `v${i + k}`]).flat()]);
    await from.command(['RPUSH', 'list', 'a', 'b', 'c']);
    await from.command(['SET', 'ttl', 'x', 'PX', '600000']);
    const c = await RawClient.connect(from.port);
    try {
      let read!: Promise<string>;
      let write!: Promise<string>;
      let writeDone = false;
      let released = false;
      const { ping, loop, answered } = await whileWorking(other.port, async () => {
        const release = from.holdWrites();
        const batches = await from.exportKeys(() => 'to');
        write = c.call('SET', 'fresh', 'made during the move').then((r) => {
          writeDone = true;
          return r;
        });
        read = RawClient.connect(from.port).then(async (r) => {
          try {
            return await r.call('GET', `key:${KEYS - 1}`);
          } finally {
            r.close();
          }
        });
        expect(await read).toBe(`$${`v${KEYS - 1}`.length}\r\nv${KEYS - 1}\r\n`);
        for (const b of batches.values()) await to.importKeys(b);
        expect(writeDone).toBe(false);
        released = true;
        release();
        for (const b of batches.values()) await from.dropKeys(b);
      });
      expect(released).toBe(true);
      expect(await write).toBe('+OK\r\n');
      expect(answered).toBeGreaterThan(0);
      expect(ping).toBeLessThan(STALL_BOUND_MS);
      expect(loop).toBeLessThan(STALL_BOUND_MS);
      // The held write ran after the release, on the source: a key of its own, the only one left there.
      expect((await from.command(['DBSIZE'])).toString()).toBe(':1\r\n');
      expect((await to.command(['DBSIZE'])).toString()).toBe(`:${KEYS + 2}\r\n`);
      expect((await to.command(['MGET', 'key:0', `key:${KEYS - 1}`])).toString()).toBe(`*2\r\n$2\r\nv0\r\n$${`v${KEYS - 1}`.length}\r\nv${KEYS - 1}\r\n`);
      expect((await to.command(['LRANGE', 'list', '0', '-1'])).toString()).toBe('*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n');
      expect(Number((await to.command(['PTTL', 'ttl'])).toString().slice(1))).toBeGreaterThan(500_000);
    } finally {
      c.close();
    }
  }, 60_000);
});
