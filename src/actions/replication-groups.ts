import type * as ec from '@aws-sdk/client-elasticache';
import { compareVersions, defaultParameterGroup, resolveEngineVersion } from '../catalog/engine-versions.ts';
import { isDataTieringNodeType, isNodeType } from '../catalog/node-types.ts';
import { failMembers, finishGroupCreate, finishGroupDelete } from '../lifecycle/groups.ts';
import { namedEndpointRole, releasePortsOf, reservePortsOf } from '../lifecycle/removal.ts';
import { requireState, servesEndpoints, transition } from '../lifecycle/states.ts';
import { runStep } from '../lifecycle/steps.ts';
import { clusterParameters } from '../lifecycle/parameters.ts';
import { restartNodes } from '../lifecycle/provision.ts';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { ClusterRecord, ReplicationGroupRecord, Scope } from '../store/records.ts';
import { GROUP_ID_MAX, identifier, intInRange, maintenanceWindow, snapshotWindow } from '../validate/identifiers.ts';
import type { World } from '../world.ts';
import { endpoint, newNodes } from './cache-clusters.ts';
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
import { clusterEnabledIn, parameterGroupFor } from './parameter-groups.ts';
import { getParameterGroup } from '../lifecycle/parameters.ts';
import { formatSlots, planShards, wantsClusterMode } from '../validate/shards.ts';
import { define, type ActionTable } from './registry.ts';
import { DEFAULT_SUBNET_GROUP, requireSubnetGroup } from './subnet-groups.ts';
import { applyCreateTags } from './tags.ts';
import { modifyUserGroupLinks, userGroupsForCreate } from './user-group-links.ts';
import { globalPrimaryGroup, joinAsSecondary, leaveGlobal, requireGlobal, secondaryShardLayout } from './global-datastores.ts';
import { finalSnapshotName, restoreSourceOf } from './snapshots.ts';
import { giveOwnParameterGroup } from './global-parameter-groups.ts';
import { deferGroupChanges, pendingGroupValues } from './pending-changes.ts';
import { applyLogDelivery, describeLogDelivery, logDeliveryChanges } from '../validate/log-delivery.ts';
import { engineUpgrade } from '../validate/engine-upgrade.ts';
import { ipDiscoveryOf, networkTypeOf } from '../validate/network.ts';
import { changeGroupAuthToken } from './auth-tokens.ts';
import { changeGroupTransit, describedMode, finishSecurityChanges, inFlightGroupValues, transitModeOf } from './transit-encryption.ts';

const MAX_CLUSTERS_PER_GROUP = 6;
const MAX_REPLICAS = 5;

export const memberId = (groupId: string, n: number) => `${groupId}-${String(n).padStart(3, '0')}`;

export function requireGroup(world: World, scope: Scope, id: string | undefined): ReplicationGroupRecord {
  if (id === undefined) throw missingParameter('ReplicationGroupId');
  const group = world.resources.get(scope, 'replication-group', id.toLowerCase());
  if (!group) throw fault('ReplicationGroupNotFoundFault', `ReplicationGroup not found: ${id}`);
  return group;
}

export function requireAvailableGroup(group: ReplicationGroupRecord): void {
  requireState('replication-group', group, 'modify');
}

const enabled = (on: boolean) => (on ? 'enabled' : 'disabled');

