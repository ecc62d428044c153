import type { Scope, ShardRecord } from '../store/records.ts';
import type { World } from '../world.ts';

export const HASH_SLOTS = 16384;

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
 * Moves every key whose slot changes owner from its old shard's primary to its new one, then the caller
 * switches the topology. It all runs in one turn of the event loop: no client command can run between
 * a key's copy and the switch, so no write is lost, and clients simply get MOVED afterwards.
 */
export function moveKeys(world: World, scope: Scope, before: ShardRecord[], after: ShardRecord[]): number {
  const newOwner = owners(after);
  const server = (clusterId: string) => world.runtime.nodes.redisNode(world.runtime.nodeKey(scope, clusterId, '0001'));
  let moved = 0;
  for (const shard of before) {
    const source = server(shard.primaryClusterId);
    if (!source) continue;
    const outgoing = source.exportKeys((slot) => {
      const target = after[newOwner[slot]!]!;
      return target.primaryClusterId === shard.primaryClusterId ? undefined : target;
    });
    for (const [target, batch] of outgoing) {
      const destination = server(target.primaryClusterId);
      if (!destination) throw new Error(`the primary of shard ${target.id} is not running`);
      destination.importKeys(batch);
      source.dropKeys(batch);
      moved += batch.count;
    }
  }
  return moved;
}
