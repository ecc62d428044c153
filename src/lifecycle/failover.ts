import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { restartNodes } from './provision.ts';

/** The replica to promote: the first available one, all being in step with the primary here. */
export function failoverCandidate(world: World, scope: Scope, groupId: string): string | undefined {
  const group = world.resources.get(scope, 'replication-group', groupId);
  if (!group) return undefined;
  return group.memberClusters.find((m) => m !== group.primaryClusterId && world.resources.get(scope, 'cluster', m)?.status === 'available');
}

/**
 * Promotes `replicaId` and demotes the old primary, as Multi-AZ failover does: the old primary's node
 * restarts (every client connection to it closes, the primary endpoint now leads to the new primary),
 * then rejoins as a replica with a full copy.
 */
export async function failover(world: World, scope: Scope, groupId: string, replicaId: string): Promise<void> {
  const group = world.resources.get(scope, 'replication-group', groupId);
  if (!group) return;
  const oldPrimary = group.primaryClusterId;
  world.runtime.nodes.flushReplication(world.runtime.nodeKey(scope, oldPrimary, '0001'));
  group.primaryClusterId = replicaId;
  world.resources.put(scope, 'replication-group', groupId, group);
  world.runtime.syncGroupRoles(scope, groupId);
  world.event(scope, 'replication-group', groupId, `Failover to replica node ${replicaId} completed`);
  const old = world.resources.get(scope, 'cluster', oldPrimary);
  if (!old) return;
  world.event(scope, 'cache-cluster', oldPrimary, 'Recovering cache nodes 0001');
  await restartNodes(world, scope, old, ['0001']);
  world.event(scope, 'cache-cluster', oldPrimary, 'Finished recovery for cache nodes 0001');
}
