import type * as ec from '@aws-sdk/client-elasticache';
import { resolveEngineVersion } from '../catalog/engine-versions.ts';
import { isNodeType } from '../catalog/node-types.ts';
import { invalidCombination, invalidValue } from '../protocol/errors.ts';
import type { ClusterRecord, DeferredChanges, Engine, ReplicationGroupRecord, Scope } from '../store/records.ts';
import { engineUpgrade } from '../validate/engine-upgrade.ts';
import type { World } from '../world.ts';
import { authTokenChange, requireTransitForTokenChange } from './auth-tokens.ts';
import { authTokenOf } from './cluster-options.ts';
import { checkClusterModeOf } from './parameter-groups.ts';
import { getParameterGroup } from '../lifecycle/parameters.ts';
import { changeGroupTransit } from './transit-encryption.ts';
import { describePendingLogDelivery, logDeliveryChanges } from '../validate/log-delivery.ts';

/**
 * ApplyImmediately false (the default) keeps these parts of a modify for the maintenance window; the
 * others (windows, retention, descriptions, security groups, parameter groups) apply at once, as on AWS.
 */
export const CLUSTER_DEFERRED = [
  'NumCacheNodes',
  'CacheNodeIdsToRemove',
  'NewAvailabilityZones',
  'AZMode',
  'CacheNodeType',
  'Engine',
  'EngineVersion',
  'AuthToken',
  'AuthTokenUpdateStrategy',
  'TransitEncryptionEnabled',
  'TransitEncryptionMode',
  'LogDeliveryConfigurations',
] as const;

export const GROUP_DEFERRED = [
  'CacheNodeType',
  'Engine',
  'EngineVersion',
  'AuthToken',
  'AuthTokenUpdateStrategy',
  'TransitEncryptionEnabled',
  'TransitEncryptionMode',
  'ClusterMode',
  'LogDeliveryConfigurations',
] as const;

export function noModifications() {
  return invalidCombination('No modifications were requested.');
}

/**
 * Splits a modify into what applies now and what waits. With ApplyImmediately, earlier deferred parts are
 * applied too (the request wins where both name a field), and nothing is left waiting.
 */
