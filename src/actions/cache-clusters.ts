import type * as ec from '@aws-sdk/client-elasticache';
import { defaultParameterGroup, resolveEngineVersion } from '../catalog/engine-versions.ts';
import { isDataTieringNodeType, isNodeType } from '../catalog/node-types.ts';
import { failover, failoverCandidate } from '../lifecycle/failover.ts';
import { clusterParameters } from '../lifecycle/parameters.ts';
import { finalSnapshot, newSnapshot } from '../lifecycle/snapshots.ts';
import { removeAutomatedSnapshots } from '../lifecycle/automatic-snapshots.ts';
import { bringUpNodes, finishClusterCreate, markAvailable, restartNodes, tearDownCluster } from '../lifecycle/provision.ts';
import { portsOf, removeResource } from '../lifecycle/removal.ts';
import { NODE_STATUS, nodeStatusOf, requireState, servesEndpoints, transition } from '../lifecycle/states.ts';
import { runStep } from '../lifecycle/steps.ts';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { ClusterRecord, NodeRecord, ReplicationGroupRecord, Scope } from '../store/records.ts';
import { CLUSTER_ID_MAX, identifier, intInRange, maintenanceWindow, snapshotWindow } from '../validate/identifiers.ts';
import type { World } from '../world.ts';
import {
  authTokenOf,
  checkNodeQuota,
  classicOnly,
  DEFAULT_MAINTENANCE_WINDOW,
  DEFAULT_SNAPSHOT_WINDOW,
  engineOf,
  engineVersionOf,
  nodeTypeOf,
  transitEncryptionOf,
} from './cluster-options.ts';
import { paginate } from './paginate.ts';
import { checkClusterModeOf, parameterGroupFor } from './parameter-groups.ts';
import { define, type ActionTable } from './registry.ts';
import { finishGroupMembership } from '../lifecycle/groups.ts';
import { requireSubnetGroup, DEFAULT_SUBNET_GROUP } from './subnet-groups.ts';
import { applyCreateTags } from './tags.ts';
import { clusterRequestsChange, CLUSTER_DEFERRED, noModifications, ofAnotherFamily, pendingClusterValues, splitDeferred } from './pending-changes.ts';
import { applyLogDelivery, describeLogDelivery, logDeliveryChanges } from '../validate/log-delivery.ts';
import { engineUpgrade } from '../validate/engine-upgrade.ts';
import { ipDiscoveryOf, networkTypeOf } from '../validate/network.ts';
import { finalSnapshotName, restoreSourceOf } from './snapshots.ts';
import { changeClusterAuthToken, finishClusterAuthToken } from './auth-tokens.ts';
import { describedMode } from './transit-encryption.ts';

export const MAX_MEMCACHED_NODES = 40;
const CLIENT_DOWNLOAD_PAGE = 'https://console.aws.amazon.com/elasticache/home#client-download:';

export const nodeId = (n: number) => String(n).padStart(4, '0');

export function requireCluster(world: World, scope: Scope, id: string | undefined): ClusterRecord {
  if (id === undefined) throw missingParameter('CacheClusterId');
  const cluster = world.resources.get(scope, 'cluster', id.toLowerCase());
  if (!cluster) throw fault('CacheClusterNotFoundFault', `CacheCluster not found: ${id}`);
  return cluster;
}


export function newNodes(world: World, first: number, count: number, zones: string[]): NodeRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    id: nodeId(first + i),
    port: 0,
    status: 'creating',
    az: zones[i % zones.length]!,
    createdAt: world.now(),
  }));
}

/** `address` when the endpoint lives at a loopback alias (a replication group's named endpoint). */
export function endpoint(world: World, port: number, address?: string): ec.Endpoint {
  return { Address: address ?? world.config.endpointHost, Port: port };
}

