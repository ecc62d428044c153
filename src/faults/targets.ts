import type { CacheNode, NetworkFaults, RedisNode } from '../../engines/redis/index.ts';
import type { EndpointRole } from '../lifecycle/runtime.ts';
import type { ClusterRecord, ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { FaultRequestError } from './types.ts';

/** One cache node a fault touches. */
export interface TargetNode {
  clusterId: string;
  nodeId: string;
  key: string;
  az: string;
  cluster: ClusterRecord;
  group?: ReplicationGroupRecord;
}

export const nodeName = (n: TargetNode) => `${n.clusterId}/${n.nodeId}`;

/** Which members of a replication group a fault on the whole group touches. */
export type GroupPick = 'primaries' | 'replicas' | 'all';

function shardsOf(group: ReplicationGroupRecord): { primary: string; members: string[] }[] {
  if (group.shards) return group.shards.map((s) => ({ primary: s.primaryClusterId, members: s.members }));
  return [{ primary: group.primaryClusterId, members: group.memberClusters }];
}

function nodesOf(world: World, scope: Scope, cluster: ClusterRecord, nodeId?: string): TargetNode[] {
  const group = cluster.replicationGroupId ? world.resources.get(scope, 'replication-group', cluster.replicationGroupId) : undefined;
  return cluster.nodes
    .filter((n) => nodeId === undefined || n.id === nodeId)
    .map((n) => ({ clusterId: cluster.id, nodeId: n.id, key: world.runtime.nodeKey(scope, cluster.id, n.id), az: n.az, cluster, group }));
}

/** `<cache cluster id>[/<node id>]` or a replication group id, as the nodes it names. */
export function resolveNodes(world: World, scope: Scope, target: string, pick: GroupPick): TargetNode[] {
  const [clusterId, nodeId, extra] = target.split('/');
  if (extra !== undefined || !clusterId) throw new FaultRequestError(`target ${target} is not <cache cluster id>[/<node id>]`);
  const cluster = world.resources.get(scope, 'cluster', clusterId);
  if (cluster) {
    const nodes = nodesOf(world, scope, cluster, nodeId);
    if (nodes.length === 0) throw new FaultRequestError(`cache cluster ${clusterId} has no node ${nodeId}`);
    return nodes;
  }
  const group = nodeId === undefined ? world.resources.get(scope, 'replication-group', target) : undefined;
  if (!group) throw new FaultRequestError(`no cache cluster or replication group ${target} in ${scope.account}/${scope.region}`);
  const ids = shardsOf(group).flatMap((s) =>
    pick === 'all' ? s.members : pick === 'primaries' ? [s.primary] : s.members.filter((m) => m !== s.primary),
  );
  return ids.flatMap((id) => {
    const c = world.resources.get(scope, 'cluster', id);
    return c ? nodesOf(world, scope, c) : [];
  });
}

/** Every node in an availability zone. */
export function nodesInAz(world: World, scope: Scope, az: string): TargetNode[] {
  return world.resources.list(scope, 'cluster').flatMap((c) => nodesOf(world, scope, c).filter((n) => n.az === az));
}

/** The running node (either engine), or a 400 naming why the fault cannot reach it. */
export function nodeOf(world: World, node: TargetNode, action: string): CacheNode {
  const server = world.runtime.nodes.node(node.key);
  if (!server) throw new FaultRequestError(`${action}: node ${nodeName(node)} is not running`);
  return server;
}

/** The running Redis server of a node, or a 400 naming why the fault cannot reach it. */
export function redisOf(world: World, node: TargetNode, action: string): RedisNode {
  const server = world.runtime.nodes.redisNode(node.key);
  if (!server) {
    const why = node.cluster.engine === 'redis' ? 'is not running' : `is a ${node.cluster.engine} node (Redis nodes only)`;
    throw new FaultRequestError(`${action}: node ${nodeName(node)} ${why}`);
  }
  return server;
}

/** The shard primary of a group member, and whether the node is that primary. */
export function shardPrimary(group: ReplicationGroupRecord, clusterId: string): string | undefined {
  return shardsOf(group).find((s) => s.members.includes(clusterId))?.primary;
}

const ENDPOINT_ROLES: readonly EndpointRole[] = ['primary', 'reader', 'configuration'];

/** Where network faults land: a node's port, or an endpoint's (only connections made through it). */
export interface NetworkPoint {
  name: string;
  network: NetworkFaults;
  resetConnections(): number;
  event(message: string): void;
}

/**
 * `<group id>/primary`, `<group id>/reader`, `<group id>/configuration` (cluster mode) or
 * `<memcached cluster id>/configuration` as the endpoint it names; undefined for other targets.
 */
export function resolveEndpoint(world: World, scope: Scope, target: string, action: string): NetworkPoint | undefined {
  const [owner, role, extra] = target.split('/');
  if (!owner || extra !== undefined || !(ENDPOINT_ROLES as readonly string[]).includes(role ?? '')) return undefined;
  const group = world.resources.get(scope, 'replication-group', owner);
  const cluster = group ? undefined : world.resources.get(scope, 'cluster', owner);
  if (!group && !cluster) throw new FaultRequestError(`no replication group or cache cluster ${owner} in ${scope.account}/${scope.region}`);
  const proxy = world.runtime.endpoint(scope, owner, role as EndpointRole);
  if (!proxy) throw new FaultRequestError(`${action}: ${owner} has no ${role} endpoint open`);
  return {
    name: target,
    network: proxy.network,
    resetConnections: () => proxy.resetConnections(),
    event: (message) => world.event(scope, group ? 'replication-group' : 'cache-cluster', owner, message),
  };
}
