import type { Scope, ShardRecord } from '../store/records.ts';
import type { RedisNode } from '../../engines/redis/index.ts';
import type { World } from '../world.ts';

export const HASH_SLOTS = 16384;

/**
 * Transition delays a removed shard keeps serving MOVED after the switch before it is torn down: a client
 * with commands queued there gets their redirections instead of a closed connection (node-redis fails
 * queued commands when the connection closes, and again when a rediscovery drops the node).
 */
export const DEPARTURE_GRACE_FACTOR = 4;

/** Slots split evenly over `count` shards, in shard order. */
export function evenSlots(index: number, count: number): [number, number][] {
  return [[Math.floor((index * HASH_SLOTS) / count), Math.floor(((index + 1) * HASH_SLOTS) / count) - 1]];
}

function owners(shards: ShardRecord[]): Int32Array {
  const owner = new Int32Array(HASH_SLOTS).fill(-1);
  shards.forEach((s, i) => {
    for (const [from, to] of s.slots) owner.fill(i, from, to + 1);
  });
  return owner;
}

/**
 * Moves every key whose slot changes owner from its old shard's primary to its new one, then `switchTo`
 * switches the topology. A million keys take seconds to move, so they move in slices, with the writes of
 * every source primary held from the start until after the switch: no write lands between a key's copy
 * and the switch, reads are served from the old owner meanwhile, and the held writes then run against the
 * new topology (MOVED for a key that left). The copies left on the old owners are dropped after the switch.
 * A shard that is going away takes the new topology too, in which it owns nothing: its held writes and
 * every later command get MOVED until it is torn down, so a client that had queued commands there (node-redis
 * fails them when the connection closes under them) follows the redirection instead.
 */
export async function moveKeys(world: World, scope: Scope, before: ShardRecord[], after: ShardRecord[], switchTo: () => void): Promise<number> {
  const newOwner = owners(after);
  const server = (clusterId: string) => world.runtime.nodes.redisNode(world.runtime.nodeKey(scope, clusterId, '0001'));
  // A write in slices (HSET of a million fields) ends first: a key copied midway would leave the rest of
  // it on the old owner, dropped after the switch. Each source's writes are held from the turn its own
  // wait ends (fenceWrites), so none begins there while a later source is waited for.
  const staying = new Set(after.map((s) => s.primaryClusterId));
  const sources: { shard: ShardRecord; node: RedisNode; release: () => void; stays: boolean }[] = [];
  const drops: (() => Promise<void>)[] = [];
  let moved = 0;
  try {
    for (const shard of before) {
      const node = server(shard.primaryClusterId);
      if (node) sources.push({ shard, node, release: await node.fenceWrites(), stays: staying.has(shard.primaryClusterId) });
    }
    for (const { shard, node: source, stays } of sources) {
      const outgoing = await source.exportKeys((slot) => {
        const target = after[newOwner[slot]!]!;
        return target.primaryClusterId === shard.primaryClusterId ? undefined : target;
      });
      for (const [target, batch] of outgoing) {
        const destination = server(target.primaryClusterId);
        if (!destination) throw new Error(`the primary of shard ${target.id} is not running`);
        await destination.importKeys(batch);
        if (stays) drops.push(() => source.dropKeys(batch));
        moved += batch.count;
      }
    }
    switchTo();
    const member = sources.find((s) => s.stays)?.node;
    for (const { shard, stays } of sources) {
      if (stays || !member) continue;
      for (const id of shard.members) server(id)?.departCluster(member);
    }
  } finally {
    // Had the move failed, every shard goes on as it was.
    for (const s of sources) s.release();
  }
  for (const drop of drops) await drop();
  return moved;
}
