// A replica in another thread (--node-threads) loads its full sync's file in slices: the control plane's
// synchronous calls to that thread (stats, the slow log, users) wait one slice, not the whole load. In one
// turn, a million keys held the thread for seconds and a stats() call held the main thread (every node and
// the API) as long: past its 5 s limit it threw.
import { expect, it } from 'vitest';
import { createRedisNode } from '../../../engines/redis/index.ts';
import { createThreadedRedisNode } from '../../../engines/redis/threaded-node.ts';

const KEYS = Number(process.env.THREADED_SYNC_N ?? 300_000);

it('a synchronous call waits a slice of the replica\'s load, not all of it; the replica ends whole', { timeout: 180_000 }, async () => {
  const primary = createRedisNode({ port: 0, mode: 'node' });
  const replica = createThreadedRedisNode({ port: 0, mode: 'node' });
  try {
    await primary.listen();
    await replica.listen();
    for (let i = 0; i < KEYS; i += 5000) {
      await primary.command(['MSET', ...Array.from({ length: 5000 }, (_, k) => [`key:${i + k}`, `v${i + k}`]).flat()]);
    }
    replica.stats();
    const t0 = performance.now();
    replica.replicaOf(primary);
    let worst = 0;
    for (;;) {
      await new Promise((r) => setTimeout(r, 5));
      const a = performance.now();
      replica.stats();
      worst = Math.max(worst, performance.now() - a);
      // The replica's clients (the control plane's too) wait while the dataset is replaced.
      const size = (await replica.command(['DBSIZE'])).toString();
      if (size === `:${KEYS}\r\n`) break;
      expect(performance.now() - t0).toBeLessThan(150_000);
    }
    const total = performance.now() - t0;
    // Relative to the whole sync, so a loaded machine stretches both alike (one turn: most of it).
    expect(worst, `worst wait ${worst.toFixed(0)} ms of a ${total.toFixed(0)} ms sync`).toBeLessThan(total * 0.25);
    expect((await replica.command(['GET', `key:${KEYS - 1}`])).toString()).toBe(`$${`v${KEYS - 1}`.length}\r\nv${KEYS - 1}\r\n`);
  } finally {
    await replica.close();
    await primary.close();
  }
});