export function describeCluster(world: World, scope: Scope, c: ClusterRecord, showNodes: boolean): ec.CacheCluster {
  const ready = servesEndpoints(c.status);
  const zones = new Set(c.nodes.map((n) => n.az));
  const group = c.replicationGroupId ? world.resources.get(scope, 'replication-group', c.replicationGroupId) : undefined;
  return {
    CacheClusterId: c.id,
    ConfigurationEndpoint:
      c.engine === 'memcached' && ready && c.configEndpointPort ? endpoint(world, c.configEndpointPort) : undefined,
    ClientDownloadLandingPage: CLIENT_DOWNLOAD_PAGE,
    CacheNodeType: c.nodeType,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    CacheClusterStatus: c.status,
    NumCacheNodes: c.nodes.length,
    PreferredAvailabilityZone: zones.size > 1 ? 'Multiple' : c.preferredAz,
    CacheClusterCreateTime: new Date(c.createdAt),
    PreferredMaintenanceWindow: c.maintenanceWindow,
    PendingModifiedValues: pendingClusterValues(c, group),
    NotificationConfiguration: c.notificationTopicArn ? { TopicArn: c.notificationTopicArn, TopicStatus: 'active' } : undefined,
    CacheSecurityGroups: [],
    CacheParameterGroup: {
      CacheParameterGroupName: c.parameterGroup,
      ParameterApplyStatus: c.nodesToReboot?.length ? 'pending-reboot' : 'in-sync',
      CacheNodeIdsToReboot: c.nodesToReboot ?? [],
    },
    CacheSubnetGroupName: c.subnetGroup,
    CacheNodes: showNodes
      ? c.nodes.map((n) => ({
          CacheNodeId: n.id,
          CacheNodeStatus: nodeStatusOf(c.status, n.status),
          CacheNodeCreateTime: new Date(n.createdAt),
          Endpoint: ready && n.port ? endpoint(world, n.port) : undefined,
          ParameterGroupStatus: c.nodesToReboot?.includes(n.id) ? 'pending-reboot' : 'in-sync',
          CustomerAvailabilityZone: n.az,
        }))
      : undefined,
    AutoMinorVersionUpgrade: c.autoMinorVersionUpgrade,
    SecurityGroups: c.securityGroupIds.map((id) => ({ SecurityGroupId: id, Status: 'active' })),
    ReplicationGroupId: c.replicationGroupId,
    SnapshotRetentionLimit: c.engine === 'memcached' ? undefined : c.snapshotRetentionLimit,
    SnapshotWindow: c.engine === 'memcached' ? undefined : c.snapshotWindow,
    AuthTokenEnabled: c.authToken !== undefined,
    AuthTokenLastModifiedDate: c.authTokenLastModified ? new Date(c.authTokenLastModified) : undefined,
    TransitEncryptionEnabled: c.transitEncryption,
    AtRestEncryptionEnabled: c.atRestEncryption,
    ARN: world.arn(scope, 'cluster', c.id),
    // A group's member says that its group delivers logs and lists none of its own: the provider's
    // aws_elasticache_cluster (log_delivery_configuration optional, not computed) would otherwise plan to remove the
    // group's from every replica it added, and the modify that follows is refused.
    ReplicationGroupLogDeliveryEnabled: (group?.logDelivery?.length ?? 0) > 0,
    LogDeliveryConfigurations: describeLogDelivery(group ? [] : c.logDelivery),
    NetworkType: c.networkType as ec.NetworkType,
    IpDiscovery: c.ipDiscovery as ec.IpDiscovery,
    TransitEncryptionMode: describedMode(c),
  };
}

async function finishDelete(world: World, scope: Scope, id: string): Promise<void> {
  const cluster = world.resources.get(scope, 'cluster', id);
  if (!cluster) return;
  if (cluster.finalSnapshot) await finalSnapshot(world, scope, newSnapshot(world, scope, cluster.finalSnapshot, 'manual', undefined, cluster));
  // A member's automated snapshots are its group's, and go with the group.
  if (!cluster.replicationGroupId) removeAutomatedSnapshots(world, scope, { clusterId: id });
  await tearDownCluster(world, scope, cluster);
  removeResource(world, scope, 'cluster', id, 'Cache cluster deleted');
  if (cluster.replicationGroupId) {
    const group = world.resources.get(scope, 'replication-group', cluster.replicationGroupId);
    if (group) {
      group.memberClusters = group.memberClusters.filter((m) => m !== id);
      world.resources.put(scope, 'replication-group', group.id, group);
      finishGroupMembership(world, scope, group.id);
    }
  }
}