export function describeGroup(world: World, scope: Scope, g: ReplicationGroupRecord): ec.ReplicationGroup {
  const ready = servesEndpoints(g.status);
  const shardStatus = ready ? 'available' : g.status;
  const members = g.memberClusters
    .map((id) => world.resources.get(scope, 'cluster', id))
    .filter((c): c is ClusterRecord => c !== undefined);
  const addressOf = (role: 'primary' | 'configuration') => (namedEndpointRole(g) === role ? g.endpointAddress : undefined);
  return {
    ReplicationGroupId: g.id,
    Description: g.description,
    GlobalReplicationGroupInfo: g.global
      ? { GlobalReplicationGroupId: g.global.id, GlobalReplicationGroupMemberRole: g.global.role === 'primary' ? 'PRIMARY' : 'SECONDARY' }
      : {},
    Status: g.status,
    PendingModifiedValues: {
      AutomaticFailoverStatus: g.pending.automaticFailover === undefined ? undefined : enabled(g.pending.automaticFailover),
      ...pendingGroupValues(g),
      ...inFlightGroupValues(g),
    },
    MemberClusters: g.memberClusters,
    NodeGroups: g.shards
      ? g.shards.map((shard) => ({
          NodeGroupId: shard.id,
          Status: shardStatus,
          Slots: formatSlots(shard.slots),
          PrimaryEndpoint: g.clusterModeCompatible && ready && g.primaryEndpointPort ? endpoint(world, g.primaryEndpointPort, addressOf('primary')) : undefined,
          ReaderEndpoint: g.clusterModeCompatible && ready && g.readerEndpointPort ? endpoint(world, g.readerEndpointPort) : undefined,
          NodeGroupMembers: members
            .filter((c) => shard.members.includes(c.id))
            .map((c) => ({ CacheClusterId: c.id, CacheNodeId: '0001', PreferredAvailabilityZone: c.preferredAz })),
        }))
      : [
          {
            NodeGroupId: '0001',
            Status: shardStatus,
            PrimaryEndpoint: ready && g.primaryEndpointPort ? endpoint(world, g.primaryEndpointPort, addressOf('primary')) : undefined,
            ReaderEndpoint: ready && g.readerEndpointPort ? endpoint(world, g.readerEndpointPort) : undefined,
            NodeGroupMembers: members.map((c) => ({
              CacheClusterId: c.id,
              CacheNodeId: '0001',
              ReadEndpoint: servesEndpoints(c.status) && c.nodes[0]?.port ? endpoint(world, c.nodes[0].port) : undefined,
              PreferredAvailabilityZone: c.preferredAz,
              CurrentRole: c.id === g.primaryClusterId ? 'primary' : 'replica',
            })),
          },
        ],
    SnapshottingClusterId: g.snapshotRetentionLimit > 0 ? (g.memberClusters.find((m) => m !== g.primaryClusterId) ?? g.primaryClusterId) : undefined,
    AutomaticFailover: enabled(g.automaticFailover),
    MultiAZ: enabled(g.multiAZ),
    SnapshotRetentionLimit: g.snapshotRetentionLimit,
    SnapshotWindow: g.snapshotWindow,
    ConfigurationEndpoint:
      g.shards && ready && g.configEndpointPort
        ? endpoint(world, g.configEndpointPort, g.clusterModeCompatible ? g.configEndpointAddress : addressOf('configuration'))
        : undefined,
    ClusterEnabled: g.shards !== undefined,
    CacheNodeType: g.nodeType,
    AuthTokenEnabled: g.authTokenEnabled,
    AuthTokenLastModifiedDate: g.authTokenLastModified ? new Date(g.authTokenLastModified) : undefined,
    TransitEncryptionEnabled: g.transitEncryption,
    AtRestEncryptionEnabled: g.atRestEncryption,
    KmsKeyId: g.kmsKeyId,
    ARN: world.arn(scope, 'replication-group', g.id),
    UserGroupIds: g.userGroupIds,
    LogDeliveryConfigurations: describeLogDelivery(g.logDelivery),
    ReplicationGroupCreateTime: new Date(g.createdAt),
    DataTiering: g.dataTiering,
    AutoMinorVersionUpgrade: g.autoMinorVersionUpgrade,
    NetworkType: g.networkType as ec.NetworkType,
    IpDiscovery: g.ipDiscovery as ec.IpDiscovery,
    TransitEncryptionMode: describedMode(g),
    ClusterMode: g.clusterModeCompatible ? 'compatible' : g.shards ? 'enabled' : 'disabled',
    Engine: g.engine,
  };
}

function clusterCount(input: ec.CreateReplicationGroupMessage): number {
  const fromReplicas = input.ReplicasPerNodeGroup === undefined ? undefined : intInRange(input.ReplicasPerNodeGroup, 'ReplicasPerNodeGroup', 0, MAX_REPLICAS)! + 1;
  const fromClusters = intInRange(input.NumCacheClusters, 'NumCacheClusters', 1, MAX_CLUSTERS_PER_GROUP);
  if (fromReplicas !== undefined && fromClusters !== undefined && fromReplicas !== fromClusters) {
    throw invalidCombination('NumCacheClusters and ReplicasPerNodeGroup describe different numbers of nodes.');
  }
  return fromClusters ?? fromReplicas ?? 1;
}

/**
 * Redis's own port for a group created without Port, as AWS gives it, unless our resources have it at every
 * address (another program holding it moves the endpoint when it is bound).
 */
function defaultEndpointPort(world: World): number {
  const port = world.config.redisDefaultPort;
  return port > 0 && world.runtime.ports.placeFor(port) !== undefined ? port : 0;
}

/**
 * Ports for the endpoints (primary and reader, or cluster mode's configuration endpoint) and every new
 * member's node, from the range; a requested Port keeps its endpoint.
 */
