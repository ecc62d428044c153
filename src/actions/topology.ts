import type * as ec from '@aws-sdk/client-elasticache';
import { failover, failoverCandidate } from '../lifecycle/failover.ts';
import { failMembers, finishGroupMembership } from '../lifecycle/groups.ts';
import { removeResource } from '../lifecycle/removal.ts';
import { transition } from '../lifecycle/states.ts';
import { runStep } from '../lifecycle/steps.ts';
import { bringUpAvailable, tearDownCluster } from '../lifecycle/provision.ts';
import { DEPARTURE_GRACE_FACTOR, evenSlots, moveKeys } from '../lifecycle/resharding.ts';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { ClusterRecord, ReplicationGroupRecord, Scope, ShardRecord } from '../store/records.ts';
import type { World } from '../world.ts';
import { newNodes } from './cache-clusters.ts';
import { checkNodeQuota } from './cluster-options.ts';
import { define, type ActionTable } from './registry.ts';
import { describeGroup, memberId, requireAvailableGroup as requireAvailable, requireGroup } from './replication-groups.ts';

/** AWS lets a replication group be failed over by TestFailover a few times a day at most. */
export const MAX_TEST_FAILOVERS_PER_DAY = 5;
const DAY = 86_400_000;
const MAX_REPLICAS = 5;
const SHARD = '0001';

/** The primary of the named shard. */
function requireShard(nodeGroupId: string | undefined, group: ReplicationGroupRecord): string {
  if (nodeGroupId === undefined) throw missingParameter('NodeGroupId');
  const primary = group.shards ? group.shards.find((s) => s.id === nodeGroupId)?.primaryClusterId : nodeGroupId === SHARD ? group.primaryClusterId : undefined;
  if (!primary) throw fault('NodeGroupNotFoundFault', `Node group ${nodeGroupId} not found in replication group ${group.id}.`);
  return primary;
}


/** A new replica cluster shaped like the group's primary. */
function replicaLike(world: World, primary: ClusterRecord, id: string, az: string): ClusterRecord {
  return {
    ...primary,
    id,
    status: 'creating',
    nodes: newNodes(world, 1, 1, [az]),
    preferredAz: az,
    pending: {},
    nodesToReboot: undefined,
    restoreFrom: undefined,
    finalSnapshot: undefined,
    lastAutomaticSnapshot: undefined,
    createdAt: world.now(),
  };
}

interface ShardView {
  id: string;
  primaryClusterId: string;
  members: string[];
}

/** Shards of the group; a cluster-mode-disabled group is one shard, 0001. */
function shardsOf(group: ReplicationGroupRecord): ShardView[] {
  return group.shards ?? [{ id: SHARD, primaryClusterId: group.primaryClusterId, members: group.memberClusters }];
}

/** The replica count each shard should end with: NewReplicaCount for all, or ReplicaConfiguration per shard. */
function targetCounts(group: ReplicationGroupRecord, input: { NewReplicaCount?: number; ReplicaConfiguration?: ec.ConfigureShard[] }): Map<string, number> {
  const shards = shardsOf(group);
  for (const c of input.ReplicaConfiguration ?? []) {
    if (!shards.some((s) => s.id === c.NodeGroupId)) throw fault('NodeGroupNotFoundFault', `Node group ${c.NodeGroupId} not found in replication group ${group.id}.`);
  }
  const out = new Map<string, number>();
  for (const shard of shards) {
    const target = input.ReplicaConfiguration?.find((c) => c.NodeGroupId === shard.id)?.NewReplicaCount ?? input.NewReplicaCount;
    if (target !== undefined) out.set(shard.id, target);
  }
  if (out.size === 0) throw missingParameter('NewReplicaCount');
  return out;
}

function memberIdFor(group: ReplicationGroupRecord, shardId: string, n: number): string {
  return group.shards ? `${group.id}-${shardId}-${String(n).padStart(3, '0')}` : memberId(group.id, n);
}