function zonesFor(world: World, scope: Scope, subnetGroup: string, input: ec.CreateCacheClusterMessage, count: number): string[] {
  const subnetZones = [...new Set(requireSubnetGroup(world, scope, subnetGroup).subnets.map((s) => s.az))];
  const preferred = input.PreferredAvailabilityZones ?? (input.PreferredAvailabilityZone ? [input.PreferredAvailabilityZone] : []);
  for (const az of preferred) {
    if (!az.startsWith(scope.region)) throw invalidValue(`Invalid availability zone ${az} for region ${scope.region}.`);
  }
  if (input.PreferredAvailabilityZones && input.PreferredAvailabilityZones.length !== count) {
    throw invalidValue('The number of PreferredAvailabilityZones must equal NumCacheNodes.');
  }
  if (preferred.length > 0) return preferred;
  return input.AZMode === 'cross-az' ? subnetZones : [subnetZones[0]!];
}

/**
 * What a replica cluster (CreateCacheCluster with ReplicationGroupId) may not name: it takes all of it from its group.
 * AWS refuses even Engine redis or NumCacheNodes 1 (the SDK issues of 2014: aws-sdk-js 255, boto 2180) and log delivery
 * (terraform-aws-modules/elasticache PR 10); the provider's ConflictsWith on replication_group_id lists the rest.
 * Availability zone, tags, AutoMinorVersionUpgrade and TransitEncryptionEnabled stay allowed (the provider sends the last
 * two for its documented read replica example).
 */
const REPLICA_CLUSTER_REFUSES = [
  'Engine', 'EngineVersion', 'CacheNodeType', 'NumCacheNodes', 'CacheParameterGroupName', 'Port', 'SecurityGroupIds',
  'CacheSubnetGroupName', 'SnapshotArns', 'SnapshotName', 'SnapshotRetentionLimit', 'SnapshotWindow',
  'PreferredMaintenanceWindow', 'NotificationTopicArn', 'AZMode', 'LogDeliveryConfigurations', 'AuthToken',
] as const satisfies readonly (keyof ec.CreateCacheClusterMessage)[];

function checkReplicaClusterInput(input: ec.CreateCacheClusterMessage): void {
  const named = REPLICA_CLUSTER_REFUSES.some((k) => {
    const value: unknown = input[k];
    return value !== undefined && !(Array.isArray(value) && value.length === 0);
  });
  if (named) throw invalidCombination('Cannot specify additional cache cluster parameters when creating a replica cluster');
}