export function splitDeferred<T extends { ApplyImmediately?: boolean }>(
  input: T,
  keys: readonly string[],
  stored: DeferredChanges | undefined,
  now: number,
  ofAnotherFamily: (parameterGroup: string) => boolean = () => false,
): { apply: T; deferred: DeferredChanges | undefined } {
  if (input.ApplyImmediately) return { apply: { ...stored?.request, ...input }, deferred: undefined };
  // AWS defers no log delivery change: it asks for ApplyImmediately instead (the user guide's Log_Delivery page).
  if ((input as { LogDeliveryConfigurations?: unknown }).LogDeliveryConfigurations !== undefined) {
    throw invalidValue('To modify the log delivery configuration, set the apply-immediately parameter to true.');
  }
  const apply: Record<string, unknown> = { ...input };
  const later: Record<string, unknown> = {};
  for (const key of keys) {
    if (apply[key] === undefined) continue;
    later[key] = apply[key];
    delete apply[key];
  }
  // A major upgrade names the new family's group in the same request (the aws provider sends both): that group
  // cannot run on the current version, so it waits for the window with the upgrade. One of today's family applies now.
  const group = apply.CacheParameterGroupName;
  if ((later.EngineVersion ?? later.Engine) !== undefined && typeof group === 'string' && ofAnotherFamily(group)) {
    later.CacheParameterGroupName = group;
    delete apply.CacheParameterGroupName;
  }
  if (Object.keys(later).length === 0) return { apply: apply as T, deferred: stored };
  return { apply: apply as T, deferred: { request: { ...stored?.request, ...later }, since: stored?.since ?? now } };
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
const sameText = (a: unknown, b: string | undefined) => typeof a === 'string' && a.toLowerCase() === (b ?? '').toLowerCase();

/** Fields of a modify that can be compared with the current state; any other field given is a change. */
type Same<R> = (value: unknown, current: R) => boolean;
const IGNORED = new Set(['CacheClusterId', 'ReplicationGroupId', 'ApplyImmediately', 'AuthTokenUpdateStrategy']);

/**
 * Only the stored version's own text is no change: a version written otherwise ("6.2" or "6.x" for 6.2.6) is
 * accepted and changes nothing, as the aws provider sends it when a configuration moves from 6.x to 6.2.
 */
function sameVersion(value: unknown, current: string): boolean {
  return value === current;
}

const CLUSTER_SAME: Record<string, Same<ClusterRecord>> = {
  NumCacheNodes: (v, c) => v === c.nodes.length,
  CacheNodeType: (v, c) => v === c.nodeType,
  Engine: (v, c) => sameText(v, c.engine),
  EngineVersion: (v, c) => sameVersion(v, c.engineVersion),
  SnapshotRetentionLimit: (v, c) => v === c.snapshotRetentionLimit,
  SnapshotWindow: (v, c) => v === c.snapshotWindow,
  PreferredMaintenanceWindow: (v, c) => sameText(v, c.maintenanceWindow),
  AutoMinorVersionUpgrade: (v, c) => v === c.autoMinorVersionUpgrade,
  CacheParameterGroupName: (v, c) => sameText(v, c.parameterGroup),
  SecurityGroupIds: (v, c) => Array.isArray(v) && sameSet(v, c.securityGroupIds),
  NotificationTopicArn: (v, c) => v === (c.notificationTopicArn ?? ''),
  IpDiscovery: (v, c) => v === c.ipDiscovery,
  TransitEncryptionEnabled: (v, c) => v === c.transitEncryption,
};

export function clusterRequestsChange(input: object, cluster: ClusterRecord): boolean {
  return changes(input, cluster, CLUSTER_SAME);
}

export function groupRequestsChange(input: object, group: ReplicationGroupRecord, primary: ClusterRecord | undefined): boolean {
  const same: Record<string, Same<ReplicationGroupRecord>> = {
    ReplicationGroupDescription: (v, g) => v === g.description,
    AutomaticFailoverEnabled: (v, g) => v === g.automaticFailover,
    MultiAZEnabled: (v, g) => v === g.multiAZ,
    PrimaryClusterId: (v, g) => sameText(v, g.primaryClusterId),
    CacheNodeType: (v, g) => v === g.nodeType,
    Engine: (v, g) => sameText(v, g.engine),
    EngineVersion: (v, g) => sameVersion(v, g.engineVersion),
    SnapshotRetentionLimit: (v, g) => v === g.snapshotRetentionLimit,
    SnapshotWindow: (v, g) => v === g.snapshotWindow,
    AutoMinorVersionUpgrade: (v, g) => v === g.autoMinorVersionUpgrade,
    IpDiscovery: (v, g) => v === g.ipDiscovery,
    TransitEncryptionEnabled: (v, g) => v === g.transitEncryption,
    ClusterMode: (v, g) => v === (g.clusterModeCompatible ? 'compatible' : g.shards ? 'enabled' : 'disabled'),
  };
  if (primary) {
    for (const [field, check] of Object.entries(CLUSTER_SAME)) {
      if (!(field in same) && ['PreferredMaintenanceWindow', 'CacheParameterGroupName', 'SecurityGroupIds', 'NotificationTopicArn'].includes(field)) {
        same[field] = (v) => check(v, primary);
      }
    }
  }
  return changes(input, group, same);
}

function changes<R>(input: object, current: R, same: Record<string, Same<R>>): boolean {
  return Object.entries(input).some(([field, value]) => value !== undefined && !IGNORED.has(field) && !same[field]?.(value, current));
}

function authTokenStatus(request: Record<string, unknown>): ec.AuthTokenUpdateStatus | undefined {
  if (request.AuthToken === undefined) return undefined;
  return request.AuthTokenUpdateStrategy === 'ROTATE' ? 'ROTATING' : 'SETTING';
}

function shownVersion(engine: Engine, request: Record<string, unknown>): string | undefined {
  if (typeof request.EngineVersion !== 'string') return undefined;
  const target = (typeof request.Engine === 'string' ? request.Engine.toLowerCase() : engine) as Engine;
  return resolveEngineVersion(target, request.EngineVersion)?.version ?? request.EngineVersion;
}

function pendingLogs(engine: Engine, version: string, request: Record<string, unknown>) {
  return describePendingLogDelivery(logDeliveryChanges(engine, version, request.LogDeliveryConfigurations as ec.LogDeliveryConfigurationRequest[] | undefined));
}

/** PendingModifiedValues of a cluster: its own deferred changes, and its group's node type and version. */
export function pendingClusterValues(c: ClusterRecord, group: ReplicationGroupRecord | undefined): ec.PendingModifiedValues {
  const own = c.deferred?.request ?? {};
  const fromGroup = group?.deferred?.request ?? {};
  return {
    NumCacheNodes: own.NumCacheNodes as number | undefined,
    CacheNodeIdsToRemove: own.CacheNodeIdsToRemove as string[] | undefined,
    CacheNodeType: (own.CacheNodeType ?? fromGroup.CacheNodeType) as string | undefined,
    EngineVersion: shownVersion(c.engine, own.EngineVersion ? own : fromGroup),
    AuthTokenStatus: authTokenStatus(own),
    TransitEncryptionEnabled: own.TransitEncryptionEnabled as boolean | undefined,
    TransitEncryptionMode: own.TransitEncryptionMode as ec.TransitEncryptionMode | undefined,
    LogDeliveryConfigurations: pendingLogs(c.engine, c.engineVersion, own),
  };
}

export function pendingGroupValues(g: ReplicationGroupRecord): Partial<ec.ReplicationGroupPendingModifiedValues> {
  const r = g.deferred?.request ?? {};
  return {
    AuthTokenStatus: authTokenStatus(r),
    TransitEncryptionEnabled: r.TransitEncryptionEnabled as boolean | undefined,
    TransitEncryptionMode: r.TransitEncryptionMode as ec.TransitEncryptionMode | undefined,
    ClusterMode: r.ClusterMode as ec.ClusterMode | undefined,
    LogDeliveryConfigurations: pendingLogs(g.engine, g.engineVersion, r),
  };
}

/** Whether a parameter group (missing counts too) is not of the family of the version running now. */
export function ofAnotherFamily(world: World, scope: Scope, parameterGroup: string, engine: Engine, version: string): boolean {
  return getParameterGroup(world.resources, scope, parameterGroup)?.family !== resolveEngineVersion(engine, version)?.family;
}

/** The checks of a group modify's deferred fields, made when the request arrives rather than in the window. */
function checkGroupDeferred(group: ReplicationGroupRecord, primary: ClusterRecord | undefined, request: ec.ModifyReplicationGroupMessage): void {
  if (request.CacheNodeType !== undefined && !isNodeType(request.CacheNodeType)) throw invalidValue(`Invalid CacheNodeType: ${request.CacheNodeType}`);
  engineUpgrade(
    { engine: group.engine, engineVersion: group.engineVersion, parameterGroup: primary?.parameterGroup ?? '', inReplicationGroup: true },
    request.Engine,
    request.EngineVersion,
    request.CacheParameterGroupName,
  );
  const transit = request.TransitEncryptionEnabled ?? group.transitEncryption;
  if (request.TransitEncryptionMode !== undefined && !['preferred', 'required'].includes(request.TransitEncryptionMode)) {
    throw invalidValue(`Invalid value for TransitEncryptionMode: ${request.TransitEncryptionMode}. Valid values are: preferred, required.`);
  }
  if (request.AuthToken !== undefined) {
    requireTransitForTokenChange(transit);
    authTokenOf(request.AuthToken, transit);
  }
  // Token strategies (SET only after ROTATE, DELETE only toward RBAC) and transit steps (off, preferred,
  // required) hold for changes that wait as for immediate ones; checked on copies, so nothing moves yet.
  if (primary !== undefined) authTokenChange(request, { transitEncryption: transit, authToken: primary.authToken, previousAuthToken: primary.previousAuthToken });
  changeGroupTransit(structuredClone(group), primary ? [primary] : [], request);
  if (request.ClusterMode !== undefined && !['enabled', 'disabled', 'compatible'].includes(request.ClusterMode)) {
    throw invalidValue(`Invalid value for ClusterMode: ${request.ClusterMode}. Valid values are: enabled, disabled, compatible.`);
  }
  logDeliveryChanges(group.engine, group.engineVersion, request.LogDeliveryConfigurations);
}

/**
 * The deferral step of ModifyReplicationGroup: refuses a request that changes nothing, checks the parts that
 * wait, keeps them on the group and answers what applies now (undefined when nothing does).
 */
export function deferGroupChanges(
  world: World,
  scope: Scope,
  group: ReplicationGroupRecord,
  input: ec.ModifyReplicationGroupMessage,
): ec.ModifyReplicationGroupMessage | undefined {
  const primary = world.resources.get(scope, 'cluster', group.primaryClusterId);
  if (!groupRequestsChange(input, group, primary) && !(input.ApplyImmediately && group.deferred)) throw noModifications();
  const { apply, deferred } = splitDeferred(input, GROUP_DEFERRED, group.deferred, world.now(), (name) =>
    ofAnotherFamily(world, scope, name, group.engine, group.engineVersion),
  );
  checkGroupDeferred(group, primary, { ...apply, ...deferred?.request } as ec.ModifyReplicationGroupMessage);
  if (input.CacheParameterGroupName !== undefined && group.global && input.EngineVersion === undefined) {
    throw invalidCombination(
      `Replication group ${group.id} belongs to global datastore ${group.global.id}: its parameter group changes only with a major engine version upgrade.`,
    );
  }
  if (input.CacheParameterGroupName !== undefined) {
    // Compatible mode runs with cluster-enabled yes (the user guide's "Modifying cluster mode"): a move to it names such a group.
    const clusterMode = input.ClusterMode !== undefined ? input.ClusterMode !== 'disabled' : group.shards !== undefined;
    checkClusterModeOf(world, scope, input.CacheParameterGroupName, clusterMode);
  }
  if (deferred !== undefined && deferred !== group.deferred) {
    world.event(scope, 'replication-group', group.id, 'Modifications pending for the next maintenance window');
  }
  group.deferred = deferred;
  const applyNow = Object.entries(apply).some(([k, v]) => v !== undefined && !IGNORED.has(k));
  if (applyNow) return apply;
  world.resources.put(scope, 'replication-group', group.id, group);
  return undefined;
}