export const topologyActions: ActionTable = {
  TestFailover: define<ec.TestFailoverMessage, ec.TestFailoverResult>((input, { world, scope }) => {
    const group = requireGroup(world, scope, input.ReplicationGroupId);
    const shardPrimary = requireShard(input.NodeGroupId, group);
    requireAvailable(group);
    if (!group.automaticFailover) {
      throw fault('TestFailoverNotAvailableFault', `TestFailover is not available for replication group ${group.id}: automatic failover is not enabled.`);
    }
    const now = world.now();
    const recent = (group.failovers ?? []).filter((t) => now - t < DAY);
    if (recent.length >= MAX_TEST_FAILOVERS_PER_DAY) {
      throw fault('TestFailoverNotAvailableFault', `TestFailover can be called at most ${MAX_TEST_FAILOVERS_PER_DAY} times in 24 hours for replication group ${group.id}.`);
    }
    const replica = failoverCandidate(world, scope, group.id, shardPrimary);
    if (!replica) throw fault('TestFailoverNotAvailableFault', `Replication group ${group.id} has no available replica to fail over to.`);
    group.failovers = [...recent, now];
    transition(world, scope, 'replication-group', group, 'modifying', `Test Failover API called for node group ${input.NodeGroupId}`);
    world.resources.put(scope, 'replication-group', group.id, group);
    runStep(world, scope, 'replication-group', group.id, async () => {
      await failover(world, scope, group.id, replica);
      const fresh = world.resources.get(scope, 'replication-group', group.id);
      if (!fresh) return;
      transition(world, scope, 'replication-group', fresh, 'available');
      world.resources.put(scope, 'replication-group', fresh.id, fresh);
    });
    return { ReplicationGroup: describeGroup(world, scope, group) };
  }),

  IncreaseReplicaCount: define<ec.IncreaseReplicaCountMessage, ec.IncreaseReplicaCountResult>((input, { world, scope }) => {
    const group = requireGroup(world, scope, input.ReplicationGroupId);
    if (input.ApplyImmediately !== true) throw invalidValue('IncreaseReplicaCount requires ApplyImmediately=true.');
    requireAvailable(group);
    const targets = targetCounts(group, input);
    const added: ClusterRecord[] = [];
    const addedByShard = new Map<string, string[]>();
    for (const shard of shardsOf(group)) {
      const target = targets.get(shard.id);
      if (target === undefined) continue;
      const current = shard.members.length - 1;
      if (!Number.isInteger(target) || target > MAX_REPLICAS) throw invalidValue(`NewReplicaCount must be at most ${MAX_REPLICAS}.`);
      if (target < current) throw invalidValue(`NewReplicaCount (${target}) is less than the current number of replicas (${current}) of node group ${shard.id}.`);
      const primary = world.resources.get(scope, 'cluster', shard.primaryClusterId)!;
      const zones = input.ReplicaConfiguration?.find((c) => c.NodeGroupId === shard.id)?.PreferredAvailabilityZones;
      const ids: string[] = [];
      for (let n = 1; ids.length < target - current; n++) {
        const id = memberIdFor(group, shard.id, n);
        if (group.memberClusters.includes(id) || world.resources.get(scope, 'cluster', id)) continue;
        ids.push(id);
        added.push(replicaLike(world, primary, id, zones?.[ids.length - 1] ?? primary.preferredAz));
      }
      addedByShard.set(shard.id, ids);
    }
    if (added.length === 0) throw invalidValue('NewReplicaCount must be greater than the current number of replicas.');
    checkNodeQuota(world, scope, added.length);
    world.runtime.ports.requireFree(added.length);
    world.resources.transaction(() => {
      for (const c of added) world.resources.insert(scope, 'cluster', c.id, c);
      group.memberClusters.push(...added.map((c) => c.id));
      for (const shard of group.shards ?? []) shard.members.push(...(addedByShard.get(shard.id) ?? []));
      transition(world, scope, 'replication-group', group, 'modifying');
      world.resources.put(scope, 'replication-group', group.id, group);
    });
    runStep(
      world,
      scope,
      'replication-group',
      group.id,
      async () => {
        for (const c of added) await bringUpAvailable(world, scope, c.id, 'Cache cluster created');
        // New replicas take their full copy here, before the group is available again.
        finishGroupMembership(world, scope, group.id);
      },
      { onFailure: (g) => failMembers(world, scope, g) },
    );
    return { ReplicationGroup: describeGroup(world, scope, group) };
  }),

  DecreaseReplicaCount: define<ec.DecreaseReplicaCountMessage, ec.DecreaseReplicaCountResult>((input, { world, scope }) => {
    const group = requireGroup(world, scope, input.ReplicationGroupId);
    if (input.ApplyImmediately !== true) throw invalidValue('DecreaseReplicaCount requires ApplyImmediately=true.');
    requireAvailable(group);
    const shards = shardsOf(group);
    let remove: string[];
    if (input.ReplicasToRemove?.length) {
      remove = input.ReplicasToRemove.map((r) => r.toLowerCase());
      for (const r of remove) {
        const shard = shards.find((s) => s.members.includes(r));
        if (!shard) throw invalidValue(`Cache cluster ${r} is not a member of replication group ${group.id}.`);
        if (r === shard.primaryClusterId) throw invalidValue(`Cannot remove the primary ${r}; fail over first.`);
      }
    } else {
      const targets = targetCounts(group, input);
      remove = [];
      for (const shard of shards) {
        const target = targets.get(shard.id);
        if (target === undefined) continue;
        const replicas = shard.members.filter((m) => m !== shard.primaryClusterId);
        if (target < 0 || target > replicas.length) {
          throw invalidValue(`NewReplicaCount (${target}) is more than the current number of replicas (${replicas.length}) of node group ${shard.id}.`);
        }
        remove.push(...replicas.slice(target));
      }
    }
    if (remove.length === 0) throw invalidValue('NewReplicaCount must be less than the current number of replicas.');
    for (const shard of shards) {
      const left = shard.members.filter((m) => m !== shard.primaryClusterId && !remove.includes(m)).length;
      if (group.automaticFailover && !group.shards && left < 1) {
        throw invalidValue('Must have at least 1 replica when cluster mode is disabled with auto failover enabled.');
      }
    }
    transition(world, scope, 'replication-group', group, 'modifying');
    world.resources.transaction(() => {
      world.resources.put(scope, 'replication-group', group.id, group);
      for (const id of remove) {
        const c = world.resources.get(scope, 'cluster', id)!;
        transition(world, scope, 'cluster', c, 'deleting');
        world.resources.put(scope, 'cluster', id, c);
      }
    });
    runStep(world, scope, 'replication-group', group.id, async () => {
      for (const id of remove) {
        const c = world.resources.get(scope, 'cluster', id);
        if (!c) continue;
        await tearDownCluster(world, scope, c);
        removeResource(world, scope, 'cluster', id, 'Cache cluster deleted');
      }
      const fresh = world.resources.get(scope, 'replication-group', group.id);
      if (!fresh) return;
      fresh.memberClusters = fresh.memberClusters.filter((m) => !remove.includes(m));
      for (const shard of fresh.shards ?? []) shard.members = shard.members.filter((m) => !remove.includes(m));
      world.resources.put(scope, 'replication-group', fresh.id, fresh);
      finishGroupMembership(world, scope, fresh.id);
    });
    return { ReplicationGroup: describeGroup(world, scope, group) };
  }),
};