function createCacheCluster(input: ec.CreateCacheClusterMessage, world: World, scope: Scope): ec.CreateCacheClusterResult {
  const id = identifier(input.CacheClusterId, 'CacheClusterId', CLUSTER_ID_MAX);
  if (input.ReplicationGroupId !== undefined) checkReplicaClusterInput(input);
  const group = input.ReplicationGroupId
    ? world.resources.get(scope, 'replication-group', input.ReplicationGroupId.toLowerCase())
    : undefined;
  if (input.ReplicationGroupId && !group) {
    throw fault('ReplicationGroupNotFoundFault', `Replication group ${input.ReplicationGroupId} not found.`);
  }
  const primary = group ? world.resources.get(scope, 'cluster', group.primaryClusterId) : undefined;
  if (group) requireState('replication-group', group, 'members');
  if (group?.shards) {
    throw invalidCombination(
      `Cannot add cache cluster ${input.CacheClusterId} to the cluster mode enabled replication group ${group.id}: use IncreaseReplicaCount or ModifyReplicationGroupShardConfiguration.`,
    );
  }
  if (input.CacheNodeType !== undefined && isDataTieringNodeType(input.CacheNodeType)) {
    throw invalidCombination(`The node type ${input.CacheNodeType} uses data tiering, which is only supported for replication groups.`);
  }
  if (input.CacheSecurityGroupNames?.length) throw classicOnly();
  const engine = engineOf(input.Engine, group?.engine ?? 'redis');
  if (input.Engine === undefined && !group) throw missingParameter('Engine');
  const version = engineVersionOf(engine, input.EngineVersion ?? group?.engineVersion);
  const nodeType = input.CacheNodeType === undefined && group ? group.nodeType : nodeTypeOf(input.CacheNodeType);
  const numNodes = input.NumCacheNodes ?? (engine === 'memcached' ? undefined : 1);
  if (numNodes === undefined) throw missingParameter('NumCacheNodes');
  if (engine === 'memcached') {
    intInRange(numNodes, 'NumCacheNodes', 1, MAX_MEMCACHED_NODES);
    if (input.AuthToken !== undefined) throw invalidCombination('AuthToken is not supported for Memcached.');
  } else if (numNodes !== 1) {
    throw invalidValue(`Cannot create a ${engine === 'valkey' ? 'Valkey' : 'Redis'} cluster with a NumCacheNodes parameter greater than 1.`);
  }
  if (!group && engine !== 'memcached' && input.CacheParameterGroupName !== undefined) {
    checkClusterModeOf(world, scope, parameterGroupFor(world, scope, input.CacheParameterGroupName, version), false);
  }
  const restoreFrom = group ? undefined : restoreSourceOf(world, scope, input.SnapshotName, input.SnapshotArns, engine);
  if (input.AZMode !== undefined && input.AZMode !== 'single-az' && input.AZMode !== 'cross-az') {
    throw invalidValue(`Invalid value for AZMode: ${input.AZMode}`);
  }
  if (input.AZMode === 'cross-az' && engine !== 'memcached') {
    throw invalidCombination('AZMode cross-az is only supported for Memcached clusters.');
  }
  const subnetGroup = (input.CacheSubnetGroupName ?? primary?.subnetGroup ?? DEFAULT_SUBNET_GROUP).toLowerCase();
  const zones = zonesFor(world, scope, subnetGroup, input, numNodes);
  const transit = group ? group.transitEncryption : transitEncryptionOf(engine, input.TransitEncryptionEnabled, version);
  const requestedPort = intInRange(input.Port, 'Port', 1, 65535);
  const nodes = newNodes(world, 1, numNodes, zones);
  const networkType = networkTypeOf(input.NetworkType, engine, version.version);
  if (engine !== 'memcached' && requestedPort) nodes[0]!.port = requestedPort;
  const record: ClusterRecord = {
    id,
    engine,
    engineVersion: version.version,
    nodeType,
    status: 'creating',
    nodes,
    azMode: input.AZMode === 'cross-az' ? 'cross-az' : 'single-az',
    preferredAz: zones[0]!,
    subnetGroup,
    securityGroupIds: input.SecurityGroupIds ?? primary?.securityGroupIds ?? [],
    parameterGroup: input.CacheParameterGroupName
      ? parameterGroupFor(world, scope, input.CacheParameterGroupName, version)
      : (primary?.parameterGroup ?? defaultParameterGroup(version)),
    replicationGroupId: group?.id,
    transitEncryption: transit,
    atRestEncryption: group?.atRestEncryption ?? false,
    authToken: group ? primary?.authToken : authTokenOf(input.AuthToken, transit),
    authTokenLastModified: input.AuthToken ? world.now() : undefined,
    snapshotRetentionLimit: intInRange(input.SnapshotRetentionLimit, 'SnapshotRetentionLimit', 0, 35) ?? 0,
    snapshotWindow: snapshotWindow(input.SnapshotWindow) ?? DEFAULT_SNAPSHOT_WINDOW,
    maintenanceWindow: maintenanceWindow(input.PreferredMaintenanceWindow) ?? DEFAULT_MAINTENANCE_WINDOW,
    autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
    notificationTopicArn: input.NotificationTopicArn,
    networkType,
    ipDiscovery: ipDiscoveryOf(input.IpDiscovery, networkType),
    pending: {},
    logDelivery: applyLogDelivery(undefined, logDeliveryChanges(engine, version.version, input.LogDeliveryConfigurations)),
    restoreFrom,
    configVersion: engine === 'memcached' ? 1 : undefined,
    // A requested Port is where the configuration endpoint (Memcached) or the node (Redis) listens, if free.
    configEndpointPort: engine === 'memcached' ? requestedPort : undefined,
    createdAt: world.now(),
  };
  checkNodeQuota(world, scope, record.nodes.length);
  // The ports are taken now, so a create the port range cannot serve is refused before anything exists.
  claimClusterPorts(world, record);
  try {
    world.resources.transaction(() => {
      if (!world.resources.insert(scope, 'cluster', id, record)) {
        throw fault('CacheClusterAlreadyExistsFault', `Cache cluster ${id} already exists.`);
      }
      applyCreateTags(world, world.arn(scope, 'cluster', id), input.Tags);
      if (group) {
        group.memberClusters.push(id);
        transition(world, scope, 'replication-group', group, 'modifying');
        world.resources.put(scope, 'replication-group', group.id, group);
      }
    });
  } catch (err) {
    world.runtime.ports.release(...portsOf('cluster', record));
    throw err;
  }
  runStep(world, scope, 'cluster', id, () => finishClusterCreate(world, scope, id));
  return { CacheCluster: describeCluster(world, scope, record, false) };
}

