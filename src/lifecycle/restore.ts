import path from 'node:path';
import type { ClusterRecord, ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { removeStaleTemporaries } from './snapshot-files.ts';
import { failMembers, finishGroupCreate, finishGroupDelete, openEndpointsOf } from './groups.ts';
import { startMigrationLink } from './migration.ts';
import { PortInUse } from './ports.ts';
import { bringUpCluster, failPlacement, finishClusterCreate, markAvailable, tearDownCluster } from './provision.ts';
import { removeResource, reservePortsOf } from './removal.ts';
import { bringUpServerless, finishServerlessCreate, tearDownServerless } from './serverless.ts';
import { resumeUpdateActions } from './service-updates.ts';
import { runStep } from './steps.ts';
import { transition } from './states.ts';

/** States whose nodes never ran (or were given up): nothing is started for them, and they stay as they are. */
const FAILED = new Set<string>(['create-failed', 'restore-failed']);

/**
 * Rebuilds the running world from the metadata after a restart (a clean stop or a crash): every node
 * listens again on the port it had, every endpoint too. Work that was in flight resumes (a create runs
 * its step again, a restore from a snapshot included) or settles where AWS would leave it; deletions
 * finish; failed resources stay failed and start nothing.
 */
export async function restoreWorld(world: World): Promise<void> {
  settleSnapshots(world);
  reservePorts(world);
  await finishDeletions(world);
  settleAccessControl(world);

  const groups = new Map(world.resources.all('replication-group').map((g) => [`${g.scope.account}/${g.scope.region}/${g.record.id}`, g.record]));
  const groupOf = (scope: Scope, c: ClusterRecord) =>
    c.replicationGroupId ? groups.get(`${scope.account}/${scope.region}/${c.replicationGroupId}`) : undefined;

  for (const { scope, record } of world.resources.all('cluster')) {
    if (FAILED.has(record.status)) continue;
    const group = groupOf(scope, record);
    // A group being created brings its members up itself (and loads their data), below.
    if (group?.status === 'creating' || (group && FAILED.has(group.status))) continue;
    if (record.status === 'creating') {
      runStep(world, scope, 'cluster', record.id, () => finishClusterCreate(world, scope, record.id));
      continue;
    }
    const up = await placeAgain(world, scope, record);
    if (!up || up.status === 'available' || up.status === 'incompatible-parameters') continue;
    // modifying, rebooting, snapshotting: the nodes now run as the record says, which is what the step did.
    // incompatible-network: the port another program held is free again, so the nodes are back.
    const was = up.status;
    const event = was === 'modifying' ? 'Cache cluster modified' : was === 'incompatible-network' ? `Finished recovery for cache nodes ${up.nodes.map((n) => n.id).join(', ')}` : undefined;
    markAvailable(world, scope, up, event);
    world.resources.put(scope, 'cluster', up.id, up);
  }

  for (const { scope, record } of world.resources.all('serverless-cache')) {
    if (FAILED.has(record.status)) continue;
    if (record.status === 'creating') {
      runStep(world, scope, 'serverless-cache', record.name, () => finishServerlessCreate(world, scope, record.name));
      continue;
    }
    const up = await bringUpServerless(world, scope, record.name);
    if (!up) continue;
    transition(world, scope, 'serverless-cache', up, 'available');
    world.resources.put(scope, 'serverless-cache', up.name, up);
  }

  for (const { scope, record } of world.resources.all('replication-group')) {
    if (FAILED.has(record.status)) continue;
    if (record.status === 'creating') {
      runStep(world, scope, 'replication-group', record.id, () => finishGroupCreate(world, scope, record.id), {
        onFailure: (g) => failMembers(world, scope, g),
      });
      continue;
    }
    await resumeGroup(world, scope, record);
  }
  resumeUpdateActions(world);

  for (const { scope, record } of world.resources.all('global-group')) {
    if (record.status !== 'creating' && record.status !== 'modifying') continue;
    transition(world, scope, 'global-group', record, record.members.length > 1 ? 'available' : 'primary-only');
    world.resources.put(scope, 'global-group', record.id, record);
  }
}

/**
 * A cluster that was up listens again where its clients were told it is; when another program took one of
 * those ports meanwhile, it cannot be placed, and goes incompatible-network instead of moving.
 */
async function placeAgain(world: World, scope: Scope, record: ClusterRecord): Promise<ClusterRecord | undefined> {
  try {
    return await bringUpCluster(world, scope, record.id, true);
  } catch (err) {
    if (!(err instanceof PortInUse)) throw err;
    await failPlacement(world, scope, record.id, err);
    return undefined;
  }
}

/** A snapshot still being written when the emulator stopped never completed; one being exported or restored from is whole. */
function settleSnapshots(world: World): void {
  // Its file is absent or a temporary that is removed here, so it is failed, never half-written.
  removeStaleTemporaries(path.join(world.config.dataDir, 'snapshots'));
  for (const { scope, record } of world.resources.all('snapshot')) {
    // A failed snapshot stays failed (deletable); one being deleted finishes below.
    const to = record.status === 'creating' || record.status === 'copying' ? 'failed' : record.status === 'exporting' || record.status === 'restoring' ? 'available' : undefined;
    if (to === undefined) continue;
    transition(world, scope, 'snapshot', record, to);
    world.resources.put(scope, 'snapshot', record.name, record);
  }
  for (const { scope, record } of world.resources.all('serverless-snapshot')) {
    if (record.status !== 'creating' && record.status !== 'copying') continue;
    transition(world, scope, 'serverless-snapshot', record, 'failed');
    world.resources.put(scope, 'serverless-snapshot', record.name, record);
  }
}

/** Ports that records own are nobody else's, whether their nodes come back now or never (failed ones). */
function reservePorts(world: World): void {
  for (const kind of ['cluster', 'replication-group', 'serverless-cache'] as const) {
    for (const { record } of world.resources.all(kind)) reservePortsOf(world, kind, record);
  }
}

async function finishDeletions(world: World): Promise<void> {
  for (const { scope, record } of world.resources.all('replication-group')) {
    if (record.status === 'deleting') await finishGroupDelete(world, scope, record.id, false);
  }
  for (const { scope, record } of world.resources.all('cluster')) {
    if (record.status !== 'deleting') continue;
    await tearDownCluster(world, scope, record);
    removeResource(world, scope, 'cluster', record.id, 'Cache cluster deleted');
    const group = record.replicationGroupId ? world.resources.get(scope, 'replication-group', record.replicationGroupId) : undefined;
    if (group) dropMember(world, scope, group, record.id);
  }
  for (const { scope, record } of world.resources.all('serverless-cache')) {
    if (record.status !== 'deleting') continue;
    await tearDownServerless(world, scope, record);
    removeResource(world, scope, 'serverless-cache', record.name, `Serverless cache ${record.name} deleted`);
  }
}

/** A member removed while the emulator was down leaves its group's lists too. */
function dropMember(world: World, scope: Scope, group: ReplicationGroupRecord, id: string): void {
  group.memberClusters = group.memberClusters.filter((m) => m !== id);
  for (const shard of group.shards ?? []) shard.members = shard.members.filter((m) => m !== id);
  world.resources.put(scope, 'replication-group', group.id, group);
}

function settleAccessControl(world: World): void {
  for (const kind of ['user', 'user-group'] as const) {
    for (const { scope, record } of world.resources.all(kind)) {
      if (record.status === 'deleting') {
        removeResource(world, scope, kind, record.id);
        continue;
      }
      if (record.status === 'active') continue;
      if (kind === 'user-group') {
        const g = record as Extract<typeof record, { pending?: unknown }>;
        if (g.pending) g.userIds = [...g.userIds.filter((u) => !g.pending!.remove.includes(u)), ...g.pending.add];
        g.pending = undefined;
      }
      transition(world, scope, kind, record as never, 'active');
      world.resources.put(scope, kind, record.id, record as never);
    }
  }
}

/** A group that was available, modifying or snapshotting: endpoints open again and it settles available. */
async function resumeGroup(world: World, scope: Scope, record: ReplicationGroupRecord): Promise<void> {
  const ports = await openEndpointsOf(world, scope, record);
  const fresh = world.resources.get(scope, 'replication-group', record.id);
  if (!fresh) return;
  Object.assign(fresh, ports);
  // Members still being created (a replica being added) finish the group's modify when they are up.
  const adding = fresh.memberClusters.some((id) => world.resources.get(scope, 'cluster', id)?.status === 'creating');
  if (!adding && fresh.status !== 'available') {
    transition(world, scope, 'replication-group', fresh, 'available', fresh.status === 'modifying' ? `Replication group ${fresh.id} modified` : undefined);
  }
  world.resources.put(scope, 'replication-group', fresh.id, fresh);
  world.runtime.syncGroupRoles(scope, fresh.id);
  startMigrationLink(world, scope, fresh.id);
}
