import fs from 'node:fs';
import type { ClusterRecord, ReplicationGroupRecord, RestoreSource, Scope, SnapshotRecord } from '../store/records.ts';
import { vpcId } from './network.ts';
import type { World } from '../world.ts';
import { s3ObjectPath, snapshotDir, snapshotFile, writeFileDurably } from './snapshot-files.ts';

const SHARD = '0001';

/** AWS snapshots a replica when the group has one, sparing the primary. */
function sourceCluster(world: World, scope: Scope, snapshot: SnapshotRecord): string | undefined {
  if (snapshot.clusterId && !snapshot.replicationGroupId) return snapshot.clusterId;
  const group = world.resources.get(scope, 'replication-group', snapshot.replicationGroupId!);
  if (!group) return undefined;
  return group.memberClusters.find((m) => m !== group.primaryClusterId) ?? group.primaryClusterId;
}

function setSourceStatus(world: World, scope: Scope, snapshot: SnapshotRecord, from: string, to: 'snapshotting' | 'available'): void {
  if (snapshot.replicationGroupId) {
    const group = world.resources.get(scope, 'replication-group', snapshot.replicationGroupId);
    if (group && group.status === from) {
      group.status = to;
      world.resources.put(scope, 'replication-group', group.id, group);
    }
  }
  const clusterId = snapshot.clusterId ?? sourceCluster(world, scope, snapshot);
  const cluster = clusterId ? world.resources.get(scope, 'cluster', clusterId) : undefined;
  if (cluster && cluster.status === from) {
    cluster.status = to;
    world.resources.put(scope, 'cluster', cluster.id, cluster);
  }
}

export function markSnapshotting(world: World, scope: Scope, snapshot: SnapshotRecord): void {
  setSourceStatus(world, scope, snapshot, 'available', 'snapshotting');
}

/** Dumps the source node to an RDB file per shard and completes the snapshot record. */
export function completeSnapshot(world: World, scope: Scope, name: string): void {
  const snapshot = world.resources.get(scope, 'snapshot', name);
  if (!snapshot || snapshot.status !== 'creating') return;
  const clusterId = sourceCluster(world, scope, snapshot);
  const cluster = clusterId ? world.resources.get(scope, 'cluster', clusterId) : undefined;
  const node = cluster?.nodes[0];
  let ok = false;
  if (cluster && node) {
    try {
      const rdb = world.runtime.nodes.snapshot(world.runtime.nodeKey(scope, cluster.id, node.id));
      writeFileDurably(snapshotFile(world.config.dataDir, scope, name, SHARD), rdb);
      snapshot.nodeSnapshots = [
        {
          clusterId: cluster.id,
          nodeGroupId: SHARD,
          nodeId: node.id,
          bytes: rdb.length,
          nodeCreatedAt: node.createdAt,
          snapshotAt: world.now(),
        },
      ];
      ok = true;
    } catch (err) {
      console.error(`elasticache-local: snapshot ${name} failed:`, err);
    }
  }
  snapshot.status = ok ? 'available' : 'failed';
  world.resources.put(scope, 'snapshot', name, snapshot);
  setSourceStatus(world, scope, snapshot, 'snapshotting', 'available');
  const what = snapshot.replicationGroupId ? `replication group with ID '${snapshot.replicationGroupId}'` : `cache cluster with ID '${snapshot.clusterId}'`;
  world.event(
    scope,
    snapshot.replicationGroupId ? 'replication-group' : 'cache-cluster',
    snapshot.replicationGroupId ?? snapshot.clusterId!,
    ok ? `Snapshot succeeded for snapshot with ID '${name}' of ${what}` : `Snapshot failed for snapshot with ID '${name}' of ${what}`,
  );
}

export function snapshotRdb(world: World, scope: Scope, name: string): Buffer {
  return fs.readFileSync(snapshotFile(world.config.dataDir, scope, name, SHARD));
}

export function removeSnapshotFiles(world: World, scope: Scope, name: string): void {
  fs.rmSync(snapshotDir(world.config.dataDir, scope, name), { recursive: true, force: true });
}

/** Loads an RDB into every node of a cluster (replicas start as copies of the primary). */
export function loadIntoCluster(world: World, scope: Scope, clusterId: string, rdb: Buffer): void {
  const cluster = world.resources.get(scope, 'cluster', clusterId);
  for (const node of cluster?.nodes ?? []) world.runtime.nodes.restore(world.runtime.nodeKey(scope, clusterId, node.id), rdb);
}

/** The RDB a new cluster or group starts from. */
export function restoreSourceRdb(world: World, scope: Scope, source: RestoreSource): Buffer {
  if (source.snapshotName) return snapshotRdb(world, scope, source.snapshotName);
  const arn = source.snapshotArns?.[0];
  if (!arn) throw new Error('empty restore source');
  return fs.readFileSync(s3ObjectPath(world.config.dataDir, arn));
}

/** Takes a snapshot synchronously from a cluster that is about to go away (FinalSnapshotIdentifier). */
export function finalSnapshot(world: World, scope: Scope, snapshot: SnapshotRecord): void {
  if (!world.resources.insert(scope, 'snapshot', snapshot.name, snapshot)) return;
  completeSnapshot(world, scope, snapshot.name);
}

/** The record of a snapshot about to be taken, from the group's (or cluster's) current configuration. */
export function newSnapshot(
  world: World,
  scope: Scope,
  name: string,
  source: SnapshotRecord['source'],
  group: ReplicationGroupRecord | undefined,
  cluster: ClusterRecord,
  kmsKeyId?: string,
): SnapshotRecord {
  return {
    name,
    source,
    status: 'creating',
    replicationGroupId: group?.id,
    replicationGroupDescription: group?.description,
    clusterId: cluster.id,
    engine: cluster.engine,
    engineVersion: cluster.engineVersion,
    nodeType: cluster.nodeType,
    numCacheNodes: group ? group.memberClusters.length : cluster.nodes.length,
    numNodeGroups: 1,
    preferredAz: cluster.preferredAz,
    clusterCreatedAt: cluster.createdAt,
    maintenanceWindow: cluster.maintenanceWindow,
    parameterGroup: cluster.parameterGroup,
    subnetGroup: cluster.subnetGroup,
    vpcId: vpcId(scope),
    autoMinorVersionUpgrade: cluster.autoMinorVersionUpgrade,
    retentionLimit: group?.snapshotRetentionLimit ?? cluster.snapshotRetentionLimit,
    window: group?.snapshotWindow ?? cluster.snapshotWindow,
    automaticFailover: group ? (group.automaticFailover ? 'enabled' : 'disabled') : undefined,
    kmsKeyId,
    dataTiering: group?.dataTiering ?? 'disabled',
    nodeSnapshots: [],
    createdAt: world.now(),
  };
}

