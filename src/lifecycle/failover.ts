import type { ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { restartNodes } from './provision.ts';

/** The primary and members of the shard a cluster belongs to (the whole group when cluster mode is off). */
export function shardOf(group: ReplicationGroupRecord, clusterId: string): { primary: string; members: string[]; id: string } | undefined {
  if (!group.shards) return { primary: group.primaryClusterId, members: group.memberClusters, id: '0001' };
  const shard = group.shards.find((s) => s.members.includes(clusterId));
  return shard && { primary: shard.primaryClusterId, members: shard.members, id: shard.id };
}

/** The replica to promote in the shard of `primaryId`: the first available one, all being in step here. */
export function failoverCandidate(world: World, scope: Scope, groupId: string, primaryId: string): string | undefined {
  const group = world.resources.get(scope, 'replication-group', groupId);
  const shard = group && shardOf(group, primaryId);
  if (!shard || shard.primary !== primaryId) return undefined;
  return shard.members.find((m) => m !== primaryId && world.resources.get(scope, 'cluster', m)?.status === 'available');
}

/**
 * Promotes `replicaId` and demotes its shard's primary, as Multi-AZ failover does: the old primary's node
 * restarts (every client connection to it closes, the endpoints now lead to the new primary), then rejoins
 * as a replica with a full copy.
 */
export async function failover(world: World, scope: Scope, groupId: string, replicaId: string): Promise<void> {
  // A write the primary runs in slices (DEL of a million keys) ends first, and ships: a replica promoted
  // midway would have none of it while the old primary went on with it. Nothing runs between the wait's
  // end and the promotion below.
  let waited: string | undefined;
  for (;;) {
    const current = world.resources.get(scope, 'replication-group', groupId);
    const primary = current && shardOf(current, replicaId)?.primary;
    if (primary === undefined || primary === waited) break;
    await world.runtime.nodes.slicedWritesSettled(world.runtime.nodeKey(scope, primary, '0001'));
    waited = primary;
  }
  const group = world.resources.get(scope, 'replication-group', groupId);
  const shard = group && shardOf(group, replicaId);
  if (!group || !shard) return;
  const oldPrimary = shard.primary;
  world.runtime.nodes.flushReplication(world.runtime.nodeKey(scope, oldPrimary, '0001'));
  const record = group.shards?.find((s) => s.id === shard.id);
  if (record) record.primaryClusterId = replicaId;
  if (group.primaryClusterId === oldPrimary) group.primaryClusterId = replicaId;
  world.resources.put(scope, 'replication-group', groupId, group);
  world.runtime.syncGroupRoles(scope, groupId);
  world.event(scope, 'replication-group', groupId, `Failover to replica node ${replicaId} completed`);
  const old = world.resources.get(scope, 'cluster', oldPrimary);
  if (!old) return;
  world.event(scope, 'cache-cluster', oldPrimary, 'Recovering cache nodes 0001');
  await restartNodes(world, scope, old, ['0001']);
  world.event(scope, 'cache-cluster', oldPrimary, 'Finished recovery for cache nodes 0001');
}
