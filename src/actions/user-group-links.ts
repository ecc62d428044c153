// User groups attached to replication groups and serverless caches: AWS's checks, and the users
// reaching every running node of those caches.
import { fault, invalidCombination, invalidValue } from '../protocol/errors.ts';
import type { ReplicationGroupRecord, Scope, UserGroupRecord } from '../store/records.ts';
import { serverlessOwner } from '../lifecycle/serverless.ts';
import { applyNodeUsers, usersForServerless } from '../lifecycle/rbac.ts';
import type { World } from '../world.ts';
import { transition } from '../lifecycle/states.ts';

/** Terraform documents it and AWS enforces it: a replication group takes at most one user group. */
export const MAX_USER_GROUPS_PER_CACHE = 1;
const MIN_RBAC_MAJOR = 6;

function requireLinkable(world: World, scope: Scope, id: string): UserGroupRecord {
  const g = world.resources.get(scope, 'user-group', id.toLowerCase());
  if (!g || g.status === 'deleting') throw fault('UserGroupNotFoundFault', `User group ${id} not found.`);
  if (g.status !== 'active') throw fault('InvalidUserGroupStateFault', `User group ${g.id} is not in active state.`);
  return g;
}

/** Checks the user groups a cache is created with; answers their ids. */
export function userGroupsForCreate(
  world: World,
  scope: Scope,
  ids: readonly string[] | undefined,
  opts: { transit: boolean; authToken: string | undefined; engineVersion: string },
): string[] {
  if (!ids?.length) return [];
  const groups = [...new Set(ids.map((id) => requireLinkable(world, scope, id).id))];
  if (groups.length > MAX_USER_GROUPS_PER_CACHE) throw invalidValue(`At most ${MAX_USER_GROUPS_PER_CACHE} user group can be associated with a replication group.`);
  if (!opts.transit) throw invalidCombination('Encryption in transit must be enabled to use user groups (RBAC).');
  if (opts.authToken !== undefined) throw invalidCombination('AuthToken and UserGroupIds cannot both be given.');
  if (Number.parseInt(opts.engineVersion, 10) < MIN_RBAC_MAJOR) throw invalidCombination('User groups require engine version 6.0 or later.');
  markModifying(world, scope, groups);
  return groups;
}

/** ModifyReplicationGroup's UserGroupIdsToAdd/ToRemove; true when the group's user groups change. */
export function modifyUserGroupLinks(
  world: World,
  scope: Scope,
  group: ReplicationGroupRecord,
  input: { UserGroupIdsToAdd?: string[]; UserGroupIdsToRemove?: string[]; RemoveUserGroups?: boolean },
): boolean {
  const add = (input.UserGroupIdsToAdd ?? []).map((id) => id.toLowerCase());
  const remove = input.RemoveUserGroups ? [...group.userGroupIds] : (input.UserGroupIdsToRemove ?? []).map((id) => id.toLowerCase());
  if (add.length === 0 && remove.length === 0) return false;
  if (add.some((id) => remove.includes(id))) throw invalidCombination('A user group cannot be both added and removed.');
  for (const id of add) requireLinkable(world, scope, id);
  for (const id of remove) {
    if (!group.userGroupIds.includes(id)) throw fault('UserGroupNotFoundFault', `User group ${id} is not associated with replication group ${group.id}.`);
  }
  const next = [...group.userGroupIds.filter((id) => !remove.includes(id)), ...add.filter((id) => !group.userGroupIds.includes(id))];
  if (next.length > MAX_USER_GROUPS_PER_CACHE) throw invalidValue(`At most ${MAX_USER_GROUPS_PER_CACHE} user group can be associated with a replication group.`);
  if (add.length > 0 && !group.transitEncryption) throw invalidCombination('Encryption in transit must be enabled to use user groups (RBAC).');
  if (add.length > 0 && group.authTokenEnabled) throw invalidCombination('A replication group with an AUTH token cannot use user groups.');
  group.userGroupIds = next;
  markModifying(world, scope, [...add, ...remove]);
  // The nodes get the new users once the record is saved, on the next turn.
  world.later(() => pushUsersToGroup(world, scope, group.id), 0);
  return true;
}

/** User groups being attached or detached show `modifying` for a while, as on AWS. */
export function markModifying(world: World, scope: Scope, ids: readonly string[]): void {
  for (const id of ids) {
    const g = world.resources.get(scope, 'user-group', id);
    if (!g || g.status !== 'active') continue;
    transition(world, scope, 'user-group', g, 'modifying');
    world.resources.put(scope, 'user-group', id, g);
  }
  world.later(() => {
    for (const id of ids) {
      const g = world.resources.get(scope, 'user-group', id);
      if (!g || g.status !== 'modifying' || g.pending) continue;
      transition(world, scope, 'user-group', g, 'active');
      world.resources.put(scope, 'user-group', id, g);
    }
  });
}

/** Every running node of a replication group gets the users its user groups hold now. */
export function pushUsersToGroup(world: World, scope: Scope, groupId: string): void {
  const group = world.resources.get(scope, 'replication-group', groupId);
  if (!group) return;
  for (const cid of group.memberClusters) {
    const cluster = world.resources.get(scope, 'cluster', cid);
    if (!cluster) continue;
    world.runtime.applyAccess(scope, cluster);
  }
}

export function pushUsersToServerless(world: World, scope: Scope, name: string): void {
  const cache = world.resources.get(scope, 'serverless-cache', name);
  if (!cache) return;
  const users = usersForServerless(world.resources, scope, { name, userGroupId: cache.userGroupId }, world.config.credentials);
  applyNodeUsers(world.log, world.runtime.nodes.redisNode(world.runtime.nodeKey(scope, serverlessOwner(name), '0001')), users);
}

/** After users or user groups change: every cache using one of these user groups, at once. */
export function pushUsersOfUserGroups(world: World, scope: Scope, userGroupIds: readonly string[]): void {
  for (const g of world.resources.list(scope, 'replication-group')) {
    if (g.userGroupIds.some((id) => userGroupIds.includes(id))) pushUsersToGroup(world, scope, g.id);
  }
  for (const c of world.resources.list(scope, 'serverless-cache')) {
    if (c.userGroupId !== undefined && userGroupIds.includes(c.userGroupId)) pushUsersToServerless(world, scope, c.name);
  }
}

/** Serverless caches take one user group; it must exist and be active. */
export function serverlessUserGroup(world: World, scope: Scope, id: string | undefined): string | undefined {
  if (id === undefined) return undefined;
  return requireLinkable(world, scope, id).id;
}