const MAX_SHARDS_LOCAL = 90;

/** ModifyReplicationGroupShardConfiguration; a global datastore's node group changes run it on every member. */
export function modifyShardConfiguration(
  input: ec.ModifyReplicationGroupShardConfigurationMessage,
  world: World,
  scope: Scope,
): ec.ModifyReplicationGroupShardConfigurationResult {
  const group = requireGroup(world, scope, input.ReplicationGroupId);
  if (input.ApplyImmediately !== true) throw invalidValue('ModifyReplicationGroupShardConfiguration requires ApplyImmediately=true.');
  if (!group.shards) throw invalidValue(`Replication group ${group.id} is not cluster mode enabled; its shard count cannot change.`);
  requireAvailable(group);
  const count = input.NodeGroupCount;
  if (count === undefined) throw missingParameter('NodeGroupCount');
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS_LOCAL) throw invalidValue(`NodeGroupCount must be between 1 and ${MAX_SHARDS_LOCAL}.`);
  const current = group.shards;
  if (count === current.length) throw invalidValue(`The replication group already has ${count} node groups.`);
  let kept = current;
  if (count < current.length) {
    const remove = input.NodeGroupsToRemove;
    const retain = input.NodeGroupsToRetain;
    if (!remove?.length === !retain?.length) throw invalidCombination('Specify either NodeGroupsToRemove or NodeGroupsToRetain when reducing NodeGroupCount.');
    for (const id of [...(remove ?? []), ...(retain ?? [])]) {
      if (!current.some((s) => s.id === id)) throw fault('NodeGroupNotFoundFault', `Node group ${id} not found in replication group ${group.id}.`);
    }
    kept = remove ? current.filter((s) => !remove.includes(s.id)) : current.filter((s) => retain!.includes(s.id));
    if (kept.length !== count) throw invalidCombination('The node groups kept must number exactly NodeGroupCount.');
  } else if (input.NodeGroupsToRemove?.length || input.NodeGroupsToRetain?.length) {
    throw invalidCombination('NodeGroupsToRemove and NodeGroupsToRetain apply only when reducing NodeGroupCount.');
  }
  const replicas = current[0]!.members.length - 1;
  const primary = world.resources.get(scope, 'cluster', current[0]!.primaryClusterId)!;
  const added: ClusterRecord[] = [];
  const addedShards: ShardRecord[] = [];
  const usedIds = new Set(current.map((s) => Number(s.id)));
  for (let n = 1; kept.length + addedShards.length < count; n++) {
    if (usedIds.has(n)) continue;
    const shardId = String(n).padStart(4, '0');
    const azs = input.ReshardingConfiguration?.[addedShards.length]?.PreferredAvailabilityZones;
    const ids = Array.from({ length: replicas + 1 }, (_, k) => `${group.id}-${shardId}-${String(k + 1).padStart(3, '0')}`);
    ids.forEach((id, k) => added.push(replicaLike(world, primary, id, azs?.[k] ?? primary.preferredAz)));
    addedShards.push({ id: shardId, slots: [], primaryClusterId: ids[0]!, members: ids });
  }
  const final = [...kept, ...addedShards].sort((a, b) => a.id.localeCompare(b.id));
  const removed = current.filter((s) => !kept.includes(s));
  checkNodeQuota(world, scope, added.length);
  world.runtime.ports.requireFree(added.length);
  world.resources.transaction(() => {
    for (const c of added) world.resources.insert(scope, 'cluster', c.id, c);
    group.memberClusters.push(...added.map((c) => c.id));
    transition(world, scope, 'replication-group', group, 'modifying', `Modifying number of node groups from ${current.length} to ${count}`);
    world.resources.put(scope, 'replication-group', group.id, group);
  });
  const failAdded = (g: ReplicationGroupRecord) => failMembers(world, scope, g);
  runStep(world, scope, 'replication-group', group.id, async () => {
    for (const c of added) {
      await bringUpAvailable(world, scope, c.id);
    }
    const fresh = world.resources.get(scope, 'replication-group', group.id);
    if (!fresh?.shards) return;
    const next = final.map((s, i) => ({ ...s, slots: evenSlots(i, final.length) }));
    // The sources' writes wait from the first key moved until the topology has switched.
    const moved = await moveKeys(world, scope, [...fresh.shards, ...addedShards], next, () => {
      fresh.shards = next;
      fresh.primaryClusterId = next[0]!.primaryClusterId;
      fresh.memberClusters = next.flatMap((s) => s.members);
      world.resources.put(scope, 'replication-group', fresh.id, fresh);
      world.runtime.syncGroupRoles(scope, fresh.id);
    });
    // The removed shards answer MOVED for a while before they go, as a redis-server node does between losing its last slot and its deletion.
    if (removed.length > 0) await new Promise((r) => setTimeout(r, world.config.transitionDelayMs * DEPARTURE_GRACE_FACTOR));
    for (const shard of removed) {
      for (const id of shard.members) {
        const c = world.resources.get(scope, 'cluster', id);
        if (!c) continue;
        await tearDownCluster(world, scope, c);
        removeResource(world, scope, 'cluster', id);
      }
    }
    const done = world.resources.get(scope, 'replication-group', group.id);
    if (!done) return;
    transition(world, scope, 'replication-group', done, 'available', `Completed modifying number of node groups to ${count}; ${moved} keys moved`);
    world.resources.put(scope, 'replication-group', done.id, done);
  }, { onFailure: failAdded });
  return { ReplicationGroup: describeGroup(world, scope, group) };
}

export const reshardingActions: ActionTable = {
  ModifyReplicationGroupShardConfiguration: define<ec.ModifyReplicationGroupShardConfigurationMessage, ec.ModifyReplicationGroupShardConfigurationResult>(
    (input, { world, scope }) => modifyShardConfiguration(input, world, scope),
  ),
};
