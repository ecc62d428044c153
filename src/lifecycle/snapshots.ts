import fs from 'node:fs';
import { keySlot } from '../../engines/redis/cluster.ts';
import type { ClusterRecord, ReplicationGroupRecord, RestoreSource, Scope, SnapshotRecord } from '../store/records.ts';
import type { World } from '../world.ts';
import { vpcId } from './network.ts';
import { s3ObjectPath, snapshotDir, snapshotFile, writeFileDurably } from './snapshot-files.ts';

interface ShardSource {
  shardId: string;
  slots?: string;
  clusterId: string;
}

const slotText = (slots: [number, number][]) => slots.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');

/** One source node per shard; AWS snapshots a replica when the shard has one, sparing the primary. */
function shardSources(world: World, scope: Scope, snapshot: SnapshotRecord): ShardSource[] {
  if (snapshot.clusterId && !snapshot.replicationGroupId) return [{ shardId: '0001', clusterId: snapshot.clusterId }];
  const group = world.resources.get(scope, 'replication-group', snapshot.replicationGroupId!);
  if (!group) return [];
  const pick = (primary: string, members: string[]) => members.find((m) => m !== primary) ?? primary;
  if (group.shards) {
    return group.shards.map((s) => ({ shardId: s.id, slots: slotText(s.slots), clusterId: pick(s.primaryClusterId, s.members) }));
  }
  return [{ shardId: '0001', clusterId: pick(group.primaryClusterId, group.memberClusters) }];
}

function setSourceStatus(world: World, scope: Scope, snapshot: SnapshotRecord, from: string, to: 'snapshotting' | 'available'): void {
  if (snapshot.replicationGroupId) {
    const group = world.resources.get(scope, 'replication-group', snapshot.replicationGroupId);
    if (group && group.status === from) {
      group.status = to;
      world.resources.put(scope, 'replication-group', group.id, group);
    }
  }
  for (const { clusterId } of shardSources(world, scope, snapshot)) {
    const cluster = world.resources.get(scope, 'cluster', clusterId);
    if (cluster && cluster.status === from) {
      cluster.status = to;
      world.resources.put(scope, 'cluster', cluster.id, cluster);
    }
  }
}

export function markSnapshotting(world: World, scope: Scope, snapshot: SnapshotRecord): void {
  setSourceStatus(world, scope, snapshot, 'available', 'snapshotting');
}

/** Dumps each shard's source node to its own RDB file and completes the snapshot record. */
export function completeSnapshot(world: World, scope: Scope, name: string): void {
  const snapshot = world.resources.get(scope, 'snapshot', name);
  if (!snapshot || snapshot.status !== 'creating') return;
  const sources = shardSources(world, scope, snapshot);
  let ok = sources.length > 0;
  snapshot.nodeSnapshots = [];
  for (const source of sources) {
    const cluster = world.resources.get(scope, 'cluster', source.clusterId);
    const node = cluster?.nodes[0];
    try {
      if (!cluster || !node) throw new Error(`source cluster ${source.clusterId} is gone`);
      const rdb = world.runtime.nodes.snapshot(world.runtime.nodeKey(scope, cluster.id, node.id));
      writeFileDurably(snapshotFile(world.config.dataDir, scope, name, source.shardId), rdb);
      snapshot.nodeSnapshots.push({
        clusterId: cluster.id,
        nodeGroupId: source.shardId,
        slots: source.slots,
        nodeId: node.id,
        bytes: rdb.length,
        nodeCreatedAt: node.createdAt,
        snapshotAt: world.now(),
      });
    } catch (err) {
      ok = false;
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

/** The RDB files of a snapshot, one per shard, in shard order. */
export function snapshotRdbs(world: World, scope: Scope, name: string): { shardId: string; rdb: Buffer }[] {
  const snapshot = world.resources.get(scope, 'snapshot', name);
  const shards = snapshot?.nodeSnapshots.map((n) => n.nodeGroupId) ?? ['0001'];
  return shards.map((shardId) => ({ shardId, rdb: fs.readFileSync(snapshotFile(world.config.dataDir, scope, name, shardId)) }));
}

export function removeSnapshotFiles(world: World, scope: Scope, name: string): void {
  fs.rmSync(snapshotDir(world.config.dataDir, scope, name), { recursive: true, force: true });
}

/** Loads backup files into every node of a cluster, keeping the keys `keep` accepts. */
export function loadIntoCluster(world: World, scope: Scope, clusterId: string, rdbs: Buffer[], keep?: (key: string) => boolean): void {
  const cluster = world.resources.get(scope, 'cluster', clusterId);
  for (const node of cluster?.nodes ?? []) world.runtime.nodes.restore(world.runtime.nodeKey(scope, clusterId, node.id), rdbs, keep);
}

/** The RDB files a new cluster or group starts from (every shard of a snapshot, or every ARN). */
export function restoreSourceRdbs(world: World, scope: Scope, source: RestoreSource): Buffer[] {
  if (source.snapshotName) return snapshotRdbs(world, scope, source.snapshotName).map((s) => s.rdb);
  if (!source.snapshotArns?.length) throw new Error('empty restore source');
  return source.snapshotArns.map((arn) => fs.readFileSync(s3ObjectPath(world.config.dataDir, arn)));
}

/**
 * Loads a backup into a new group: everything into the primary when cluster mode is off; otherwise each
 * shard's primary takes the keys whose hash slot it serves, whatever the backup's own shard layout was.
 */
export function restoreIntoGroup(world: World, scope: Scope, group: ReplicationGroupRecord, rdbs: Buffer[]): void {
  if (!group.shards) {
    loadIntoCluster(world, scope, group.primaryClusterId, rdbs);
    return;
  }
  for (const shard of group.shards) {
    const owns = new Uint8Array(16384);
    for (const [from, to] of shard.slots) owns.fill(1, from, to + 1);
    loadIntoCluster(world, scope, shard.primaryClusterId, rdbs, (key) => owns[keySlot(key)] === 1);
  }
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
    numNodeGroups: group?.shards?.length ?? 1,
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