function claimGroupPorts(world: World, group: ReplicationGroupRecord, members: ClusterRecord[]): void {
  const ports = world.runtime.ports;
  const named = group.shards ? group.configEndpointPort : group.primaryEndpointPort;
  const place = named ? ports.placeFor(named) : undefined;
  if (place !== undefined && place !== ports.host) group.endpointAddress = place;
  const slots: ((port: number) => void)[] = members.map((m) => (p: number) => (m.nodes[0]!.port = p));
  if (group.shards) {
    if (!group.configEndpointPort) slots.push((p) => (group.configEndpointPort = p || undefined));
  } else {
    if (!group.primaryEndpointPort) slots.push((p) => (group.primaryEndpointPort = p));
    slots.push((p) => (group.readerEndpointPort = p));
  }
  ports.claim(slots.length).forEach((p, i) => slots[i]!(p));
  reservePortsOf(world, 'replication-group', group);
}

function createReplicationGroup(input: ec.CreateReplicationGroupMessage, world: World, scope: Scope): ec.CreateReplicationGroupResult {
  const id = identifier(input.ReplicationGroupId, 'ReplicationGroupId', GROUP_ID_MAX);
  if (input.ReplicationGroupDescription === undefined) throw missingParameter('ReplicationGroupDescription');
  if (input.ReplicationGroupDescription.trim() === '') {
    throw invalidValue('The parameter ReplicationGroupDescription must be provided and must not be blank.');
  }
  // A secondary of a global datastore takes the engine, version and node type of the datastore.
  const global = input.GlobalReplicationGroupId !== undefined ? requireGlobal(world, scope, input.GlobalReplicationGroupId) : undefined;

  const primary = input.PrimaryClusterId ? world.resources.get(scope, 'cluster', input.PrimaryClusterId.toLowerCase()) : undefined;
  if (input.PrimaryClusterId && !primary) throw fault('CacheClusterNotFoundFault', `CacheCluster not found: ${input.PrimaryClusterId}`);
  if (primary) {
    if (primary.engine === 'memcached') throw invalidValue('A Memcached cluster cannot be the primary of a replication group.');
    if (primary.replicationGroupId) throw invalidValue(`Cache cluster ${primary.id} already belongs to replication group ${primary.replicationGroupId}.`);
    requireState('cluster', primary, 'members');
  }
  if (input.CacheSecurityGroupNames?.length) throw classicOnly();
  const engine = engineOf(input.Engine, global?.engine ?? primary?.engine ?? 'redis');
  if (engine === 'memcached') throw invalidValue('Replication groups are only supported for the redis and valkey engines.');
  const restoreFrom = restoreSourceOf(world, scope, input.SnapshotName, input.SnapshotArns, engine);
  if (restoreFrom && primary) throw invalidCombination('PrimaryClusterId cannot be combined with SnapshotName or SnapshotArns.');
  const version = engineVersionOf(engine, input.EngineVersion ?? global?.engineVersion ?? primary?.engineVersion);
  const nodeType = input.CacheNodeType === undefined && (primary || global) ? (primary?.nodeType ?? global!.nodeType) : nodeTypeOf(input.CacheNodeType);
  if (input.ClusterMode === 'compatible') {
    throw invalidValue('ClusterMode compatible is reached from an existing cluster mode disabled group with ModifyReplicationGroup; create with enabled or disabled.');
  }
  const requestedGroup = input.CacheParameterGroupName ? parameterGroupFor(world, scope, input.CacheParameterGroupName, version) : undefined;
  // A secondary of a cluster mode enabled datastore takes its shards and their slots (the aws provider may send neither).
  const globalShards = global ? globalPrimaryGroup(world, scope, global)?.shards : undefined;
  const clusterMode =
    globalShards !== undefined ||
    wantsClusterMode(input, requestedGroup !== undefined && getParameterGroup(world.resources, scope, requestedGroup)?.overrides['cluster-enabled'] === 'yes');
  const shardPlans = clusterMode ? planShards(globalShards ? secondaryShardLayout(input, globalShards) : input) : undefined;
  if (clusterMode) {
    if (input.NumCacheClusters !== undefined) throw invalidCombination('NumCacheClusters is not valid with cluster mode enabled; use NumNodeGroups and ReplicasPerNodeGroup.');
    if (primary) throw invalidCombination('PrimaryClusterId cannot be used with cluster mode enabled.');
    if (input.AutomaticFailoverEnabled === false) throw invalidCombination('Redis (cluster mode enabled) replication groups must have automatic failover enabled.');
  }
  const count = clusterMode ? shardPlans!.reduce((n, p) => n + 1 + p.replicas, 0) : clusterCount(input);
  // A secondary left without the flag (the aws provider sends none for it) fails over as the datastore's primary does.
  const automaticFailover =
    input.AutomaticFailoverEnabled ?? (global ? (globalPrimaryGroup(world, scope, global)?.automaticFailover ?? false) && count >= 2 : clusterMode);
  const multiAZ = input.MultiAZEnabled ?? false;
  // Cluster mode enabled may be a single node and still has automatic failover on (it cannot be turned off there).
  if (automaticFailover && count < 2 && !clusterMode) {
    throw invalidCombination('When using automatic failover, there must be at least 2 cache clusters in the replication group.');
  }
  if (multiAZ && !automaticFailover) throw invalidCombination('Multi-AZ requires AutomaticFailoverEnabled.');
  // A secondary left without encryption settings takes the datastore's (the aws provider sends none for it).
  const transit = primary ? primary.transitEncryption : transitEncryptionOf(engine, input.TransitEncryptionEnabled ?? global?.transitEncryption, version);
  if (input.TransitEncryptionMode !== undefined && !transit) {
    throw invalidCombination('TransitEncryptionMode requires TransitEncryptionEnabled.');
  }
  const transitMode = transit ? (primary ? primary.transitEncryptionMode : transitModeOf(input.TransitEncryptionMode)) : undefined;
  const authToken = primary ? primary.authToken : authTokenOf(input.AuthToken, transit);
  const atRest = input.AtRestEncryptionEnabled ?? global?.atRestEncryption ?? false;
  if (input.KmsKeyId && !atRest) throw invalidCombination('KmsKeyId requires AtRestEncryptionEnabled.');
  if (input.DataTieringEnabled && !isDataTieringNodeType(nodeType)) {
    throw invalidCombination('Data tiering is only supported on cache.r6gd node types.');
  }
  if (isDataTieringNodeType(nodeType) && compareVersions(version.version, '6.2') < 0) {
    throw invalidCombination('Data tiering is supported for Redis OSS 6.2 and later.');
  }
  // AWS asks for the flag itself with an r6gd type the request names (a secondary takes its primary's settings).
  if (isDataTieringNodeType(nodeType) && input.DataTieringEnabled !== true && (input.DataTieringEnabled === false || input.CacheNodeType !== undefined)) {
    throw invalidCombination('Data tiering must be enabled for cache.r6gd node types.');
  }
  const subnetGroupName = (input.CacheSubnetGroupName ?? primary?.subnetGroup ?? DEFAULT_SUBNET_GROUP).toLowerCase();
  const subnetZones = [...new Set(requireSubnetGroup(world, scope, subnetGroupName).subnets.map((s) => s.az))];
  const zones = input.PreferredCacheClusterAZs ?? subnetZones;
  if (input.PreferredCacheClusterAZs && !clusterMode && input.PreferredCacheClusterAZs.length !== count) {
    throw invalidValue('The number of PreferredCacheClusterAZs must equal NumCacheClusters.');
  }
  const now = world.now();
  const group: ReplicationGroupRecord = {
    id,
    description: input.ReplicationGroupDescription,
    status: 'creating',
    engine,
    engineVersion: version.version,
    nodeType,
    memberClusters: [],
    primaryClusterId: primary?.id ?? memberId(id, 1),
    automaticFailover,
    multiAZ,
    // A requested Port is where the primary endpoint listens (if free), so Terraform's `port` round-trips.
    primaryEndpointPort: intInRange(input.Port, 'Port', 1, 65535) ?? defaultEndpointPort(world),
    readerEndpointPort: 0,
    transitEncryption: transit,
    transitEncryptionMode: transitMode,
    atRestEncryption: atRest,
    kmsKeyId: input.KmsKeyId,
    authTokenEnabled: authToken !== undefined,
    authTokenLastModified: authToken !== undefined ? now : undefined,
    snapshotRetentionLimit: intInRange(input.SnapshotRetentionLimit, 'SnapshotRetentionLimit', 0, 35) ?? 0,
    snapshotWindow: snapshotWindow(input.SnapshotWindow) ?? DEFAULT_SNAPSHOT_WINDOW,
    userGroupIds: userGroupsForCreate(world, scope, input.UserGroupIds, { transit, authToken, engineVersion: version.version }),
    autoMinorVersionUpgrade: input.AutoMinorVersionUpgrade ?? true,
    networkType: networkTypeOf(input.NetworkType, engine, version.version),
    ipDiscovery: ipDiscoveryOf(input.IpDiscovery, input.NetworkType ?? 'ipv4'),
    dataTiering: input.DataTieringEnabled ? 'enabled' : 'disabled',
    pending: {},
    logDelivery: applyLogDelivery(undefined, logDeliveryChanges(engine, version.version, input.LogDeliveryConfigurations)),
    restoreFrom,
    createdAt: now,
  };
  const parameterGroup = requestedGroup ?? defaultParameterGroup(version, clusterMode);
  const member = (memberClusterId: string, az: string): ClusterRecord => ({
      id: memberClusterId,
      engine,
      engineVersion: version.version,
      nodeType,
      status: 'creating',
      nodes: newNodes(world, 1, 1, [az]),
      azMode: 'single-az',
      preferredAz: az,
      subnetGroup: subnetGroupName,
      securityGroupIds: input.SecurityGroupIds ?? [],
      parameterGroup,
      replicationGroupId: id,
      transitEncryption: transit,
      transitEncryptionMode: transitMode,
      atRestEncryption: atRest,
      authToken,
      authTokenLastModified: group.authTokenLastModified,
      snapshotRetentionLimit: group.snapshotRetentionLimit,
      snapshotWindow: group.snapshotWindow,
      maintenanceWindow: maintenanceWindow(input.PreferredMaintenanceWindow) ?? DEFAULT_MAINTENANCE_WINDOW,
      autoMinorVersionUpgrade: group.autoMinorVersionUpgrade,
      notificationTopicArn: input.NotificationTopicArn,
      networkType: group.networkType,
      ipDiscovery: group.ipDiscovery,
      pending: {},
      createdAt: now,
    });
  const members: ClusterRecord[] = [];
  if (shardPlans) {
    group.shards = shardPlans.map((plan, shardIndex) => {
      const ids = Array.from({ length: plan.replicas + 1 }, (_, k) => `${id}-${plan.id}-${String(k + 1).padStart(3, '0')}`);
      ids.forEach((mid, k) => {
        const az = (k === 0 ? plan.primaryAz : plan.replicaAzs?.[k - 1]) ?? zones[(shardIndex + k) % zones.length]!;
        members.push(member(mid, az));
      });
      return { id: plan.id, slots: plan.slots, primaryClusterId: ids[0]!, members: ids };
    });
    group.primaryClusterId = group.shards[0]!.primaryClusterId;
    // In cluster mode the requested Port belongs to the configuration endpoint, which Terraform reads back.
    group.configEndpointPort = group.primaryEndpointPort || undefined;
    group.primaryEndpointPort = 0;
  } else {
    // An existing primary keeps its own name; new members are numbered after it.
    for (let i = primary ? 2 : 1; i <= count; i++) members.push(member(memberId(id, i), zones[(i - 1) % zones.length]!));
  }
  group.memberClusters = [...(primary ? [primary.id] : []), ...members.map((m) => m.id)];
  checkNodeQuota(world, scope, members.length);
  // Every node and endpoint port is taken now: a create the port range cannot serve is refused before anything exists.
  claimGroupPorts(world, group, members);
  try {
  world.resources.transaction(() => {
    if (world.resources.get(scope, 'replication-group', id)) throw fault('ReplicationGroupAlreadyExistsFault', `Replication group ${id} already exists.`);
    if (global) joinAsSecondary(world, scope, global.id, group);
    if (!world.resources.insert(scope, 'replication-group', id, group)) {
      throw fault('ReplicationGroupAlreadyExistsFault', `Replication group ${id} already exists.`);
    }
    for (const m of members) {
      if (!world.resources.insert(scope, 'cluster', m.id, m)) {
        throw fault('CacheClusterAlreadyExistsFault', `Cache cluster ${m.id} already exists.`);
      }
    }
    if (primary) {
      primary.replicationGroupId = id;
      world.resources.put(scope, 'cluster', primary.id, primary);
    }
    applyCreateTags(world, world.arn(scope, 'replication-group', id), input.Tags);
    // A group's tags are its member clusters' tags too, as on AWS.
    for (const m of members) applyCreateTags(world, world.arn(scope, 'cluster', m.id), input.Tags);
  });
  } catch (err) {
    releasePortsOf(world, 'replication-group', group);
    for (const m of members) releasePortsOf(world, 'cluster', m);
    throw err;
  }
  if (global) giveOwnParameterGroup(world, scope, group, global.id);
  runStep(world, scope, 'replication-group', id, () => finishGroupCreate(world, scope, id), { onFailure: (g) => failMembers(world, scope, g) });
  return { ReplicationGroup: describeGroup(world, scope, group) };
}

