import type * as ec from '@aws-sdk/client-elasticache';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Scope, UserGroupRecord, UserRecord } from '../store/records.ts';
import { accessStringCheck, passwords } from '../validate/access-string.ts';
import { identifier } from '../validate/identifiers.ts';
import type { World } from '../world.ts';
import { engineOf } from './cluster-options.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { applyCreateTags } from './tags.ts';
import { builtInDefaultUser, DEFAULT_USER_ID } from '../lifecycle/rbac.ts';
import { pushUsersOfUserGroups } from './user-group-links.ts';
import { removeResource } from '../lifecycle/removal.ts';
import { requireState, transition } from '../lifecycle/states.ts';
import { runStep } from '../lifecycle/steps.ts';

export const MAX_USERS = 1000;
export const MAX_USER_GROUPS = 100;
export const MAX_USERS_PER_GROUP = 100;
export { DEFAULT_USER_ID };
const MIN_RBAC_VERSION = '6.0';

/** Every account has the `default` user, as on AWS: full access, no password. */
function defaultUser(world: World): UserRecord {
  return builtInDefaultUser(world.now());
}

export function getUser(world: World, scope: Scope, id: string): UserRecord | undefined {
  return id === DEFAULT_USER_ID ? defaultUser(world) : world.resources.get(scope, 'user', id);
}

function requireUser(world: World, scope: Scope, id: string | undefined): UserRecord {
  if (id === undefined) throw missingParameter('UserId');
  const user = getUser(world, scope, id.toLowerCase());
  if (!user) throw fault('UserNotFoundFault', `User ${id} not found.`);
  return user;
}

export function requireUserGroup(world: World, scope: Scope, id: string | undefined): UserGroupRecord {
  if (id === undefined) throw missingParameter('UserGroupId');
  const group = world.resources.get(scope, 'user-group', id.toLowerCase());
  if (!group) throw fault('UserGroupNotFoundFault', `User group ${id} not found.`);
  return group;
}

function groupsOf(world: World, scope: Scope, userId: string): string[] {
  return world.resources.list(scope, 'user-group').filter((g) => g.userIds.includes(userId)).map((g) => g.id);
}

function describeUser(world: World, scope: Scope, u: UserRecord): ec.User {
  return {
    UserId: u.id,
    UserName: u.userName,
    Status: u.status,
    Engine: u.engine,
    MinimumEngineVersion: MIN_RBAC_VERSION,
    AccessString: u.accessString,
    UserGroupIds: groupsOf(world, scope, u.id),
    Authentication: { Type: u.authentication === 'no-password-required' ? 'no-password' : u.authentication, PasswordCount: u.passwords.length },
    ARN: world.arn(scope, 'user', u.id),
  };
}

function replicationGroupsUsing(world: World, scope: Scope, groupId: string): string[] {
  return world.resources.list(scope, 'replication-group').filter((g) => g.userGroupIds.includes(groupId)).map((g) => g.id);
}

function serverlessCachesUsing(world: World, scope: Scope, groupId: string): string[] {
  return world.resources.list(scope, 'serverless-cache').filter((c) => c.userGroupId === groupId).map((c) => c.name);
}

/** Deleted users and user groups are described as deleting until the deletion completes, as on AWS. */
function removeLater(world: World, scope: Scope, kind: 'user' | 'user-group', id: string): void {
  world.later(() => {
    const r = world.resources.get(scope, kind, id);
    if (!r || r.status !== 'deleting') return;
    removeResource(world, scope, kind, id);
  });
}

function describeUserGroup(world: World, scope: Scope, g: UserGroupRecord): ec.UserGroup {
  return {
    UserGroupId: g.id,
    Status: g.status,
    Engine: g.engine,
    UserIds: g.userIds,
    MinimumEngineVersion: MIN_RBAC_VERSION,
    PendingChanges: g.pending ? { UserIdsToAdd: g.pending.add, UserIdsToRemove: g.pending.remove } : undefined,
    ReplicationGroups: replicationGroupsUsing(world, scope, g.id),
    ServerlessCaches: serverlessCachesUsing(world, scope, g.id),
    ARN: world.arn(scope, 'user-group', g.id),
  };
}

