// A replica that must take its primary's whole dataset again (after SWAPDB on the primary, after its link
// was cut and restored, after a script of its own held the stream back) is copied in slices: another node
// answers PING meanwhile, the replica's own clients wait and then see the whole copy (never half of it),
// and the replica ends with the primary's data. A replica in another thread (--node-threads) gets an RDB
// file the primary makes in slices while its writes wait.
import { describe, expect, it } from 'vitest';
import { newHash, newString } from '../../../engines/redis/db/objects.ts';
import { createRedisNode } from '../../../engines/redis/index.ts';
import { createThreadedRedisNode } from '../../../engines/redis/threaded-node.ts';
import { until } from '../../support/groups.ts';
import { encodeCommand, type Started } from './helpers.ts';
import { replies, STALL_BOUND_MS, whileWorking } from './stall.ts';
import { trackedServers } from './tracked-servers.ts';

// Copied whole in one turn, 400k small hashes held the loop ~450 ms on this machine.
const KEYS = Number(process.env.ISO_RESYNC_N ?? 400_000);

const { node, connect } = trackedServers();

/** A primary of KEYS small hashes in db 0, its replica (synced), and a node of their process that does nothing. */
async function filledGroup(): Promise<{ primary: Started; replica: Started; other: Started }> {
  const [primary, replica, other] = [await node(), await node(), await node()];
  const db = primary.server.engine.ks.db(0);
  for (let i = 0; i < KEYS; i++) {
    const h = newHash();
    h.v.set('f', `v${i}`);
    db.set(`key:${i}`, h);
  }
  replica.server.replicaOf(primary.server);
  // WAIT after no write at all would count the replica at once: a write in another db gives it an offset to wait for.
  // WAIT answers once the first copy of KEYS hashes is whole: given replies()'s minute, not call()'s 5 s.
  expect(await replies(primary.port, [['SELECT', '2'], ['SET', 'synced', '1'], ['WAIT', '1', '0']])).toEqual(['+OK\r\n', '+OK\r\n', ':1\r\n']);
  return { primary, replica, other };
}

/**
 * What a client of the replica reads once it is served: each db's size, and one value from each end of the walk.
 * Its first command waits for the whole copy, which at load 20 takes longer than call()'s 5 s (the copy's CPU
 * time is bounded by the stall checks, not its wall time): replies() gives each a minute.
 */
function replicaView(port: number): Promise<string[]> {
  return replies(port, [['DBSIZE'], ['HGET', 'key:0', 'f'], ['HGET', `key:${KEYS - 1}`, 'f'], ['SELECT', '1'], ['DBSIZE'], ['HGET', `key:${KEYS - 1}`, 'f']]);
}

const afterSwap = [':0\r\n', '$-1\r\n', '$-1\r\n', '+OK\r\n', `:${KEYS}\r\n`, `$${`v${KEYS - 1}`.length}\r\nv${KEYS - 1}\r\n`];

function expectNoStall(r: { ping: number; loop: number; answered: number }): void {
  expect(r.answered).toBeGreaterThan(0);
  expect(r.ping).toBeLessThan(STALL_BOUND_MS);
  expect(r.loop).toBeLessThan(STALL_BOUND_MS);
}

describe('a replica taking the whole dataset again', () => {
  it('after SWAPDB on the primary: another node answers; a client of the replica sees all of the swapped data', async () => {
    const { primary, replica, other } = await filledGroup();
    const p = await connect(primary.port);
    let view!: string[];
    const r = await whileWorking(other.port, async () => {
      expect(await p.call('SWAPDB', '0', '1')).toBe('+OK\r\n');
      // Sent while the copy is under way: held until it ends, then answered from the whole copy.
      view = await replicaView(replica.port);
    });
    expectNoStall(r);
    expect(view).toEqual(afterSwap);
    expect(await p.call('WAIT', '1', '0')).toBe(':1\r\n');
  });

  it('after its cut link is restored: cutting and restoring hold no other node; the replica then has the primary\'s data', async () => {
    const { primary, replica, other } = await filledGroup();
    let view!: string[];
    const r = await whileWorking(other.port, async () => {
      // Cutting gives the replica copies of the values it shared; SWAPDB meanwhile makes the restore a full copy.
      // The primary's writes wait while the replica takes those copies (in slices): SWAPDB gets a minute too.
      replica.server.faultReplication({ delayMs: null });
      expect(await replies(primary.port, [['SWAPDB', '0', '1']])).toEqual(['+OK\r\n']);
      expect(await replies(replica.port, [['DBSIZE']])).toEqual([`:${KEYS}\r\n`]);
      replica.server.faultReplication(null);
      view = await replicaView(replica.port);
    });
    expectNoStall(r);
    expect(view).toEqual(afterSwap);
  });

  it('after a script of its own held the stream back while the primary swapped databases', async () => {
    const { primary, replica, other } = await filledGroup();
    const p = await connect(primary.port);
    const script = await connect(replica.port);
    // Runs until the test puts 'go' into the replica's keyspace behind its back (no client can while it runs).
    script.write(encodeCommand(['EVAL', "local stop = redis.call('TIME')[1] + 60 repeat until redis.call('EXISTS', 'go') == 1 or redis.call('TIME')[1] + 0 >= stop", '0']));
    const scripting = replica.server.engine.scripting;
    await until(() => (scripting.running !== null ? true : undefined), 60_000, 'the script to run');
    expect(await p.call('SWAPDB', '0', '1')).toBe('+OK\r\n');
    let view!: string[];
    const r = await whileWorking(other.port, async () => {
      replica.server.engine.ks.db(0).set('go', newString('1'));
      expect((await script.read(60_000)).toString('latin1')).toBe('$-1\r\n');
      view = await replicaView(replica.port);
    });
    expectNoStall(r);
    expect(view).toEqual(afterSwap);
  });

  it('in another thread: the primary makes the file in slices, a write sent meanwhile lands after it', { timeout: 120_000 }, async () => {
    const other = await node();
    const primary = createRedisNode({ port: 0, mode: 'node' });
    const replica = createThreadedRedisNode({ port: 0, mode: 'node' });
    try {
      await primary.listen();
      await replica.listen();
      for (let i = 0; i < KEYS; i += 1000) await primary.command(['MSET', ...Array.from({ length: 1000 }, (_, k) => [`key:${i + k}`, `v${i + k}`]).flat()]);
      const p = await connect(primary.port);
      let during!: string;
      const r = await whileWorking(other.port, async () => {
        replica.replicaOf(primary);
        // Waits for the file: the primary's writes are held while it is made.
        p.write(encodeCommand(['SET', `key:${KEYS - 1}`, 'after']));
        during = (await p.read(60_000)).toString('latin1');
        await until(async () => ((await replica.command(['GET', `key:${KEYS - 1}`])).toString() === '$5\r\nafter\r\n' ? true : undefined), 60_000, 'the replica to have every key');
      });
      expectNoStall(r);
      expect(during).toBe('+OK\r\n');
      expect((await replica.command(['DBSIZE'])).toString()).toBe(`:${KEYS}\r\n`);
      expect((await replica.command(['GET', 'key:0'])).toString()).toBe('$2\r\nv0\r\n');
    } finally {
      await replica.close();
      await primary.close();
    }
  });
});
