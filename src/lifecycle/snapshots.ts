import fs from 'node:fs';
import { keySlot } from '../../engines/redis/light.ts';
import type { ClusterRecord, ReplicationGroupRecord, RestoreSource, Scope, SnapshotRecord } from '../store/records.ts';
import type { World } from '../world.ts';
import { vpcId } from './network.ts';
import { transition } from './states.ts';
import { s3ObjectPath, snapshotDir, snapshotFile, writeFileDurablyAsync } from './snapshot-files.ts';

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
      transition(world, scope, 'replication-group', group, to);
      world.resources.put(scope, 'replication-group', group.id, group);
    }
  }
  for (const { clusterId } of shardSources(world, scope, snapshot)) {
    const cluster = world.resources.get(scope, 'cluster', clusterId);
    if (cluster && cluster.status === from) {
      transition(world, scope, 'cluster', cluster, to);
      world.resources.put(scope, 'cluster', cluster.id, cluster);
    }
  }
}

export function markSnapshotting(world: World, scope: Scope, snapshot: SnapshotRecord): void {
  setSourceStatus(world, scope, snapshot, 'available', 'snapshotting');
}

interface ShardDump {
  nodeKey: string;
  file: string;
  record: Omit<SnapshotRecord['nodeSnapshots'][number], 'bytes' | 'snapshotAt'>;
}

/** What a snapshot dumps: one node and one file per shard (an Error for a shard whose source is gone). */
function planSnapshot(world: World, scope: Scope, name: string): { snapshot: SnapshotRecord; shards: (ShardDump | Error)[] } | null {
  const snapshot = world.resources.get(scope, 'snapshot', name);
  if (!snapshot || snapshot.status !== 'creating') return null;
  snapshot.nodeSnapshots = [];
  const shards = shardSources(world, scope, snapshot).map((source): ShardDump | Error => {
    const cluster = world.resources.get(scope, 'cluster', source.clusterId);
    const node = cluster?.nodes[0];
    if (!cluster || !node) return new Error(`source cluster ${source.clusterId} is gone`);
    return {
      nodeKey: world.runtime.nodeKey(scope, cluster.id, node.id),
      file: snapshotFile(world.config.dataDir, scope, name, source.shardId),
      record: { clusterId: cluster.id, nodeGroupId: source.shardId, slots: source.slots, nodeId: node.id, nodeCreatedAt: node.createdAt },
    };
  });
  return { snapshot, shards };
}

function finishSnapshot(world: World, scope: Scope, snapshot: SnapshotRecord, ok: boolean, failures: unknown[]): void {
  for (const err of failures) world.log.error({ err, snapshot: snapshot.name }, 'snapshot failed');
  try {
    transition(world, scope, 'snapshot', snapshot, ok && failures.length === 0 ? 'available' : 'failed');
    world.resources.put(scope, 'snapshot', snapshot.name, snapshot);
  } finally {
    // Whatever happened to the snapshot, its source must not stay snapshotting (nothing else moves it back).
    setSourceStatus(world, scope, snapshot, 'snapshotting', 'available');
  }
  const what = snapshot.replicationGroupId ? `replication group with ID '${snapshot.replicationGroupId}'` : `cache cluster with ID '${snapshot.clusterId}'`;
  // A group's snapshot is told by the cluster of the node it was taken from (DescribeEvents' example in the
  // API reference: SourceType cache-cluster, SourceIdentifier 'clustered-redis-0001-001', "... of replication
  // group with ID 'clustered-redis'").
  const source = snapshot.nodeSnapshots[0]?.clusterId ?? shardSources(world, scope, snapshot)[0]?.clusterId ?? snapshot.clusterId!;
  world.event(
    scope,
    'cache-cluster',
    source,
    snapshot.status === 'available' ? `Snapshot succeeded for snapshot with ID '${snapshot.name}' of ${what}` : `Snapshot failed for snapshot with ID '${snapshot.name}' of ${what}`,
  );
}

/**
 * Dumps each shard's source node to its own RDB file and completes the snapshot record. A live node
 * is dumped in slices and written without blocking, so the other nodes and the API keep answering.
 */