/** Authentication from either the legacy (Passwords/NoPasswordRequired) or the AuthenticationMode form. */
function authenticationOf(input: {
  Passwords?: string[];
  NoPasswordRequired?: boolean;
  AuthenticationMode?: ec.AuthenticationMode;
}): Pick<UserRecord, 'authentication' | 'passwords'> | undefined {
  const mode = input.AuthenticationMode;
  // NoPasswordRequired=false says nothing: the aws provider sends it with every AuthenticationMode.
  if (mode && (input.Passwords || input.NoPasswordRequired)) {
    throw invalidCombination('AuthenticationMode cannot be combined with Passwords or NoPasswordRequired.');
  }
  if (mode) {
    if (mode.Type === 'password') {
      if (!mode.Passwords?.length) throw missingParameter('AuthenticationMode.Passwords');
      return { authentication: 'password', passwords: passwords(mode.Passwords) };
    }
    if (mode.Type === 'no-password-required' || mode.Type === 'iam') {
      if (mode.Passwords?.length) throw invalidCombination(`Passwords cannot be given with authentication type ${mode.Type}.`);
      return { authentication: mode.Type, passwords: [] };
    }
    throw invalidValue(`Invalid authentication type: ${String(mode.Type)}.`);
  }
  if (input.Passwords && input.NoPasswordRequired) {
    throw invalidCombination('Passwords and NoPasswordRequired cannot both be given.');
  }
  if (input.Passwords) return { authentication: 'password', passwords: passwords(input.Passwords) };
  if (input.NoPasswordRequired !== undefined) {
    return input.NoPasswordRequired ? { authentication: 'no-password-required', passwords: [] } : undefined;
  }
  return undefined;
}

function settle(world: World, scope: Scope, groupId: string): void {
  world.later(() => {
    const g = world.resources.get(scope, 'user-group', groupId);
    if (!g || (g.status !== 'creating' && g.status !== 'modifying')) return;
    if (g.pending) {
      g.userIds = [...g.userIds.filter((u) => !g.pending!.remove.includes(u)), ...g.pending.add];
      g.pending = undefined;
    }
    transition(world, scope, 'user-group', g, 'active');
    world.resources.put(scope, 'user-group', groupId, g);
    pushUsersOfUserGroups(world, scope, [groupId]);
  });
}

function checkMembers(world: World, scope: Scope, engine: UserGroupRecord['engine'], userIds: string[]): string[] {
  const ids = [...new Set(userIds.map((u) => u.toLowerCase()))];
  if (ids.length > MAX_USERS_PER_GROUP) {
    throw invalidValue(`A user group can have at most ${MAX_USERS_PER_GROUP} users.`);
  }
  const users = ids.map((id) => {
    const user = getUser(world, scope, id);
    if (!user || user.status === 'deleting') throw fault('UserNotFoundFault', `User ${id} not found.`);
    if (user.engine !== engine && !(user.id === DEFAULT_USER_ID)) {
      throw invalidCombination(`User ${id} is for engine ${user.engine}, not ${engine}.`);
    }
    return user;
  });
  const names = users.map((u) => u.userName);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw fault('DuplicateUserNameFault', `A user group cannot contain two users with the user name ${twice}.`);
  if (!users.some((u) => u.userName === 'default')) {
    throw fault('DefaultUserRequired', 'A user with the username default must be present in the user group.');
  }
  return ids;
}

