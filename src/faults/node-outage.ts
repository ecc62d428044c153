import { restartNodes } from '../lifecycle/provision.ts';
import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import type { FaultRegistry } from './registry.ts';
import { shardPrimary, type TargetNode } from './targets.ts';

/** AWS detects a failed primary and promotes a replica in tens of seconds; here, in this many transition delays. */
export const FAILOVER_DELAY_FACTOR = 2;
/** A failed node is replaced and back (empty) after this many transition delays, unless a duration says. */
export const RECOVERY_DELAY_FACTOR = 4;

const isUp = (world: World, n: TargetNode) => world.runtime.nodes.isRunning(n.key);

/**
 * Takes nodes down as a host failure does: every client connection is reset and the port stops answering
 * (it stays the node's). Each crashed primary of a group with automatic failover hands over to a replica
 * still up after the failover delay; the crashed nodes come back, empty, when the fault ends.
 */
export async function crashNodes(world: World, faults: FaultRegistry, faultId: string, scope: Scope, nodes: TargetNode[]): Promise<void> {
  for (const n of nodes) {
    world.runtime.nodes.node(n.key)?.resetConnections();
    await world.runtime.nodes.stop(n.key);
    world.event(scope, 'cache-cluster', n.clusterId, `Recovering cache nodes ${n.nodeId}`);
  }
  const down = new Set(nodes.map((n) => n.clusterId));
  for (const n of nodes) {
    const group = n.group;
    if (!group?.automaticFailover || shardPrimary(group, n.clusterId) !== n.clusterId) continue;
    faults.after(faultId, world.config.transitionDelayMs * FAILOVER_DELAY_FACTOR, () => promoteReplica(world, scope, group.id, n.clusterId, down));
  }
}

/** Hands a crashed primary's shard to its first replica that is up, as Multi-AZ automatic failover does. */
function promoteReplica(world: World, scope: Scope, groupId: string, failedId: string, down: Set<string>): void {
  const group = world.resources.get(scope, 'replication-group', groupId);
  // Back already (a short duration) or no longer its shard's primary: nothing to take over.
  if (!group || shardPrimary(group, failedId) !== failedId || world.runtime.nodes.isRunning(world.runtime.nodeKey(scope, failedId, '0001'))) return;
  const shard = group.shards?.find((s) => s.members.includes(failedId));
  const members = shard ? shard.members : group.memberClusters;
  const replica = members.find(
    (m) => m !== failedId && !down.has(m) && world.runtime.nodes.isRunning(world.runtime.nodeKey(scope, m, '0001')),
  );
  if (!replica) return;
  if (shard) shard.primaryClusterId = replica;
  if (group.primaryClusterId === failedId) group.primaryClusterId = replica;
  world.resources.put(scope, 'replication-group', groupId, group);
  world.runtime.syncGroupRoles(scope, groupId);
  world.event(scope, 'replication-group', groupId, `Failover to replica node ${replica} completed`);
}

/** Brings crashed nodes back empty on their ports; group members rejoin as what the group says they are. */
export async function recoverNodes(world: World, scope: Scope, nodes: TargetNode[]): Promise<void> {
  for (const n of nodes) {
    if (isUp(world, n)) continue;
    const cluster = world.resources.get(scope, 'cluster', n.clusterId);
    if (!cluster?.nodes.some((x) => x.id === n.nodeId)) continue;
    await restartNodes(world, scope, cluster, [n.nodeId]);
    world.event(scope, 'cache-cluster', n.clusterId, `Finished recovery for cache nodes ${n.nodeId}`);
  }
}
