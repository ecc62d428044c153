import fs from 'node:fs';
import path from 'node:path';
import type * as ec from '@aws-sdk/client-elasticache';
import { bucketDir, checkBucketName, s3ObjectPath, snapshotFile, writeFileDurablyAsync } from '../lifecycle/snapshot-files.ts';
import { completeSnapshot, markSnapshotting, newSnapshot, removeSnapshotFiles, snapshotRdbsAsync } from '../lifecycle/snapshots.ts';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { ClusterRecord, ReplicationGroupRecord, RestoreSource, Scope, SnapshotRecord } from '../store/records.ts';
import type { World } from '../world.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { applyCreateTags } from './tags.ts';
import { removeResource } from '../lifecycle/removal.ts';
import { requireState, transition } from '../lifecycle/states.ts';
import { megabytes, reportProgress } from '../lifecycle/progress.ts';
import { runStep } from '../lifecycle/steps.ts';

/** AWS's default quota of manual snapshots per region. */
export const MAX_SNAPSHOTS = 1000;
const PAGE = { name: 'MaxRecords', min: 20, max: 50, fallback: 50 };

export function requireSnapshot(world: World, scope: Scope, name: string | undefined, parameter = 'SnapshotName'): SnapshotRecord {
  if (name === undefined) throw missingParameter(parameter);
  const snapshot = world.resources.get(scope, 'snapshot', name);
  if (!snapshot) throw fault('SnapshotNotFoundFault', `Snapshot ${name} not found.`);
  return snapshot;
}

function sizeText(bytes: number): string {
  return `${Math.max(1, Math.ceil(bytes / (1024 * 1024)))} MB`;
}

function describe(world: World, scope: Scope, s: SnapshotRecord, showNodeGroups = false): ec.Snapshot {
  return {
    SnapshotName: s.name,
    ReplicationGroupId: s.replicationGroupId,
    ReplicationGroupDescription: s.replicationGroupDescription,
    CacheClusterId: s.replicationGroupId ? undefined : s.clusterId,
    SnapshotStatus: s.status,
    SnapshotSource: s.source,
    CacheNodeType: s.nodeType,
    Engine: s.engine,
    EngineVersion: s.engineVersion,
    NumCacheNodes: s.replicationGroupId ? undefined : s.numCacheNodes,
    PreferredAvailabilityZone: s.preferredAz,
    CacheClusterCreateTime: new Date(s.clusterCreatedAt),
    PreferredMaintenanceWindow: s.maintenanceWindow,
    Port: 6379,
    CacheParameterGroupName: s.parameterGroup,
    CacheSubnetGroupName: s.subnetGroup,
    VpcId: s.vpcId,
    AutoMinorVersionUpgrade: s.autoMinorVersionUpgrade,
    SnapshotRetentionLimit: s.retentionLimit,
    SnapshotWindow: s.window,
    NumNodeGroups: s.numNodeGroups,
    AutomaticFailover: s.automaticFailover,
    NodeSnapshots: s.nodeSnapshots.map((n) => ({
      CacheClusterId: n.clusterId,
      NodeGroupId: n.nodeGroupId,
      CacheNodeId: n.nodeId,
      CacheSize: sizeText(n.bytes),
      CacheNodeCreateTime: new Date(n.nodeCreatedAt),
      SnapshotCreateTime: new Date(n.snapshotAt),
      NodeGroupConfiguration: showNodeGroups
        ? { NodeGroupId: n.nodeGroupId, Slots: n.slots ?? '0-16383', ReplicaCount: Math.max(0, Math.round(s.numCacheNodes / s.numNodeGroups) - 1) }
        : undefined,
    })),
    KmsKeyId: s.kmsKeyId,
    ARN: world.arn(scope, 'snapshot', s.name),
    DataTiering: s.dataTiering,
  };
}

/** Inserts the record and schedules the dump; shared by CreateSnapshot, final and automatic snapshots. */
export function startSnapshot(world: World, scope: Scope, snapshot: SnapshotRecord, tags?: ec.Tag[]): void {
  world.resources.transaction(() => {
    if (snapshot.source === 'manual' && world.resources.list(scope, 'snapshot').filter((s) => s.source === 'manual').length >= MAX_SNAPSHOTS) {
      throw fault('SnapshotQuotaExceededFault', `The request would exceed the quota of ${MAX_SNAPSHOTS} snapshots.`);
    }
    if (!world.resources.insert(scope, 'snapshot', snapshot.name, snapshot)) {
      throw fault('SnapshotAlreadyExistsFault', `Snapshot ${snapshot.name} already exists.`);
    }
    applyCreateTags(world, world.arn(scope, 'snapshot', snapshot.name), tags);
  });
  markSnapshotting(world, scope, snapshot);
  runStep(world, scope, 'snapshot', snapshot.name, () => completeSnapshot(world, scope, snapshot.name));
}

function snapshotName(value: string | undefined, parameter: string): string {
  if (value === undefined) throw missingParameter(parameter);
  if (value.length === 0 || value.length > 255 || !/^[A-Za-z0-9.-]+$/.test(value)) {
    throw invalidValue(`The parameter ${parameter} must be 1 to 255 letters, digits, periods or hyphens.`);
  }
  return value;
}

