import type * as ec from '@aws-sdk/client-elasticache';
import { requireState, transition } from '../lifecycle/states.ts';
import { runStep } from '../lifecycle/steps.ts';
import { invalidValue, missingParameter } from '../protocol/errors.ts';
import type { GlobalGroupRecord, ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { requireAvailableGroup } from './replication-groups.ts';
import { modifyShardConfiguration } from './topology.ts';

/** How long the datastore waits for its members' reshards before it gives up watching (they go on). */
const WATCH_LIMIT_MS = 15 * 60_000;

/** AWS's refusal of a node-group action on a global datastore whose groups are not sharded. */
export const NOT_CLUSTER_MODE = 'This action applies to cluster mode enabled global datastores.';

interface Member {
  scope: Scope;
  group: ReplicationGroupRecord;
}

/** The member groups, the primary first: AWS reshards the primary region before the secondaries. */
function membersOf(world: World, scope: Scope, global: GlobalGroupRecord): Member[] {
  return [...global.members]
    .sort((a, b) => (a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0))
    .flatMap((m) => {
      const memberScope = { account: scope.account, region: m.region };
      const group = world.resources.get(memberScope, 'replication-group', m.groupId);
      return group ? [{ scope: memberScope, group }] : [];
    });
}

/**
 * Increase/DecreaseNodeGroupsInGlobalReplicationGroup: every member reshards to the new count as its own
 * ModifyReplicationGroupShardConfiguration would (a secondary's shards then follow the primary's, range for
 * range), and the datastore is modifying until all of them are available again.
 */
export function changeGlobalNodeGroups(
  world: World,
  scope: Scope,
  globalScope: Scope,
  global: GlobalGroupRecord,
  input: ec.IncreaseNodeGroupsInGlobalReplicationGroupMessage & { GlobalNodeGroupsToRetain?: string[]; GlobalNodeGroupsToRemove?: string[] },
): void {
  if (input.ApplyImmediately !== true) throw invalidValue('ApplyImmediately must be true: node group changes of a global datastore apply immediately.');
  if (input.NodeGroupCount === undefined) throw missingParameter('NodeGroupCount');
  requireState('global-group', global, 'modify');
  const members = membersOf(world, scope, global);
  const primary = members[0]?.group;
  if (!primary?.shards) throw invalidValue(NOT_CLUSTER_MODE);
  for (const m of members) requireAvailableGroup(m.group);
  const shardIds = (ids: string[] | undefined) =>
    ids?.map((id) => {
      const prefix = `${global.id}-`;
      if (!id.startsWith(prefix)) throw invalidValue(`Global node group ${id} is not a node group of ${global.id}.`);
      return id.slice(prefix.length);
    });
  const retain = shardIds(input.GlobalNodeGroupsToRetain);
  const remove = shardIds(input.GlobalNodeGroupsToRemove);
  for (const m of members) {
    modifyShardConfiguration(
      {
        ReplicationGroupId: m.group.id,
        NodeGroupCount: input.NodeGroupCount,
        ApplyImmediately: true,
        NodeGroupsToRetain: retain,
        NodeGroupsToRemove: remove,
        ReshardingConfiguration: input.RegionalConfigurations?.find((r) => r.ReplicationGroupId === m.group.id)?.ReshardingConfiguration,
      },
      world,
      m.scope,
    );
  }
  transition(world, scope, 'global-group', global, 'modifying');
  world.resources.put(globalScope, 'global-group', global.id, global);
  const started = Date.now();
  runStep(world, globalScope, 'global-group', global.id, async () => {
    const settled = () => membersOf(world, scope, global).every((m) => m.group.status === 'available');
    while (!settled() && Date.now() - started < WATCH_LIMIT_MS) await new Promise((r) => setTimeout(r, Math.max(20, world.config.transitionDelayMs)));
    const fresh = world.resources.get(globalScope, 'global-group', global.id);
    if (!fresh || fresh.status !== 'modifying') return;
    transition(world, scope, 'global-group', fresh, fresh.members.length > 1 ? 'available' : 'primary-only');
    world.resources.put(globalScope, 'global-group', fresh.id, fresh);
  });
}