export function modifyReplicationGroup(input: ec.ModifyReplicationGroupMessage, world: World, scope: Scope): ec.ModifyReplicationGroupResult {
  const group = requireGroup(world, scope, input.ReplicationGroupId);
  requireAvailableGroup(group);
  const applyNow = deferGroupChanges(world, scope, group, input);
  if (!applyNow) return { ReplicationGroup: describeGroup(world, scope, group) };
  input = applyNow;
  if (input.ClusterMode !== undefined) return changeClusterMode(world, scope, group, input.ClusterMode, input.CacheParameterGroupName);
  const members = group.memberClusters.map((id) => world.resources.get(scope, 'cluster', id)!).filter(Boolean);
  let restart = false;
  if (input.ReplicationGroupDescription !== undefined) group.description = input.ReplicationGroupDescription;
  if (input.AutomaticFailoverEnabled !== undefined) {
    if (!input.AutomaticFailoverEnabled && group.shards && !group.clusterModeCompatible) {
      throw invalidCombination('Turning off automatic failover for replication group with cluster mode enabled is not supported.');
    }
    if (input.AutomaticFailoverEnabled && members.length < 2) {
      throw invalidCombination('Automatic failover requires at least one read replica.');
    }
    group.automaticFailover = input.AutomaticFailoverEnabled;
    if (!group.automaticFailover) group.multiAZ = false;
  }
  if (input.MultiAZEnabled !== undefined) {
    if (input.MultiAZEnabled && !group.automaticFailover) throw invalidCombination('Multi-AZ requires AutomaticFailoverEnabled.');
    group.multiAZ = input.MultiAZEnabled;
  }
  if (input.PrimaryClusterId !== undefined) {
    if (group.shards) throw invalidCombination('PrimaryClusterId is not valid for cluster mode enabled replication groups; use TestFailover.');
    const target = input.PrimaryClusterId.toLowerCase();
    if (!group.memberClusters.includes(target)) {
      throw invalidValue(`Cache cluster ${input.PrimaryClusterId} is not a member of replication group ${group.id}.`);
    }
    group.primaryClusterId = target;
  }
  if (input.CacheNodeType !== undefined && input.CacheNodeType !== group.nodeType) {
    if (!isNodeType(input.CacheNodeType)) throw invalidValue(`Invalid CacheNodeType: ${input.CacheNodeType}`);
    group.nodeType = input.CacheNodeType;
    for (const m of members) m.nodeType = input.CacheNodeType;
    restart = true;
  }
  const upgrade = engineUpgrade(
    { engine: group.engine, engineVersion: group.engineVersion, parameterGroup: members[0]?.parameterGroup ?? '', inReplicationGroup: true },
    input.Engine,
    input.EngineVersion,
    input.CacheParameterGroupName,
  );
  if (upgrade) {
    group.engine = upgrade.target.engine;
    group.engineVersion = upgrade.target.version;
    for (const m of members) {
      m.engine = upgrade.target.engine;
      m.engineVersion = upgrade.target.version;
      if (upgrade.parameterGroup && !input.CacheParameterGroupName) m.parameterGroup = upgrade.parameterGroup;
    }
    restart = true;
  }
  if (input.LogDeliveryConfigurations) {
    group.logDelivery = applyLogDelivery(group.logDelivery, logDeliveryChanges(group.engine, group.engineVersion, input.LogDeliveryConfigurations));
  }
  // Both apply to the running nodes in place when the modify completes: no restart, no data lost.
  const transitChanged = changeGroupTransit(group, members, input);
  const tokenChanged = changeGroupAuthToken(group, members, input, world.now());
  if (input.SnapshotRetentionLimit !== undefined) {
    group.snapshotRetentionLimit = intInRange(input.SnapshotRetentionLimit, 'SnapshotRetentionLimit', 0, 35)!;
  }
  if (input.SnapshotWindow !== undefined) group.snapshotWindow = snapshotWindow(input.SnapshotWindow)!;
  if (input.AutoMinorVersionUpgrade !== undefined) group.autoMinorVersionUpgrade = input.AutoMinorVersionUpgrade;
  if (input.IpDiscovery !== undefined) group.ipDiscovery = ipDiscoveryOf(input.IpDiscovery, group.networkType);
  const window = input.PreferredMaintenanceWindow ? maintenanceWindow(input.PreferredMaintenanceWindow) : undefined;
  for (const m of members) {
    if (input.SecurityGroupIds) m.securityGroupIds = input.SecurityGroupIds;
    if (input.CacheParameterGroupName) {
      m.parameterGroup = parameterGroupFor(world, scope, input.CacheParameterGroupName, resolveEngineVersion(m.engine, m.engineVersion)!);
    }
    if (window) m.maintenanceWindow = window;
    if (input.SnapshotWindow) m.snapshotWindow = group.snapshotWindow;
    m.snapshotRetentionLimit = group.snapshotRetentionLimit;
    // The provider reads auto_minor_version_upgrade from the first member (setFromCacheCluster), and a member's
    // DescribeCacheClusters is the only place a group's topic shows: both follow the group, as on AWS.
    m.autoMinorVersionUpgrade = group.autoMinorVersionUpgrade;
    if (input.NotificationTopicArn !== undefined) m.notificationTopicArn = input.NotificationTopicArn || undefined;
    m.ipDiscovery = group.ipDiscovery;
    if (restart) transition(world, scope, 'cluster', m, 'modifying');
  }
  // Last of the checks, and the first change outside this group's records: user groups attach or detach.
  modifyUserGroupLinks(world, scope, group, input);
  transition(world, scope, 'replication-group', group, 'modifying');
  world.resources.transaction(() => {
    world.resources.put(scope, 'replication-group', group.id, group);
    for (const m of members) world.resources.put(scope, 'cluster', m.id, m);
  });
  // Only a request found valid as a whole reaches the running nodes.
  if (input.CacheParameterGroupName) {
    for (const m of members) world.runtime.applyParameters(scope, m, clusterParameters(world.resources, scope, m.parameterGroup));
  }
  runStep(world, scope, 'replication-group', group.id, async () => {
    const fresh = world.resources.get(scope, 'replication-group', group.id);
    if (!fresh || fresh.status !== 'modifying') return;
    for (const id of fresh.memberClusters) {
      const m = world.resources.get(scope, 'cluster', id);
      if (!m) continue;
      if (restart) await restartNodes(world, scope, m, m.nodes.map((n) => n.id));
      const after = world.resources.get(scope, 'cluster', id);
      if (!after) continue;
      transition(world, scope, 'cluster', after, 'available');
      world.resources.put(scope, 'cluster', id, after);
    }
    if (transitChanged || tokenChanged) finishSecurityChanges(world, scope, group.id);
    const done = world.resources.get(scope, 'replication-group', group.id);
    if (!done) return;
    transition(world, scope, 'replication-group', done, 'available', `Replication group ${done.id} modified`);
    world.resources.put(scope, 'replication-group', done.id, done);
    world.runtime.syncGroupRoles(scope, done.id);
  });
  return { ReplicationGroup: describeGroup(world, scope, group) };
}