export async function completeSnapshot(world: World, scope: Scope, name: string): Promise<void> {
  const failures: unknown[] = [];
  let plan: ReturnType<typeof planSnapshot> = null;
  try {
    plan = planSnapshot(world, scope, name);
    if (!plan) return;
    for (const shard of plan.shards) {
      try {
        if (shard instanceof Error) throw shard;
        const rdb = await world.runtime.nodes.dump(shard.nodeKey);
        await writeFileDurablyAsync(shard.file, rdb);
        plan.snapshot.nodeSnapshots.push({ ...shard.record, bytes: rdb.length, snapshotAt: world.now() });
      } catch (err) {
        failures.push(err);
      }
    }
  } catch (err) {
    // A throw outside one shard's dump (planning, a record gone bad) still ends in a failed snapshot.
    failures.push(err);
  }
  const current = world.resources.get(scope, 'snapshot', name);
  // Deleted while it was taken (an automated one pruned by a moved clock): its files go too, nothing failed.
  if (!current) removeSnapshotFiles(world, scope, name);
  if (!current || current.status !== 'creating') return;
  finishSnapshot(world, scope, plan?.snapshot ?? current, (plan?.shards.length ?? 0) > 0, failures);
}

/** The RDB files of a snapshot, one per shard, in shard order. */
function snapshotShards(world: World, scope: Scope, name: string): string[] {
  return world.resources.get(scope, 'snapshot', name)?.nodeSnapshots.map((n) => n.nodeGroupId) ?? ['0001'];
}

export function snapshotRdbs(world: World, scope: Scope, name: string): { shardId: string; rdb: Buffer }[] {
  return snapshotShards(world, scope, name).map((shardId) => ({ shardId, rdb: fs.readFileSync(snapshotFile(world.config.dataDir, scope, name, shardId)) }));
}

/** snapshotRdbs without holding the event loop while the files are read. */
export async function snapshotRdbsAsync(world: World, scope: Scope, name: string): Promise<{ shardId: string; rdb: Buffer }[]> {
  const shards = snapshotShards(world, scope, name);
  return Promise.all(shards.map(async (shardId) => ({ shardId, rdb: await fs.promises.readFile(snapshotFile(world.config.dataDir, scope, name, shardId)) })));
}

export function removeSnapshotFiles(world: World, scope: Scope, name: string): void {
  try {
    fs.rmSync(snapshotDir(world.config.dataDir, scope, name), { recursive: true, force: true });
  } catch (err) {
    // ENOTDIR: something in the path is a file, so no snapshot folder exists (a snapshot that failed to
    // write). Other errors leave files behind, but the snapshot is still deleted as asked.
    if ((err as NodeJS.ErrnoException).code !== 'ENOTDIR') world.log.warn({ err, snapshot: name }, 'could not remove the snapshot files');
  }
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
export async function restoreIntoGroup(
  world: World,
  scope: Scope,
  group: ReplicationGroupRecord,
  rdbs: Buffer[],
  onShardLoaded: (shardId: string, done: number, total: number) => void = () => undefined,
): Promise<void> {
  if (!group.shards) {
    await loadIntoClusterSliced(world, scope, group.primaryClusterId, rdbs);
    onShardLoaded('0001', 1, 1);
    return;
  }
  let done = 0;
  for (const shard of group.shards) {
    const owns = new Uint8Array(16384);
    for (const [from, to] of shard.slots) owns.fill(1, from, to + 1);
    await loadIntoClusterSliced(world, scope, shard.primaryClusterId, rdbs, (key) => owns[keySlot(key)] === 1);
    onShardLoaded(shard.id, ++done, group.shards.length);
  }
}

/** loadIntoCluster in slices, so the other nodes and the API keep answering during a big restore. */
async function loadIntoClusterSliced(world: World, scope: Scope, clusterId: string, rdbs: Buffer[], keep?: (key: string) => boolean): Promise<void> {
  const cluster = world.resources.get(scope, 'cluster', clusterId);
  for (const node of cluster?.nodes ?? []) await world.runtime.nodes.load(world.runtime.nodeKey(scope, clusterId, node.id), rdbs, keep);
}

/**
 * The snapshot a cluster or group about to go away leaves (FinalSnapshotIdentifier), taken as CreateSnapshot's:
 * each shard dumped in slices through the node's snapshot fence (a write in slices is in it whole or not at
 * all), before the caller stops the nodes. A step resumed after a restart finds its record still creating.
 */
export async function finalSnapshot(world: World, scope: Scope, snapshot: SnapshotRecord): Promise<void> {
  const existing = world.resources.get(scope, 'snapshot', snapshot.name);
  if (existing ? existing.status !== 'creating' : !world.resources.insert(scope, 'snapshot', snapshot.name, snapshot)) return;
  await completeSnapshot(world, scope, snapshot.name);
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