/** Node ports (and a Memcached configuration endpoint's) from the range; a requested Port is the node's own. */
function claimClusterPorts(world: World, record: ClusterRecord): void {
  const wanted = record.nodes.filter((n) => n.port === 0);
  const needsConfig = record.engine === 'memcached' && !record.configEndpointPort;
  const claimed = world.runtime.ports.claim(wanted.length + (needsConfig ? 1 : 0));
  wanted.forEach((n, i) => (n.port = claimed[i]!));
  if (needsConfig) record.configEndpointPort = claimed.at(-1) || undefined;
  for (const n of record.nodes) world.runtime.ports.reserve(n.port);
  if (record.configEndpointPort) world.runtime.ports.reserve(record.configEndpointPort);
}

/**
 * Which members of a group DeleteCacheCluster may remove, as AWS words the refusals: none of a cluster
 * mode enabled group (shards change through their own actions), not the last one, and not the only
 * replica while automatic failover is on.
 */
function checkMemberDeletable(group: ReplicationGroupRecord, id: string): void {
  if (group.shards) {
    throw fault(
      'InvalidCacheClusterStateFault',
      `Cannot delete the cache cluster because it is part of the cluster mode enabled replication group ${group.id}. Use DecreaseReplicaCount or ModifyReplicationGroupShardConfiguration instead.`,
    );
  }
  if (group.memberClusters.length <= 1) {
    throw fault('InvalidCacheClusterStateFault', 'Cannot delete the cache cluster since it is the only member of a replication group. Delete the replication group instead.');
  }
  if (group.primaryClusterId === id) {
    throw fault('InvalidCacheClusterStateFault', `Cannot delete the primary cluster ${id} of replication group ${group.id}. Delete the replication group instead.`);
  }
  if (group.automaticFailover && group.memberClusters.length === 2) {
    throw fault(
      'InvalidCacheClusterStateFault',
      `Cannot delete the cache cluster because it is the only read replica for replication group ${group.id} which has autofailover enabled or pending. You can disable autofailover and then delete this cache cluster. Alternatively, to delete the entire replication group, use DeleteReplicationGroup.`,
    );
  }
}

function clusterModeOf(world: World, scope: Scope, cluster: ClusterRecord): boolean {
  const group = cluster.replicationGroupId ? world.resources.get(scope, 'replication-group', cluster.replicationGroupId) : undefined;
  return group?.shards !== undefined;
}

interface ClusterPlan {
  restart: boolean;
  addedNodes: string[];
  removedNodes: NodeRecord[];
  parametersChanged: boolean;
}

function checkNewZones(scope: Scope, zones: string[] | undefined, adding: number): void {
  if (zones === undefined) return;
  for (const az of zones) {
    if (!az.startsWith(scope.region)) throw invalidValue(`Invalid availability zone ${az} for region ${scope.region}.`);
  }
  if (adding <= 0) throw invalidCombination('NewAvailabilityZones can only be used when adding cache nodes.');
  if (zones.length !== adding) {
    throw invalidValue(`The number of NewAvailabilityZones (${zones.length}) must equal the number of cache nodes being added (${adding}).`);
  }
}