/**
 * Cluster mode disabled -> compatible -> enabled, as AWS allows: compatible serves cluster clients on a
 * configuration endpoint (one shard owning every slot) while the primary and reader endpoints still work;
 * enabled then retires those two endpoints.
 */
function changeClusterMode(
  world: World,
  scope: Scope,
  group: ReplicationGroupRecord,
  mode: string,
  requestedGroup: string | undefined,
): ec.ModifyReplicationGroupResult {
  const from = group.clusterModeCompatible ? 'compatible' : group.shards ? 'enabled' : 'disabled';
  const allowed = (from === 'disabled' && mode === 'compatible') || (from === 'compatible' && (mode === 'enabled' || mode === 'disabled'));
  if (!allowed) throw invalidCombination(`ClusterMode cannot change from ${from} to ${mode}; the path is disabled, compatible, enabled.`);
  if (mode === 'compatible' && group.global) throw invalidCombination('A member of a global datastore cannot change its cluster mode.');
  const members = group.memberClusters.map((id) => world.resources.get(scope, 'cluster', id)).filter((m) => m !== undefined);
  const parameterGroup = clusterModeParameterGroup(world, scope, members[0]?.parameterGroup ?? '', group, mode, requestedGroup);
  transition(world, scope, 'replication-group', group, 'modifying');
  world.resources.transaction(() => {
    world.resources.put(scope, 'replication-group', group.id, group);
    for (const m of members) {
      m.parameterGroup = parameterGroup;
      world.resources.put(scope, 'cluster', m.id, m);
    }
  });
  for (const m of members) world.runtime.applyParameters(scope, m, clusterParameters(world.resources, scope, parameterGroup));
  runStep(world, scope, 'replication-group', group.id, async () => {
    const fresh = world.resources.get(scope, 'replication-group', group.id);
    if (!fresh) return;
    if (mode === 'compatible') {
      fresh.shards = [{ id: '0001', slots: [[0, 16383]], primaryClusterId: fresh.primaryClusterId, members: [...fresh.memberClusters] }];
      fresh.clusterModeCompatible = true;
      const configuration = await world.runtime.openConfigurationEndpoint(scope, fresh);
      fresh.configEndpointPort = configuration.port;
      fresh.configEndpointAddress = configuration.address;
    } else if (mode === 'enabled') {
      fresh.clusterModeCompatible = undefined;
      // The configuration endpoint alone carries the group's port from now on, where it already has it.
      if (fresh.endpointAddress) world.runtime.ports.releaseAt(fresh.endpointAddress, fresh.primaryEndpointPort);
      fresh.endpointAddress = fresh.configEndpointAddress;
      fresh.configEndpointAddress = undefined;
      await world.runtime.closeEndpoint(scope, fresh.id, 'primary');
      await world.runtime.closeEndpoint(scope, fresh.id, 'reader');
      fresh.primaryEndpointPort = 0;
      fresh.readerEndpointPort = 0;
    } else {
      fresh.clusterModeCompatible = undefined;
      fresh.shards = undefined;
      await world.runtime.closeEndpoint(scope, fresh.id, 'configuration');
      if (fresh.configEndpointAddress && fresh.configEndpointPort) world.runtime.ports.releaseAt(fresh.configEndpointAddress, fresh.configEndpointPort);
      fresh.configEndpointPort = undefined;
      fresh.configEndpointAddress = undefined;
      for (const id of fresh.memberClusters) world.runtime.nodes.leaveCluster(world.runtime.nodeKey(scope, id, '0001'));
    }
    transition(world, scope, 'replication-group', fresh, 'available', `Cluster mode changed from ${from} to ${mode}`);
    world.resources.put(scope, 'replication-group', fresh.id, fresh);
    world.runtime.syncGroupRoles(scope, fresh.id);
  });
  return { ReplicationGroup: describeGroup(world, scope, group) };
}

