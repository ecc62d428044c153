import type { ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { bringUpCluster, markAvailable, tearDownCluster } from './provision.ts';
import { removeResource } from './removal.ts';
import { transition } from './states.ts';
import { finalSnapshot, newSnapshot, restoreIntoGroup, restoreSourceRdbs } from './snapshots.ts';
import { removeAutomatedSnapshots } from './automatic-snapshots.ts';
import { megabytes, reportProgress, restoreSourceName } from './progress.ts';

/** Cluster mode has one configuration endpoint; otherwise a primary and a reader endpoint. */
export async function openEndpointsOf(
  world: World,
  scope: Scope,
  group: ReplicationGroupRecord,
): Promise<Partial<Pick<ReplicationGroupRecord, 'primaryEndpointPort' | 'readerEndpointPort' | 'configEndpointPort' | 'endpointAddress' | 'configEndpointAddress'>>> {
  const configuration = group.shards ? await world.runtime.openConfigurationEndpoint(scope, group) : undefined;
  if (group.shards && !group.clusterModeCompatible) return { configEndpointPort: configuration!.port, endpointAddress: configuration!.address };
  const ports = await world.runtime.openGroupEndpoints(scope, group);
  return {
    primaryEndpointPort: ports.primary,
    readerEndpointPort: ports.reader,
    configEndpointPort: configuration?.port,
    configEndpointAddress: configuration?.address,
    endpointAddress: ports.address,
  };
}

/** A group whose members have all settled becomes available again (after adding or removing a replica). */
export function finishGroupMembership(world: World, scope: Scope, groupId: string): void {
  const group = world.resources.get(scope, 'replication-group', groupId);
  if (!group || group.status !== 'modifying') return;
  world.runtime.syncGroupRoles(scope, groupId);
  const members = group.memberClusters.map((id) => world.resources.get(scope, 'cluster', id));
  if (members.every((m) => m?.status === 'available')) {
    transition(world, scope, 'replication-group', group, 'available');
    world.resources.put(scope, 'replication-group', groupId, group);
  }
}

export async function finishGroupCreate(world: World, scope: Scope, groupId: string): Promise<void> {
  const group = world.resources.get(scope, 'replication-group', groupId);
  if (!group || group.status !== 'creating') return;
  for (const id of group.memberClusters) await bringUpCluster(world, scope, id);
  const ports = await openEndpointsOf(world, scope, group);
  const fresh = world.resources.get(scope, 'replication-group', groupId);
  if (!fresh) {
    await world.runtime.closeGroupEndpoints(scope, groupId);
    return;
  }
  Object.assign(fresh, ports);
  if (fresh.restoreFrom) {
    try {
      // Into the primaries only: the replicas then take their full copy from them, as on AWS.
      const rdbs = restoreSourceRdbs(world, scope, fresh.restoreFrom);
      const from = restoreSourceName(fresh.restoreFrom);
      const progress = (message: string) => reportProgress(world, scope, 'replication-group', groupId, message);
      progress(`Restore from ${from} started: ${megabytes(rdbs.reduce((n, r) => n + r.length, 0))} to load`);
      await restoreIntoGroup(world, scope, fresh, rdbs, (shardId, done, total) =>
        progress(`Restored data of node group ${shardId} from ${from} (${done} of ${total} node groups)`),
      );
      progress(`Restore from ${from} completed`);
    } catch (err) {
      transition(world, scope, 'replication-group', fresh, 'create-failed', `Failed to restore data: ${err instanceof Error ? err.message : String(err)}`);
      world.resources.transaction(() => {
        failMembers(world, scope, fresh);
        world.resources.put(scope, 'replication-group', groupId, fresh);
      });
      return;
    }
  }
  transition(world, scope, 'replication-group', fresh, 'available');
  world.runtime.syncGroupRoles(scope, groupId);
  world.resources.transaction(() => {
    for (const id of fresh.memberClusters) {
      const cluster = world.resources.get(scope, 'cluster', id);
      if (!cluster) continue;
      markAvailable(world, scope, cluster);
      world.resources.put(scope, 'cluster', id, cluster);
    }
    world.resources.put(scope, 'replication-group', groupId, fresh);
  });
  for (const id of fresh.memberClusters) {
    const cluster = world.resources.get(scope, 'cluster', id);
    for (const n of cluster?.nodes ?? []) world.event(scope, 'cache-cluster', id, `Added cache node ${n.id} in availability zone ${n.az}`);
    world.event(scope, 'cache-cluster', id, 'Cache cluster created');
  }
  world.event(scope, 'replication-group', groupId, `Replication group ${groupId} created`);
}

export async function finishGroupDelete(world: World, scope: Scope, groupId: string, retainPrimary: boolean): Promise<void> {
  const group = world.resources.get(scope, 'replication-group', groupId);
  if (!group) return;
  if (group.finalSnapshot) {
    const primary = world.resources.get(scope, 'cluster', group.primaryClusterId);
    if (primary) await finalSnapshot(world, scope, newSnapshot(world, scope, group.finalSnapshot, 'manual', group, primary));
  }
  removeAutomatedSnapshots(world, scope, { groupId });
  await world.runtime.closeGroupEndpoints(scope, groupId);
  for (const id of group.memberClusters) {
    const cluster = world.resources.get(scope, 'cluster', id);
    if (!cluster) continue;
    if (retainPrimary && id === group.primaryClusterId) {
      cluster.replicationGroupId = undefined;
      transition(world, scope, 'cluster', cluster, 'available');
      world.resources.put(scope, 'cluster', id, cluster);
      continue;
    }
    await tearDownCluster(world, scope, cluster);
    removeResource(world, scope, 'cluster', id, 'Cache cluster deleted');
  }
  removeResource(world, scope, 'replication-group', groupId, `Replication group ${groupId} deleted`);
}

/** A group that failed to be created takes its members that were being created with it. */
export function failMembers(world: World, scope: Scope, group: ReplicationGroupRecord): void {
  for (const id of group.memberClusters) {
    const cluster = world.resources.get(scope, 'cluster', id);
    if (!cluster || cluster.status !== 'creating') continue;
    transition(world, scope, 'cluster', cluster, 'create-failed');
    world.resources.put(scope, 'cluster', id, cluster);
  }
}