/** Checks a modify and makes its changes on `cluster` (a record in memory): nothing outside it changes. */
function planClusterChange(world: World, scope: Scope, cluster: ClusterRecord, input: ec.ModifyCacheClusterMessage): ClusterPlan {
  const plan: ClusterPlan = { restart: false, addedNodes: [], removedNodes: [], parametersChanged: false };
  if (input.CacheSecurityGroupNames?.length) throw classicOnly();
  if (input.NumCacheNodes !== undefined && input.NumCacheNodes !== cluster.nodes.length) {
    if (cluster.engine !== 'memcached') {
      throw invalidValue(`Cannot modify a ${cluster.engine} cluster to have a NumCacheNodes parameter other than 1.`);
    }
    intInRange(input.NumCacheNodes, 'NumCacheNodes', 1, MAX_MEMCACHED_NODES);
    const toRemove = input.CacheNodeIdsToRemove ?? [];
    checkNewZones(scope, input.NewAvailabilityZones, input.NumCacheNodes - cluster.nodes.length);
    if (input.NumCacheNodes < cluster.nodes.length) {
      if (toRemove.length !== cluster.nodes.length - input.NumCacheNodes) {
        throw invalidValue('The number of cache node ids to remove must equal the difference between the current and requested number of nodes.');
      }
      for (const nid of toRemove) {
        if (!cluster.nodes.some((n) => n.id === nid)) throw invalidValue(`Cache node ${nid} not found in cluster ${cluster.id}.`);
      }
      plan.removedNodes = cluster.nodes.filter((n) => toRemove.includes(n.id));
      cluster.nodes = cluster.nodes.filter((n) => !toRemove.includes(n.id));
    } else {
      if (toRemove.length > 0) throw invalidCombination('CacheNodeIdsToRemove can only be used when reducing NumCacheNodes.');
      const highest = Math.max(0, ...cluster.nodes.map((n) => Number(n.id)));
      const zones = input.NewAvailabilityZones ?? [...new Set(cluster.nodes.map((n) => n.az))];
      checkNodeQuota(world, scope, input.NumCacheNodes - cluster.nodes.length);
      world.runtime.ports.requireFree(input.NumCacheNodes - cluster.nodes.length);
      const nodes = newNodes(world, highest + 1, input.NumCacheNodes - cluster.nodes.length, zones);
      cluster.nodes.push(...nodes);
      plan.addedNodes.push(...nodes.map((n) => n.id));
    }
    cluster.configVersion = (cluster.configVersion ?? 1) + 1;
  } else if (input.CacheNodeIdsToRemove?.length) {
    throw invalidCombination('CacheNodeIdsToRemove requires NumCacheNodes to be reduced accordingly.');
  } else if (input.NewAvailabilityZones?.length) {
    checkNewZones(scope, input.NewAvailabilityZones, 0);
  }
  if (input.CacheNodeType !== undefined && input.CacheNodeType !== cluster.nodeType) {
    if (!isNodeType(input.CacheNodeType)) throw invalidValue(`Invalid CacheNodeType: ${input.CacheNodeType}`);
    if (cluster.engine === 'memcached') throw invalidCombination('Memcached clusters cannot change node type in place.');
    cluster.nodeType = input.CacheNodeType;
    plan.restart = true;
  }
  const upgrade = engineUpgrade(
    { engine: cluster.engine, engineVersion: cluster.engineVersion, parameterGroup: cluster.parameterGroup, inReplicationGroup: cluster.replicationGroupId !== undefined },
    input.Engine,
    input.EngineVersion,
    input.CacheParameterGroupName,
  );
  if (upgrade) {
    cluster.engine = upgrade.target.engine;
    cluster.engineVersion = upgrade.target.version;
    if (upgrade.parameterGroup) cluster.parameterGroup = upgrade.parameterGroup;
    plan.restart = true;
    plan.parametersChanged = true;
  }
  // ROTATE / SET / DELETE reach the running nodes in place (commitClusterChange): no restart, no data lost.
  changeClusterAuthToken(cluster, input, world.now());
  if (input.SecurityGroupIds) cluster.securityGroupIds = input.SecurityGroupIds;
  if (input.CacheParameterGroupName) {
    const version = resolveEngineVersion(cluster.engine, cluster.engineVersion)!;
    cluster.parameterGroup = parameterGroupFor(world, scope, input.CacheParameterGroupName, version);
    if (cluster.engine !== 'memcached') checkClusterModeOf(world, scope, cluster.parameterGroup, clusterModeOf(world, scope, cluster));
    plan.parametersChanged = true;
  }
  if (input.LogDeliveryConfigurations) {
    cluster.logDelivery = applyLogDelivery(cluster.logDelivery, logDeliveryChanges(cluster.engine, cluster.engineVersion, input.LogDeliveryConfigurations));
  }
  if (input.IpDiscovery !== undefined) cluster.ipDiscovery = ipDiscoveryOf(input.IpDiscovery, cluster.networkType);
  if (input.PreferredMaintenanceWindow) cluster.maintenanceWindow = maintenanceWindow(input.PreferredMaintenanceWindow)!;
  if (input.SnapshotRetentionLimit !== undefined) {
    cluster.snapshotRetentionLimit = intInRange(input.SnapshotRetentionLimit, 'SnapshotRetentionLimit', 0, 35)!;
  }
  if (input.SnapshotWindow) cluster.snapshotWindow = snapshotWindow(input.SnapshotWindow)!;
  if (input.AutoMinorVersionUpgrade !== undefined) cluster.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
  if (input.NotificationTopicArn !== undefined) cluster.notificationTopicArn = input.NotificationTopicArn || undefined;
  return plan;
}