export const snapshotActions: ActionTable = {
  CreateSnapshot: define<ec.CreateSnapshotMessage, ec.CreateSnapshotResult>((input, { world, scope }) => {
    const name = snapshotName(input.SnapshotName, 'SnapshotName');
    if ((input.ReplicationGroupId === undefined) === (input.CacheClusterId === undefined)) {
      throw invalidCombination('Specify exactly one of ReplicationGroupId and CacheClusterId.');
    }
    let group: ReplicationGroupRecord | undefined;
    let cluster: ClusterRecord | undefined;
    if (input.ReplicationGroupId !== undefined) {
      group = world.resources.get(scope, 'replication-group', input.ReplicationGroupId.toLowerCase());
      if (!group) throw fault('ReplicationGroupNotFoundFault', `ReplicationGroup not found: ${input.ReplicationGroupId}`);
      if (group.status !== 'available') {
        throw fault('InvalidReplicationGroupStateFault', `Replication group ${group.id} is not in available state (current state: ${group.status}).`);
      }
      cluster = world.resources.get(scope, 'cluster', group.primaryClusterId);
    } else {
      cluster = world.resources.get(scope, 'cluster', input.CacheClusterId!.toLowerCase());
      if (!cluster) throw fault('CacheClusterNotFoundFault', `CacheCluster not found: ${input.CacheClusterId}`);
      if (cluster.engine === 'memcached') {
        throw fault('SnapshotFeatureNotSupportedFault', 'Snapshots are not supported for Memcached clusters.');
      }
      // A member's CacheClusterId snapshots its group from that node (botocore's own example does this).
      if (cluster.replicationGroupId) {
        group = world.resources.get(scope, 'replication-group', cluster.replicationGroupId);
        if (group?.shards) {
          throw invalidCombination(`Cache cluster ${cluster.id} belongs to a cluster mode enabled replication group; snapshot the replication group ${group.id}.`);
        }
      }
      if (cluster.status !== 'available') {
        throw fault('InvalidCacheClusterStateFault', `Cache cluster ${cluster.id} is not in available state (current state: ${cluster.status}).`);
      }
    }
    if (!cluster) throw fault('CacheClusterNotFoundFault', 'The source cluster of the snapshot was not found.');
    const snapshot = newSnapshot(world, scope, name, 'manual', group, cluster, input.KmsKeyId);
    startSnapshot(world, scope, snapshot, input.Tags);
    return { Snapshot: describe(world, scope, snapshot) };
  }),

  DescribeSnapshots: define<ec.DescribeSnapshotsMessage, ec.DescribeSnapshotsListMessage>((input, { world, scope }) => {
    if (input.SnapshotSource !== undefined && !['user', 'system'].includes(input.SnapshotSource)) {
      throw invalidValue(`Invalid value for SnapshotSource: ${input.SnapshotSource}. Valid values: user, system.`);
    }
    if (input.CacheClusterId !== undefined && input.ReplicationGroupId !== undefined) {
      throw invalidCombination('Cannot specify both CacheClusterId and ReplicationGroupId.');
    }
    if (input.CacheClusterId !== undefined && !world.resources.get(scope, 'cluster', input.CacheClusterId.toLowerCase())) {
      throw fault('CacheClusterNotFoundFault', `CacheCluster not found: ${input.CacheClusterId}`);
    }
    let snapshots: SnapshotRecord[];
    if (input.SnapshotName !== undefined) snapshots = [requireSnapshot(world, scope, input.SnapshotName)];
    else snapshots = world.resources.list(scope, 'snapshot');
    if (input.ReplicationGroupId !== undefined) snapshots = snapshots.filter((s) => s.replicationGroupId === input.ReplicationGroupId!.toLowerCase());
    if (input.CacheClusterId !== undefined) snapshots = snapshots.filter((s) => s.clusterId === input.CacheClusterId!.toLowerCase());
    if (input.SnapshotSource === 'user') snapshots = snapshots.filter((s) => s.source === 'manual');
    if (input.SnapshotSource === 'system') snapshots = snapshots.filter((s) => s.source === 'automated');
    const { page, marker } = paginate(snapshots, input.MaxRecords, input.Marker, PAGE);
    return { Marker: marker, Snapshots: page.map((s) => describe(world, scope, s, input.ShowNodeGroupConfig ?? false)) };
  }),

  DeleteSnapshot: define<ec.DeleteSnapshotMessage, ec.DeleteSnapshotResult>((input, { world, scope }) => {
    const snapshot = requireSnapshot(world, scope, input.SnapshotName);
    requireState('snapshot', snapshot, 'delete');
    removeResource(world, scope, 'snapshot', snapshot.name);
    removeSnapshotFiles(world, scope, snapshot.name);
    return { Snapshot: describe(world, scope, { ...snapshot, status: 'deleting' }) };
  }),

  // The files of a snapshot of a million keys take hundreds of ms to read, write and fsync: never in one turn.
  CopySnapshot: define<ec.CopySnapshotMessage, ec.CopySnapshotResult>(async (input, { world, scope }) => {
    const source = requireSnapshot(world, scope, input.SourceSnapshotName, 'SourceSnapshotName');
    const target = snapshotName(input.TargetSnapshotName, 'TargetSnapshotName');
    if (source.status !== 'available') {
      throw fault('InvalidSnapshotStateFault', `Snapshot ${source.name} is not in available state (current state: ${source.status}).`);
    }
    const shards = await snapshotRdbsAsync(world, scope, source.name);
    if (input.TargetBucket !== undefined) {
      // Exporting writes one file per shard into the bucket, named as AWS names exported backups.
      checkBucketName(input.TargetBucket);
      const files = shards.map((s) => ({ ...s, file: path.join(bucketDir(world.config.dataDir, input.TargetBucket!), `${target}-${s.shardId}.rdb`) }));
      const clash = files.find((f) => fs.existsSync(f.file));
      if (clash) throw fault('SnapshotAlreadyExistsFault', `An object named ${path.basename(clash.file)} already exists in bucket ${input.TargetBucket}.`);
      // Snapshot events belong to the group or cluster the snapshot was taken of (DescribeEvents has no snapshot source).
      const progress = (message: string) =>
        reportProgress(world, scope, source.replicationGroupId ? 'replication-group' : 'cache-cluster', source.replicationGroupId ?? source.clusterId ?? source.name, message);
      const where = `S3 bucket '${input.TargetBucket}'`;
      progress(`Export of snapshot '${source.name}' to ${where} started: ${megabytes(files.reduce((n, f) => n + f.rdb.length, 0))}`);
      for (const [i, f] of files.entries()) {
        await writeFileDurablyAsync(f.file, f.rdb);
        progress(`Exported node group ${f.shardId} of snapshot '${source.name}' to ${where} as ${path.basename(f.file)} (${i + 1} of ${files.length})`);
      }
      progress(`Export of snapshot '${source.name}' to ${where} completed`);
      return { Snapshot: describe(world, scope, { ...source, status: 'exporting' }) };
    }
    const copy: SnapshotRecord = { ...source, name: target, source: 'manual', status: 'creating', kmsKeyId: input.KmsKeyId ?? source.kmsKeyId, createdAt: world.now() };
    world.resources.transaction(() => {
      if (!world.resources.insert(scope, 'snapshot', target, copy)) throw fault('SnapshotAlreadyExistsFault', `Snapshot ${target} already exists.`);
      applyCreateTags(world, world.arn(scope, 'snapshot', target), input.Tags);
    });
    runStep(world, scope, 'snapshot', target, async () => {
      for (const s of shards) await writeFileDurablyAsync(snapshotFile(world.config.dataDir, scope, target, s.shardId), s.rdb);
      const fresh = world.resources.get(scope, 'snapshot', target);
      if (!fresh || fresh.status !== 'creating') return;
      transition(world, scope, 'snapshot', fresh, 'available');
      world.resources.put(scope, 'snapshot', target, fresh);
    });
    return { Snapshot: describe(world, scope, copy) };
  }),
};

