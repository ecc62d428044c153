import type { ClusterRecord, NodeRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { finishGroupMembership } from './groups.ts';
import type { PortInUse } from './ports.ts';
import { portsOf } from './removal.ts';
import { loadIntoCluster, restoreSourceRdbs } from './snapshots.ts';
import { NODE_STATUS, transition } from './states.ts';

/**
 * Lifecycle steps shared by cache clusters and replication groups. Each step re-reads the record after
 * every await, because a request may have modified or deleted the resource meanwhile.
 */

/**
 * `published`: the cluster's endpoints were given to clients (a restart of a cluster that was up), so a
 * node keeps its port or the bring-up fails with PortInUse; a node still being created may move.
 */
async function startMissingNodes(world: World, scope: Scope, cluster: ClusterRecord, nodes: NodeRecord[], published = false): Promise<Map<string, number>> {
  const started = new Map<string, number>();
  for (const node of nodes) {
    const running = world.runtime.nodePort(scope, cluster.id, node.id);
    if (running !== undefined) {
      started.set(node.id, running);
      continue;
    }
    const keep = published && node.status !== NODE_STATUS.creating && node.port !== 0;
    started.set(node.id, await world.runtime.startNode(scope, cluster, node.id, node.port, keep));
  }
  return started;
}

/**
 * Starts every node (and a Memcached cluster's configuration endpoint) and records the ports. With
 * `published` (see startMissingNodes) a port another program holds fails it with PortInUse.
 */
export async function bringUpCluster(world: World, scope: Scope, id: string, published = false): Promise<ClusterRecord | undefined> {
  const cluster = world.resources.get(scope, 'cluster', id);
  if (!cluster) return undefined;
  const ports = await startMissingNodes(world, scope, cluster, cluster.nodes, published);
  let configPort: number | undefined;
  if (cluster.engine === 'memcached') {
    configPort = await world.runtime.openEndpoint(
      scope,
      cluster.id,
      'configuration',
      cluster.configEndpointPort ?? 0,
      () => world.runtime.configurationTarget(scope, cluster.id),
      published && cluster.configEndpointPort !== undefined && cluster.configEndpointPort !== 0,
    );
  }
  const fresh = world.resources.get(scope, 'cluster', id);
  if (!fresh) {
    await tearDownCluster(world, scope, cluster);
    return undefined;
  }
  for (const node of fresh.nodes) node.port = ports.get(node.id) ?? node.port;
  if (configPort !== undefined) fresh.configEndpointPort = configPort;
  world.resources.put(scope, 'cluster', id, fresh);
  return fresh;
}

/** Brings a cluster's nodes up and marks it and its nodes available (new replicas, restarts). */
export async function bringUpAvailable(world: World, scope: Scope, id: string, event?: string): Promise<ClusterRecord | undefined> {
  const up = await bringUpCluster(world, scope, id);
  if (!up) return undefined;
  markAvailable(world, scope, up, event);
  world.resources.put(scope, 'cluster', up.id, up);
  return up;
}

/** A cluster and its nodes become available (the caller saves the record). */
export function markAvailable(world: World, scope: Scope, cluster: ClusterRecord, event?: string): void {
  transition(world, scope, 'cluster', cluster, 'available', event);
  for (const node of cluster.nodes) node.status = NODE_STATUS.available;
}

/**
 * A new cluster's step: its engines listen, its starting data is loaded, then it and its nodes are
 * available with AWS's events. A restore that cannot load leaves it restore-failed (AWS's state for it).
 */
export async function finishClusterCreate(world: World, scope: Scope, id: string): Promise<void> {
  const cluster = await bringUpCluster(world, scope, id);
  if (!cluster || cluster.status !== 'creating') return;
  if (cluster.restoreFrom) {
    try {
      loadIntoCluster(world, scope, cluster.id, restoreSourceRdbs(world, scope, cluster.restoreFrom));
    } catch (err) {
      transition(world, scope, 'cluster', cluster, 'restore-failed', `Failed to restore data: ${err instanceof Error ? err.message : String(err)}`);
      world.resources.put(scope, 'cluster', id, cluster);
      return;
    }
  }
  markAvailable(world, scope, cluster);
  world.resources.put(scope, 'cluster', id, cluster);
  for (const n of cluster.nodes) world.event(scope, 'cache-cluster', id, `Added cache node ${n.id} in availability zone ${n.az}`);
  world.event(scope, 'cache-cluster', id, 'Cache cluster created');
  if (cluster.replicationGroupId) finishGroupMembership(world, scope, cluster.replicationGroupId);
}

/**
 * A cluster that was up cannot be placed on its network again (at a restart another program holds one of
 * its published ports): AWS's incompatible-network, its nodes stopped but their ports still its own, so
 * nothing else takes them while the record names them. It can then only be deleted, or come back at a
 * later restart once the port is free.
 */
export async function failPlacement(world: World, scope: Scope, id: string, err: PortInUse): Promise<void> {
  const cluster = world.resources.get(scope, 'cluster', id);
  if (!cluster) return;
  await tearDownCluster(world, scope, cluster);
  for (const port of portsOf('cluster', cluster)) world.runtime.ports.reserve(port);
  const nodes = cluster.nodes.map((n) => n.id).join(', ');
  transition(world, scope, 'cluster', cluster, 'incompatible-network', `Failed to recover cache nodes ${nodes} due to incompatible network state: ${err.message}`);
  world.resources.put(scope, 'cluster', id, cluster);
}

export async function tearDownCluster(world: World, scope: Scope, cluster: ClusterRecord): Promise<void> {
  for (const node of cluster.nodes) await world.runtime.stopNode(scope, cluster.id, node.id, node.port);
  if (cluster.engine === 'memcached') await world.runtime.closeEndpoint(scope, cluster.id, 'configuration');
}

/** Starts only the given nodes (Memcached scale-out) and records their ports. */
export async function bringUpNodes(world: World, scope: Scope, id: string, nodeIds: string[]): Promise<void> {
  const cluster = world.resources.get(scope, 'cluster', id);
  if (!cluster) return;
  const ports = await startMissingNodes(world, scope, cluster, cluster.nodes.filter((n) => nodeIds.includes(n.id)));
  const fresh = world.resources.get(scope, 'cluster', id);
  if (!fresh) return;
  for (const node of fresh.nodes) node.port = ports.get(node.id) ?? node.port;
  world.resources.put(scope, 'cluster', id, fresh);
}

export async function restartNodes(world: World, scope: Scope, cluster: ClusterRecord, nodeIds: string[]): Promise<void> {
  for (const node of cluster.nodes.filter((n) => nodeIds.includes(n.id))) {
    // start() replaces the running engine on the same port: a reboot keeps the endpoint, loses the data.
    node.port = await world.runtime.startNode(scope, cluster, node.id, node.port);
  }
  // A restarted member comes back as what its group says it is: a replica re-syncs from the primary,
  // and the replicas of a restarted primary follow its new (empty) engine, as they would on AWS.
  if (cluster.replicationGroupId) world.runtime.syncGroupRoles(scope, cluster.replicationGroupId);
}