function commitClusterChange(world: World, scope: Scope, cluster: ClusterRecord, plan: ClusterPlan): void {
  finishClusterAuthToken(world, scope, cluster);
  const changesNodes = plan.restart || plan.addedNodes.length > 0 || plan.removedNodes.length > 0;
  if (changesNodes) transition(world, scope, 'cluster', cluster, 'modifying');
  world.resources.put(scope, 'cluster', cluster.id, cluster);
  if (plan.parametersChanged) world.runtime.applyParameters(scope, cluster, clusterParameters(world.resources, scope, cluster.parameterGroup));
  const id = cluster.id;
  if (!changesNodes) {
    world.event(scope, 'cache-cluster', id, 'Cache cluster modified');
    return;
  }
  const { addedNodes, removedNodes, restart } = plan;
  runStep(world, scope, 'cluster', id, async () => {
    for (const n of removedNodes) {
      await world.runtime.stopNode(scope, id, n.id, n.port);
      world.event(scope, 'cache-cluster', id, `Removed cache node ${n.id}`);
    }
    if (addedNodes.length) await bringUpNodes(world, scope, id, addedNodes);
    const fresh = world.resources.get(scope, 'cluster', id);
    if (!fresh) return;
    if (restart) await restartNodes(world, scope, fresh, fresh.nodes.map((n) => n.id));
    for (const n of fresh.nodes) {
      if (addedNodes.includes(n.id)) world.event(scope, 'cache-cluster', id, `Added cache node ${n.id} in availability zone ${n.az}`);
    }
    markAvailable(world, scope, fresh, 'Cache cluster modified');
    world.resources.put(scope, 'cluster', id, fresh);
  });
}

/**
 * ModifyCacheCluster: the whole request (deferred parts included) is checked on a copy first, so a bad
 * field anywhere refuses it before anything changes; then the immediate part is applied and the rest
 * waits in PendingModifiedValues for the maintenance window.
 */
export function modifyCacheCluster(input: ec.ModifyCacheClusterMessage, world: World, scope: Scope): ec.ModifyCacheClusterResult {
  const cluster = requireCluster(world, scope, input.CacheClusterId);
  requireState('cluster', cluster, 'modify');
  if (!clusterRequestsChange(input, cluster) && !(input.ApplyImmediately && cluster.deferred)) throw noModifications();
  const { apply, deferred } = splitDeferred(input, CLUSTER_DEFERRED, cluster.deferred, world.now(), (name) =>
    ofAnotherFamily(world, scope, name, cluster.engine, cluster.engineVersion),
  );
  planClusterChange(world, scope, structuredClone(cluster), { ...apply, ...deferred?.request } as ec.ModifyCacheClusterMessage);
  const plan = planClusterChange(world, scope, cluster, apply);
  const newlyDeferred = deferred !== undefined && deferred !== cluster.deferred;
  cluster.deferred = deferred;
  if (newlyDeferred) world.event(scope, 'cache-cluster', cluster.id, 'Modifications pending for the next maintenance window');
  commitClusterChange(world, scope, cluster, plan);
  return { CacheCluster: describeCluster(world, scope, cluster, false) };
}