export const userActions: ActionTable = {
  CreateUser: define<ec.CreateUserMessage, ec.User>(async (input, { world, scope }) => {
    const accessString = await accessStringCheck();
    const id = identifier(input.UserId, 'UserId', 40);
    if (input.UserName === undefined) throw missingParameter('UserName');
    if (input.UserName.length === 0 || input.UserName.length > 120 || /\s/.test(input.UserName)) {
      throw invalidValue('The parameter UserName must be 1 to 120 characters without spaces.');
    }
    if (input.AccessString === undefined) throw missingParameter('AccessString');
    const engine = engineOf(input.Engine, 'redis');
    if (engine === 'memcached') throw invalidValue('Users are only supported for the redis and valkey engines.');
    const auth = authenticationOf(input);
    if (!auth) throw missingParameter('Passwords, NoPasswordRequired or AuthenticationMode');
    const record: UserRecord = {
      id,
      userName: input.UserName,
      engine,
      accessString: accessString(input.AccessString),
      ...auth,
      status: 'active',
      createdAt: world.now(),
    };
    world.resources.transaction(() => {
      const users = world.resources.list(scope, 'user');
      // AWS checks the UserId before the quota and the user name.
      if (id === DEFAULT_USER_ID || users.some((u) => u.id === id)) throw fault('UserAlreadyExistsFault', `User ${id} already exists.`);
      if (users.length >= MAX_USERS) throw fault('UserQuotaExceededFault', `The quota of ${MAX_USERS} users has been reached.`);
      // Several users may be named `default` (one per user group), as AWS's own RBAC guide does.
      if (record.userName !== 'default' && users.some((u) => u.userName === record.userName && u.engine === engine)) {
        throw fault('DuplicateUserNameFault', `A user with the user name ${record.userName} already exists.`);
      }
      if (!world.resources.insert(scope, 'user', id, record)) throw fault('UserAlreadyExistsFault', `User ${id} already exists.`);
      applyCreateTags(world, world.arn(scope, 'user', id), input.Tags);
    });
    world.event(scope, 'user', id, `User ${id} created`);
    return describeUser(world, scope, record);
  }),

  DescribeUsers: define<ec.DescribeUsersMessage, ec.DescribeUsersResult>((input, { world, scope }) => {
    let users = input.UserId !== undefined ? [requireUser(world, scope, input.UserId)] : [defaultUser(world), ...world.resources.list(scope, 'user')];
    if (input.Engine !== undefined) users = users.filter((u) => u.engine === input.Engine!.toLowerCase());
    for (const filter of input.Filters ?? []) {
      if (filter.Name !== 'user-name') throw invalidValue(`Invalid filter name: ${filter.Name}. Valid filter: user-name.`);
      users = users.filter((u) => filter.Values?.includes(u.userName));
    }
    const { page, marker } = paginate(users, input.MaxRecords, input.Marker);
    return { Marker: marker, Users: page.map((u) => describeUser(world, scope, u)) };
  }),

  ModifyUser: define<ec.ModifyUserMessage, ec.User>(async (input, { world, scope }) => {
    const accessString = await accessStringCheck();
    const user = requireUser(world, scope, input.UserId);
    if (user.id === DEFAULT_USER_ID) throw invalidValue('The default user cannot be modified.');
    requireState('user', user, 'modify');
    if (input.AccessString !== undefined && input.AppendAccessString !== undefined) {
      throw invalidCombination('AccessString and AppendAccessString cannot both be given.');
    }
    if (input.AccessString !== undefined) user.accessString = accessString(input.AccessString);
    if (input.AppendAccessString !== undefined) user.accessString = accessString(`${user.accessString} ${input.AppendAccessString}`);
    const auth = authenticationOf(input);
    if (auth) Object.assign(user, auth);
    transition(world, scope, 'user', user, 'modifying', `User ${user.id} modified`);
    world.resources.put(scope, 'user', user.id, user);
    // New passwords and rules work on the nodes at once; the user shows `modifying` for a while.
    pushUsersOfUserGroups(world, scope, groupsOf(world, scope, user.id));
    runStep(world, scope, 'user', user.id, () => {
      const fresh = world.resources.get(scope, 'user', user.id);
      if (!fresh || fresh.status !== 'modifying') return;
      transition(world, scope, 'user', fresh, 'active');
      world.resources.put(scope, 'user', user.id, fresh);
    });
    return describeUser(world, scope, user);
  }),

  DeleteUser: define<ec.DeleteUserMessage, ec.User>((input, { world, scope }) => {
    const user = requireUser(world, scope, input.UserId);
    if (user.id === DEFAULT_USER_ID) throw invalidValue('The default user cannot be deleted.');
    requireState('user', user, 'delete');
    const groups = groupsOf(world, scope, user.id);
    if (user.userName === 'default' && groups.length > 0) {
      throw fault('DefaultUserAssociatedToUserGroupFault', `User ${user.id} is the default user of user group ${groups[0]}; remove it from the group first.`);
    }
    world.resources.transaction(() => {
      for (const gid of groups) {
        const g = world.resources.get(scope, 'user-group', gid)!;
        g.userIds = g.userIds.filter((u) => u !== user.id);
        world.resources.put(scope, 'user-group', gid, g);
      }
      transition(world, scope, 'user', user, 'deleting');
      world.resources.put(scope, 'user', user.id, user);
    });
    // Its connections close at once on every node that knew it.
    pushUsersOfUserGroups(world, scope, groups);
    removeLater(world, scope, 'user', user.id);
    world.event(scope, 'user', user.id, `User ${user.id} deleted`);
    return { ...describeUser(world, scope, user), Status: 'deleting', UserGroupIds: groups };
  }),

  CreateUserGroup: define<ec.CreateUserGroupMessage, ec.UserGroup>((input, { world, scope }) => {
    const id = identifier(input.UserGroupId, 'UserGroupId', 40);
    if (input.Engine === undefined) throw missingParameter('Engine');
    const engine = engineOf(input.Engine, 'redis');
    if (engine === 'memcached') throw invalidValue('User groups are only supported for the redis and valkey engines.');
    const record: UserGroupRecord = {
      id,
      engine,
      userIds: checkMembers(world, scope, engine, input.UserIds ?? []),
      status: 'creating',
      createdAt: world.now(),
    };
    world.resources.transaction(() => {
      if (world.resources.list(scope, 'user-group').length >= MAX_USER_GROUPS) {
        throw fault('UserGroupQuotaExceededFault', `The quota of ${MAX_USER_GROUPS} user groups has been reached.`);
      }
      if (!world.resources.insert(scope, 'user-group', id, record)) {
        throw fault('UserGroupAlreadyExistsFault', `User group ${id} already exists.`);
      }
      applyCreateTags(world, world.arn(scope, 'user-group', id), input.Tags);
    });
    world.event(scope, 'user-group', id, `User group ${id} created`);
    settle(world, scope, id);
    return describeUserGroup(world, scope, record);
  }),

  DescribeUserGroups: define<ec.DescribeUserGroupsMessage, ec.DescribeUserGroupsResult>((input, { world, scope }) => {
    const groups = input.UserGroupId !== undefined ? [requireUserGroup(world, scope, input.UserGroupId)] : world.resources.list(scope, 'user-group');
    const { page, marker } = paginate(groups, input.MaxRecords, input.Marker);
    return { Marker: marker, UserGroups: page.map((g) => describeUserGroup(world, scope, g)) };
  }),

  ModifyUserGroup: define<ec.ModifyUserGroupMessage, ec.UserGroup>((input, { world, scope }) => {
    const group = requireUserGroup(world, scope, input.UserGroupId);
    requireState('user-group', group, 'modify');
    const add = (input.UserIdsToAdd ?? []).map((u) => u.toLowerCase());
    const remove = (input.UserIdsToRemove ?? []).map((u) => u.toLowerCase());
    if (add.length === 0 && remove.length === 0) throw invalidValue('Specify UserIdsToAdd or UserIdsToRemove.');
    for (const r of remove) if (!group.userIds.includes(r)) throw fault('UserNotFoundFault', `User ${r} is not in user group ${group.id}.`);
    const next = [...group.userIds.filter((u) => !remove.includes(u)), ...add.filter((a) => !group.userIds.includes(a))];
    checkMembers(world, scope, group.engine, next);
    group.pending = { add: add.filter((a) => !group.userIds.includes(a)), remove };
    transition(world, scope, 'user-group', group, 'modifying');
    world.resources.put(scope, 'user-group', group.id, group);
    settle(world, scope, group.id);
    return describeUserGroup(world, scope, group);
  }),

  DeleteUserGroup: define<ec.DeleteUserGroupMessage, ec.UserGroup>((input, { world, scope }) => {
    const group = requireUserGroup(world, scope, input.UserGroupId);
    if (replicationGroupsUsing(world, scope, group.id).length > 0) {
      throw fault('InvalidUserGroupStateFault', `User group ${group.id} is associated with a replication group.`);
    }
    if (serverlessCachesUsing(world, scope, group.id).length > 0) {
      throw fault('InvalidUserGroupStateFault', `User group ${group.id} is associated with a serverless cache.`);
    }
    requireState('user-group', group, 'delete');
    transition(world, scope, 'user-group', group, 'deleting');
    world.resources.put(scope, 'user-group', group.id, group);
    removeLater(world, scope, 'user-group', group.id);
    return describeUserGroup(world, scope, group);
  }),
};
