import { invalidCombination } from '../protocol/errors.ts';
import { getParameterGroup } from '../lifecycle/parameters.ts';
import type { GlobalGroupRecord, ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';

export const GLOBAL_PARAMETER_GROUP_PREFIX = 'global-datastore-';

/**
 * A group joining a global datastore gets a parameter group of its own, as on AWS: a copy of its current
 * one, described as created by ElastiCache for that global cluster. (Terraform deletes it after the member.)
 */
export function giveOwnParameterGroup(world: World, scope: Scope, group: ReplicationGroupRecord, globalId: string): void {
  const members = group.memberClusters.map((id) => world.resources.get(scope, 'cluster', id)).filter((c) => c !== undefined);
  const current = members[0] ? getParameterGroup(world.resources, scope, members[0].parameterGroup) : undefined;
  if (!current) return;
  const name = `${GLOBAL_PARAMETER_GROUP_PREFIX}${globalId}`.toLowerCase();
  world.resources.insert(scope, 'parameter-group', name, {
    name,
    family: current.family,
    description: `Created by ElastiCache for global cluster ${globalId}`,
    overrides: { ...current.overrides },
    createdAt: world.now(),
  });
  for (const m of members) {
    m.parameterGroup = name;
    world.resources.put(scope, 'cluster', m.id, m);
  }
}

/** What AWS checks of a secondary: the datastore's engine, node type and encryption settings. */
export function checkSecondaryMatches(global: GlobalGroupRecord, group: ReplicationGroupRecord): void {
  const mismatch =
    group.engine !== global.engine
      ? `engine ${group.engine} (the global datastore runs ${global.engine})`
      : group.nodeType !== global.nodeType
        ? `node type ${group.nodeType} (the global datastore uses ${global.nodeType})`
        : group.transitEncryption !== global.transitEncryption
          ? 'encryption in transit setting'
          : group.atRestEncryption !== global.atRestEncryption
            ? 'encryption at rest setting'
            : undefined;
  if (mismatch) throw invalidCombination(`A secondary replication group of ${global.id} must match the global datastore: different ${mismatch}.`);
}