/** Validates SnapshotName / SnapshotArns of a create and answers where its data will come from. */
export function restoreSourceOf(
  world: World,
  scope: Scope,
  snapshotNameInput: string | undefined,
  arns: string[] | undefined,
  engine: string,
): RestoreSource | undefined {
  if (snapshotNameInput === undefined && !arns?.length) return undefined;
  if (engine === 'memcached') throw fault('SnapshotFeatureNotSupportedFault', 'Snapshots are not supported for Memcached clusters.');
  if (snapshotNameInput !== undefined && arns?.length) throw invalidCombination('Specify either SnapshotName or SnapshotArns, not both.');
  if (snapshotNameInput !== undefined) {
    const snapshot = requireSnapshot(world, scope, snapshotNameInput);
    if (snapshot.status !== 'available') {
      throw fault('InvalidSnapshotStateFault', `Snapshot ${snapshot.name} is not in available state (current state: ${snapshot.status}).`);
    }
    return { snapshotName: snapshot.name };
  }
  for (const arn of arns!) {
    const file = s3ObjectPath(world.config.dataDir, arn);
    if (!fs.existsSync(file)) throw invalidValue(`No object found at ${arn} (the local S3 stand-in looked for ${file}).`);
  }
  return { snapshotArns: arns };
}

/** DeleteReplicationGroup / DeleteCacheCluster with FinalSnapshotIdentifier: checked now, taken before teardown. */
export function finalSnapshotName(world: World, scope: Scope, name: string | undefined, engine: string): string | undefined {
  if (name === undefined) return undefined;
  if (engine === 'memcached') throw fault('SnapshotFeatureNotSupportedFault', 'Snapshots are not supported for Memcached clusters.');
  const checked = snapshotName(name, 'FinalSnapshotIdentifier');
  if (world.resources.get(scope, 'snapshot', checked)) throw fault('SnapshotAlreadyExistsFault', `Snapshot ${checked} already exists.`);
  return checked;
}
