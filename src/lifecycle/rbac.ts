// RBAC on running nodes: the users of a cache's user groups, as ACL rules the Redis engine applies.
import type { RedisNode, UserSpec } from '../../engines/redis/index.ts';
import type { AccessKey } from '../config.ts';
import type { Logger } from '../log.ts';
import { iamTokenProblem } from '../protocol/iam-token.ts';
import type { ClusterRecord, Scope, UserRecord } from '../store/records.ts';
import type { Resources } from '../store/resources.ts';

export const DEFAULT_USER_ID = 'default';
/** The account's built-in `default` user, as AWS describes it: on, every key and command, no password. */
export const DEFAULT_ACCESS_STRING = 'on ~* +@all';

/**
 * A node without a user group: the default user alone, open, or with AUTH tokens its passwords (two while a
 * ROTATE keeps the old token valid next to the new one).
 */
function defaultUserAlone(authTokens: readonly string[]): UserSpec[] {
  const auth = authTokens.length > 0 ? authTokens.map((t) => `>${t}`) : ['nopass'];
  return [{ name: 'default', rules: ['on', ...auth, '~*', '&*', '+@all'] }];
}

export function builtInDefaultUser(createdAt: number): UserRecord {
  return {
    id: DEFAULT_USER_ID,
    userName: 'default',
    engine: 'redis',
    accessString: DEFAULT_ACCESS_STRING,
    authentication: 'no-password-required',
    passwords: [],
    status: 'active',
    createdAt,
  };
}

/** What an IAM user's token is checked against: the cache it must name and the emulator's access keys. */
export interface IamContext {
  cacheName: string;
  credentials: ReadonlyMap<string, AccessKey>;
}

/**
 * An IAM user's password check: `AUTH <user id> <token>` with the SigV4-presigned token AWS documents.
 * With no access keys configured (the default), everything but the signature is checked, since there
 * is no secret to check it with.
 */
function iamVerifier(userId: string, iam: IamContext): (token: string) => boolean {
  return (token) => {
    const problem = iamTokenProblem(token, { cacheName: iam.cacheName, userId, credentials: iam.credentials });
    return problem === null || (iam.credentials.size === 0 && problem.startsWith('unknown access key'));
  };
}

/**
 * A user's ACL rules on a node. Channels are open unless the access string says otherwise, as for
 * ElastiCache's users; IAM users authenticate with a token instead of a password.
 */
export function userSpec(u: UserRecord, iam?: IamContext): UserSpec {
  const auth = u.authentication === 'no-password-required' ? ['nopass'] : u.passwords.map((p) => `>${p}`);
  const access = u.accessString.split(/\s+/).filter(Boolean);
  const namesChannels = access.some((t) => t.startsWith('&') || /^(allchannels|resetchannels)$/i.test(t));
  const spec: UserSpec = { name: u.userName, rules: [...(namesChannels ? [] : ['allchannels']), ...auth, ...access] };
  if (u.authentication === 'iam' && iam !== undefined) spec.verifyPassword = iamVerifier(u.id, iam);
  return spec;
}

function userRecord(resources: Resources, scope: Scope, id: string): UserRecord | undefined {
  return id === DEFAULT_USER_ID ? builtInDefaultUser(0) : resources.get(scope, 'user', id);
}

/** The users a node of caches with these user groups knows; undefined without RBAC. */
export function usersForGroups(resources: Resources, scope: Scope, userGroupIds: readonly string[], iam?: IamContext): UserSpec[] | undefined {
  if (userGroupIds.length === 0) return undefined;
  const byName = new Map<string, UserSpec>();
  for (const gid of userGroupIds) {
    for (const uid of resources.get(scope, 'user-group', gid)?.userIds ?? []) {
      const u = userRecord(resources, scope, uid);
      if (u && u.status !== 'deleting') byName.set(u.userName, userSpec(u, iam));
    }
  }
  return [...byName.values()];
}

/** The users of a serverless cache's user group; its IAM users' tokens name the cache. */
export function usersForServerless(
  resources: Resources,
  scope: Scope,
  cache: { name: string; userGroupId?: string },
  credentials: ReadonlyMap<string, AccessKey>,
): UserSpec[] | undefined {
  return usersForGroups(resources, scope, cache.userGroupId ? [cache.userGroupId] : [], { cacheName: cache.name, credentials });
}

export function usersForCluster(
  resources: Resources,
  scope: Scope,
  cluster: ClusterRecord,
  credentials: ReadonlyMap<string, AccessKey>,
): UserSpec[] | undefined {
  const group = cluster.replicationGroupId ? resources.get(scope, 'replication-group', cluster.replicationGroupId) : undefined;
  return usersForGroups(resources, scope, group?.userGroupIds ?? [], { cacheName: cluster.replicationGroupId ?? cluster.id, credentials });
}

/** Gives a running Redis node its users (or, with undefined, the open default user back). */
export function applyNodeUsers(log: Logger, server: RedisNode | undefined, users: UserSpec[] | undefined, authTokens: readonly string[] = []): void {
  if (!server) return;
  for (const e of server.setUsers(users ?? defaultUserAlone(authTokens))) log.warn({ problem: e }, "a user's access string does not apply on the node");
}
