import type * as ec from '@aws-sdk/client-elasticache';
import { invalidCombination, invalidValue } from '../protocol/errors.ts';
import type { ClusterRecord, ReplicationGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { authTokenOf } from './cluster-options.ts';

/**
 * AuthTokenUpdateStrategy as AWS applies it: ROTATE (the default) adds the new token and keeps the current
 * one valid, so clients move over without a refused request; SET, only after a ROTATE, keeps just the given
 * token; DELETE, only on the way to RBAC (with UserGroupIdsToAdd), removes the token.
 */
export type AuthTokenChange = { strategy: 'ROTATE' | 'SET'; token: string } | { strategy: 'DELETE' };

const STRATEGIES = ['SET', 'ROTATE', 'DELETE'];

interface TokenState {
  transitEncryption: boolean;
  authToken?: string;
  previousAuthToken?: string;
}

/** AWS's own words (quoted in terraform-provider-aws issue 38209, where an imported group without TLS met them). */
export function requireTransitForTokenChange(transitEncryption: boolean): void {
  if (!transitEncryption) throw invalidValue('The AUTH token modification is only supported when encryption-in-transit is enabled.');
}

/** The change a modify asks for, checked against the current tokens; undefined when it asks for none. */
export function authTokenChange(
  input: { AuthToken?: string; AuthTokenUpdateStrategy?: string; UserGroupIdsToAdd?: string[] },
  current: TokenState,
): AuthTokenChange | undefined {
  const strategy = input.AuthTokenUpdateStrategy;
  if (input.AuthToken === undefined && strategy === undefined) return undefined;
  if (strategy !== undefined && !STRATEGIES.includes(strategy)) {
    throw invalidValue(`Invalid value for AuthTokenUpdateStrategy: ${strategy}. Valid values are: SET, ROTATE, DELETE.`);
  }
  if (strategy === 'DELETE') {
    if (input.AuthToken !== undefined) throw invalidCombination('AuthToken cannot be specified with AuthTokenUpdateStrategy DELETE.');
    if (!input.UserGroupIdsToAdd?.length) {
      throw invalidCombination('AuthTokenUpdateStrategy DELETE is allowed only when migrating to RBAC: specify UserGroupIdsToAdd.');
    }
    if (current.authToken === undefined) throw invalidCombination('AuthTokenUpdateStrategy DELETE requires an AUTH token to be enabled.');
    return { strategy: 'DELETE' };
  }
  requireTransitForTokenChange(current.transitEncryption);
  if (input.AuthToken === undefined) throw invalidCombination(`AuthTokenUpdateStrategy ${strategy} requires AuthToken.`);
  const token = authTokenOf(input.AuthToken, current.transitEncryption)!;
  if (strategy === 'SET' && current.previousAuthToken === undefined) {
    throw invalidCombination('AuthTokenUpdateStrategy SET is allowed only after ROTATE.');
  }
  return { strategy: strategy === 'SET' ? 'SET' : 'ROTATE', token };
}

function applyToCluster(cluster: ClusterRecord, change: AuthTokenChange, now: number): void {
  if (change.strategy === 'ROTATE') {
    // At most two tokens are valid: a second ROTATE drops the oldest.
    if (cluster.authToken !== undefined && cluster.authToken !== change.token) cluster.previousAuthToken = cluster.authToken;
    cluster.authToken = change.token;
  } else {
    cluster.authToken = change.strategy === 'SET' ? change.token : undefined;
    cluster.previousAuthToken = undefined;
  }
  cluster.authTokenLastModified = now;
  cluster.pending.authTokenStatus = change.strategy === 'ROTATE' ? 'ROTATING' : change.strategy === 'SET' ? 'SETTING' : undefined;
}

/** Records a group's token change (in flight until finishSecurityChanges); answers whether there was one. */
export function changeGroupAuthToken(
  group: ReplicationGroupRecord,
  members: ClusterRecord[],
  input: ec.ModifyReplicationGroupMessage,
  now: number,
): boolean {
  const primary = members.find((m) => m.id === group.primaryClusterId) ?? members[0];
  const change = authTokenChange(input, {
    transitEncryption: group.pending.transit?.enabled ?? group.transitEncryption,
    authToken: primary?.authToken,
    previousAuthToken: primary?.previousAuthToken,
  });
  if (!change) return false;
  for (const m of members) applyToCluster(m, change, now);
  group.authTokenEnabled = change.strategy !== 'DELETE';
  group.authTokenLastModified = now;
  group.pending.authTokenStatus = change.strategy === 'ROTATE' ? 'ROTATING' : change.strategy === 'SET' ? 'SETTING' : undefined;
  return true;
}

/** ModifyCacheCluster's token change on a cluster of its own; answers whether there was one. */
export function changeClusterAuthToken(cluster: ClusterRecord, input: ec.ModifyCacheClusterMessage, now: number): boolean {
  if (cluster.engine === 'memcached' && (input.AuthToken !== undefined || input.AuthTokenUpdateStrategy !== undefined)) {
    throw invalidCombination('AuthToken is not supported for Memcached.');
  }
  const change = authTokenChange(input, cluster);
  if (!change) return false;
  applyToCluster(cluster, change, now);
  return true;
}

/** The end of a modify that changed tokens: every running node accepts exactly the recorded tokens. */
export function finishClusterAuthToken(world: World, scope: Scope, cluster: ClusterRecord): void {
  world.runtime.applyAccess(scope, cluster);
  cluster.pending.authTokenStatus = undefined;
}
