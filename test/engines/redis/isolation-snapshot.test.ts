// A snapshot of a live node (CreateSnapshot, automatic backups) is written in slices, also inside one big
// value: another node answers PING meanwhile, the node's writes wait while a value is half copied (so the
// copy is of one instant), and the file loads back with the same content.
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisNode, type RedisNode } from '../../../engines/redis/index.ts';
import { RawClient, startServer, type Started } from './helpers.ts';
import { cpuMs } from '../../support/loop-hold.ts';
import { STALL_BOUND_MS, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_SNAPSHOT_N ?? 300_000);

describe('a snapshot runs in slices', () => {
  const nodes: RedisNode[] = [];
  let other: Started;
  afterAll(async () => {
    for (const n of nodes) await n.close();
    await other?.server.close();
  });

  it('dumps a hash of 300,000 fields while another node answers; a write meanwhile waits; the file loads back', async () => {
    const [node, copy] = [createRedisNode({ port: 0 }), createRedisNode({ port: 0 })];
    nodes.push(node, copy);
    await node.listen();
    await copy.listen();
    other = await startServer();
    for (let i = 0; i < N; i += 1000) await node.command(['HSET', 'h', ...Array.from({ length: 1000 }, (_, k) => [`f${i + k}`, `v${i + k}`]).flat()]);
    const c = await RawClient.connect(node.port);
    try {
      let rdb!: Buffer;
      let write!: Promise<string>;
      const { ping, loop, answered } = await whileWorking(other.port, async () => {
        const dumping = node.dumpSliced().then((b) => {
          rdb = b;
        });
        // Sent while the hash is being copied: it runs once the copy of the hash is done, so it is not in the file.
        write = c.call('HSET', 'h', 'late', 'x');
        await dumping;
      });
      expect(await write).toBe(':1\r\n');
      expect(answered).toBeGreaterThan(0);
      expect(ping).toBeLessThan(STALL_BOUND_MS);
      expect(loop).toBeLessThan(STALL_BOUND_MS);
      copy.load([rdb]);
      expect((await copy.command(['HLEN', 'h'])).toString()).toBe(`:${N}\r\n`);
      expect((await copy.command(['HMGET', 'h', 'f0', `f${N - 1}`, 'late'])).toString()).toBe(`*3\r\n$2\r\nv0\r\n$${`v${N - 1}`.length}\r\nv${N - 1}\r\n$-1\r\n`);
    } finally {
      c.close();
    }
  }, 60_000);

  it('dumps 300,000 small keys in short slices: another node is answered every few milliseconds of its CPU', async () => {
    const node = createRedisNode({ port: 0 });
    nodes.push(node);
    await node.listen();
    for (let i = 0; i < N; i += 1000) await node.command(['MSET', ...Array.from({ length: 1000 }, (_, k) => [`key:${i + k}`, `value-${i + k}`]).flat()]);
    let cpu = 0;
    const { loop, answered } = await whileWorking(other.port, async () => {
      const t0 = cpuMs();
      await node.dumpSliced();
      cpu = cpuMs() - t0;
    });
    expect(loop).toBeLessThan(STALL_BOUND_MS);
    // A PING's round trip crosses two turns of the loop, each with one slice of the dump. Slices of 1 ms
    // answer one PING per ~2-3 ms of the process's CPU; the 4 ms slices a 64 KB chunk of small keys ran
    // to 20 ms answered one per ~20 ms. Load stretches wall time, not this count.
    expect(answered, `${answered} PINGs in ${cpu.toFixed(0)} ms of CPU`).toBeGreaterThan(cpu / 8);
  }, 60_000);
});