/**
 * cluster-enabled follows the mode (yes from compatible on, as the user guide's "Modifying cluster mode" says):
 * the group named in the request, else the default group of the other mode in place of a default one. A
 * custom group has no counterpart to pick, so the request must name one.
 */
function clusterModeParameterGroup(world: World, scope: Scope, current: string, group: ReplicationGroupRecord, mode: string, requested: string | undefined): string {
  if (requested !== undefined) return parameterGroupFor(world, scope, requested, resolveEngineVersion(group.engine, group.engineVersion)!);
  const clusterEnabled = mode !== 'disabled';
  if (clusterEnabledIn(world, scope, current) === clusterEnabled) return current;
  if (!current.startsWith('default.')) {
    throw invalidCombination(
      `Cluster mode ${mode} needs a parameter group with cluster-enabled set to ${clusterEnabled ? 'yes' : 'no'}; specify CacheParameterGroupName.`,
    );
  }
  return defaultParameterGroup(resolveEngineVersion(group.engine, group.engineVersion)!, clusterEnabled);
}

export const replicationGroupActions: ActionTable = {
  CreateReplicationGroup: define<ec.CreateReplicationGroupMessage, ec.CreateReplicationGroupResult>((input, { world, scope }) =>
    createReplicationGroup(input, world, scope),
  ),

  DescribeReplicationGroups: define<ec.DescribeReplicationGroupsMessage, ec.ReplicationGroupMessage>((input, { world, scope }) => {
    const groups =
      input.ReplicationGroupId !== undefined
        ? [requireGroup(world, scope, input.ReplicationGroupId)]
        : world.resources.list(scope, 'replication-group');
    const { page, marker } = paginate(groups, input.MaxRecords, input.Marker);
    return { Marker: marker, ReplicationGroups: page.map((g) => describeGroup(world, scope, g)) };
  }),

  ModifyReplicationGroup: define<ec.ModifyReplicationGroupMessage, ec.ModifyReplicationGroupResult>((input, { world, scope }) =>
    modifyReplicationGroup(input, world, scope),
  ),

  DeleteReplicationGroup: define<ec.DeleteReplicationGroupMessage, ec.DeleteReplicationGroupResult>((input, { world, scope }) => {
    const group = requireGroup(world, scope, input.ReplicationGroupId);
    requireState('replication-group', group, 'delete');
    leaveGlobal(world, scope, group);
    const retain = input.RetainPrimaryCluster ?? false;
    group.finalSnapshot = finalSnapshotName(world, scope, input.FinalSnapshotIdentifier, group.engine);
    transition(world, scope, 'replication-group', group, 'deleting');
    world.resources.transaction(() => {
      world.resources.put(scope, 'replication-group', group.id, group);
      for (const id of group.memberClusters) {
        if (retain && id === group.primaryClusterId) continue;
        const m = world.resources.get(scope, 'cluster', id);
        if (!m) continue;
        transition(world, scope, 'cluster', m, 'deleting');
        world.resources.put(scope, 'cluster', id, m);
      }
    });
    world.later(() => finishGroupDelete(world, scope, group.id, retain));
    return { ReplicationGroup: describeGroup(world, scope, group) };
  }),
};