export const cacheClusterActions: ActionTable = {
  CreateCacheCluster: define<ec.CreateCacheClusterMessage, ec.CreateCacheClusterResult>((input, { world, scope }) =>
    createCacheCluster(input, world, scope),
  ),

  DescribeCacheClusters: define<ec.DescribeCacheClustersMessage, ec.CacheClusterMessage>((input, { world, scope }) => {
    let clusters: ClusterRecord[];
    if (input.CacheClusterId !== undefined) {
      clusters = [requireCluster(world, scope, input.CacheClusterId)];
    } else {
      clusters = world.resources.list(scope, 'cluster');
      if (input.ShowCacheClustersNotInReplicationGroups) clusters = clusters.filter((c) => !c.replicationGroupId);
    }
    const { page, marker } = paginate(clusters, input.MaxRecords, input.Marker);
    return { Marker: marker, CacheClusters: page.map((c) => describeCluster(world, scope, c, input.ShowCacheNodeInfo ?? false)) };
  }),

  ModifyCacheCluster: define<ec.ModifyCacheClusterMessage, ec.ModifyCacheClusterResult>((input, { world, scope }) =>
    modifyCacheCluster(input, world, scope),
  ),

  DeleteCacheCluster: define<ec.DeleteCacheClusterMessage, ec.DeleteCacheClusterResult>((input, { world, scope }) => {
    const cluster = requireCluster(world, scope, input.CacheClusterId);
    if (cluster.status === 'deleting') {
      throw fault('InvalidCacheClusterStateFault', `Cache cluster ${cluster.id} is already being deleted.`);
    }
    requireState('cluster', cluster, 'delete');
    const group = cluster.replicationGroupId ? world.resources.get(scope, 'replication-group', cluster.replicationGroupId) : undefined;
    if (group) checkMemberDeletable(group, cluster.id);
    cluster.finalSnapshot = finalSnapshotName(world, scope, input.FinalSnapshotIdentifier, cluster.engine);
    transition(world, scope, 'cluster', cluster, 'deleting');
    for (const n of cluster.nodes) n.status = NODE_STATUS.deleting;
    world.resources.put(scope, 'cluster', cluster.id, cluster);
    world.later(() => finishDelete(world, scope, cluster.id));
    return { CacheCluster: describeCluster(world, scope, cluster, false) };
  }),

  RebootCacheCluster: define<ec.RebootCacheClusterMessage, ec.RebootCacheClusterResult>((input, { world, scope }) => {
    const cluster = requireCluster(world, scope, input.CacheClusterId);
    requireState('cluster', cluster, 'reboot');
    if (clusterModeOf(world, scope, cluster)) {
      throw invalidCombination(
        `Cache cluster ${cluster.id} belongs to the cluster mode enabled replication group ${cluster.replicationGroupId}: rebooting its nodes is not supported; use TestFailover.`,
      );
    }
    const ids = input.CacheNodeIdsToReboot;
    if (!ids || ids.length === 0) throw missingParameter('CacheNodeIdsToReboot');
    for (const nid of ids) {
      if (!cluster.nodes.some((n) => n.id === nid)) throw invalidValue(`Cache node ${nid} not found in cluster ${cluster.id}.`);
    }
    transition(world, scope, 'cluster', cluster, 'rebooting cache cluster nodes');
    for (const n of cluster.nodes) if (ids.includes(n.id)) n.status = NODE_STATUS.rebooting;
    world.resources.put(scope, 'cluster', cluster.id, cluster);
    runStep(world, scope, 'cluster', cluster.id, async () => {
      const fresh = world.resources.get(scope, 'cluster', cluster.id);
      if (!fresh) return;
      // Losing the primary of a group with automatic failover promotes a replica, as Multi-AZ does.
      const group = fresh.replicationGroupId ? world.resources.get(scope, 'replication-group', fresh.replicationGroupId) : undefined;
      const candidate = group?.automaticFailover ? failoverCandidate(world, scope, group.id, fresh.id) : undefined;
      if (group && candidate) await failover(world, scope, group.id, candidate);
      else await restartNodes(world, scope, fresh, ids);
      const after = world.resources.get(scope, 'cluster', cluster.id);
      if (!after) return;
      markAvailable(world, scope, after);
      after.nodesToReboot = after.nodesToReboot?.filter((n) => !ids.includes(n));
      world.resources.put(scope, 'cluster', after.id, after);
      for (const nid of ids) world.event(scope, 'cache-cluster', after.id, `Cache node ${nid} restarted`);
    });
    return { CacheCluster: describeCluster(world, scope, cluster, false) };
  }),
};
