import type * as ec from '@aws-sdk/client-elasticache';
import {
  appliesTo,
  engineText,
  serviceUpdateCatalogue,
  serviceUpdateStatus,
  type ServiceUpdateEntry,
} from '../catalog/service-updates.ts';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Engine, Scope } from '../store/records.ts';
import { advanceUpdateAction, updateActionsOf, type UpdateActionRecord } from '../lifecycle/service-updates.ts';
import type { World } from '../world.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';

/** BatchApply/BatchStop and the Describe filters take at most this many ids of each kind. */
export const MAX_BATCH_IDS = 20;

const anchors = new WeakMap<World, number>();

function getAction(world: World, scope: Scope, key: string, target?: Target): UpdateActionRecord | undefined {
  const a = updateActionsOf(world).get(scope, key);
  if (a && target && a.targetCreatedAt !== target.createdAt) return undefined;
  return a;
}

function putAction(world: World, scope: Scope, key: string, a: UpdateActionRecord): void {
  updateActionsOf(world).put(scope, key, a);
}

/**
 * The catalogue is dated from the first time this data directory's emulator published it (see
 * catalog/service-updates.ts); the date is stored, since the updates' names derive from it.
 */
function catalogue(world: World): ServiceUpdateEntry[] {
  let anchor = anchors.get(world);
  if (anchor === undefined) {
    anchor = updateActionsOf(world).anchor(world.now());
    anchors.set(world, anchor);
  }
  return serviceUpdateCatalogue(anchor);
}

function requireUpdate(world: World, name: string | undefined): ServiceUpdateEntry {
  if (name === undefined) throw missingParameter('ServiceUpdateName');
  const update = catalogue(world).find((u) => u.name === name);
  if (!update) throw fault('ServiceUpdateNotFoundFault', `The service update ${name} could not be found.`);
  return update;
}

/** A resource an update action is about: a replication group, or a cluster that belongs to none. */
interface Target {
  replicationGroupId?: string;
  cacheClusterId?: string;
  engine: Engine;
  engineVersion: string;
  createdAt: number;
  /** Shards (or the one node group) with their member clusters and node ids, for node-level status. */
  nodeGroups: { id: string; members: { clusterId: string; nodeId: string }[] }[];
}

function groupTarget(world: World, scope: Scope, id: string): Target | undefined {
  const g = world.resources.get(scope, 'replication-group', id);
  if (!g) return undefined;
  const shards = g.shards ?? [{ id: '0001', members: g.memberClusters }];
  return {
    replicationGroupId: g.id,
    engine: g.engine,
    engineVersion: g.engineVersion,
    createdAt: g.createdAt,
    nodeGroups: shards.map((s) => ({ id: s.id, members: s.members.map((clusterId) => ({ clusterId, nodeId: '0001' })) })),
  };
}

function clusterTarget(world: World, scope: Scope, id: string): Target | undefined {
  const c = world.resources.get(scope, 'cluster', id);
  if (!c || c.replicationGroupId !== undefined) return undefined;
  return {
    cacheClusterId: c.id,
    engine: c.engine,
    engineVersion: c.engineVersion,
    createdAt: c.createdAt,
    nodeGroups: [{ id: '', members: c.nodes.map((n) => ({ clusterId: c.id, nodeId: n.id })) }],
  };
}

function allTargets(world: World, scope: Scope): Target[] {
  const groups = world.resources.list(scope, 'replication-group').map((g) => groupTarget(world, scope, g.id)!);
  const clusters = world.resources
    .list(scope, 'cluster')
    .filter((c) => c.replicationGroupId === undefined)
    .map((c) => clusterTarget(world, scope, c.id)!);
  return [...groups, ...clusters];
}

const nodeCount = (t: Target) => t.nodeGroups.reduce((n, g) => n + g.members.length, 0);
const actionKey = (update: string, t: { replicationGroupId?: string; cacheClusterId?: string }) =>
  t.replicationGroupId !== undefined ? `${update}/replication-group/${t.replicationGroupId}` : `${update}/cluster/${t.cacheClusterId}`;

function slaMet(u: ServiceUpdateEntry, a: UpdateActionRecord | undefined, now: number): ec.SlaMet {
  if (a?.completedAt !== undefined) return a.completedAt <= u.recommendedApplyByDate ? 'yes' : 'no';
  return now > u.recommendedApplyByDate ? 'no' : 'n/a';
}

type NodeStatus = ec.NodeUpdateStatus;

function nodeStatuses(t: Target, a: UpdateActionRecord | undefined): NodeStatus[] {
  const total = nodeCount(t);
  return Array.from({ length: total }, (_, i): NodeStatus => {
    if (!a) return 'not-applied';
    if (i < a.nodesUpdated) return 'complete';
    if (i === a.nodesUpdated && a.status === 'in-progress') return 'in-progress';
    return a.status === 'complete' ? 'complete' : a.status === 'in-progress' ? 'waiting-to-start' : a.status;
  });
}

function describeAction(world: World, u: ServiceUpdateEntry, t: Target, a: UpdateActionRecord | undefined, showNodes: boolean): ec.UpdateAction {
  const now = world.now();
  const total = nodeCount(t);
  const action: ec.UpdateAction = {
    ReplicationGroupId: t.replicationGroupId,
    CacheClusterId: t.cacheClusterId,
    ServiceUpdateName: u.name,
    ServiceUpdateReleaseDate: new Date(u.releaseDate),
    ServiceUpdateSeverity: u.severity,
    ServiceUpdateStatus: serviceUpdateStatus(u, now),
    ServiceUpdateRecommendedApplyByDate: new Date(u.recommendedApplyByDate),
    ServiceUpdateType: 'security-update',
    UpdateActionAvailableDate: new Date(Math.max(u.releaseDate, t.createdAt)),
    UpdateActionStatus: a?.status ?? 'not-applied',
    NodesUpdated: `${Math.min(a?.nodesUpdated ?? 0, total)}/${total}`,
    UpdateActionStatusModifiedDate: new Date(a?.statusModifiedAt ?? Math.max(u.releaseDate, t.createdAt)),
    SlaMet: slaMet(u, a, now),
    EstimatedUpdateTime: u.estimatedUpdateTime,
    Engine: t.engine,
  };
  if (showNodes) {
    const statuses = nodeStatuses(t, a);
    let i = 0;
    const node = (status: NodeStatus) => ({
      NodeUpdateStatus: status,
      NodeUpdateInitiatedBy: a ? ('customer' as const) : undefined,
      NodeUpdateInitiatedDate: a ? new Date(a.initiatedAt) : undefined,
      NodeUpdateStatusModifiedDate: new Date(a?.statusModifiedAt ?? Math.max(u.releaseDate, t.createdAt)),
    });
    if (t.replicationGroupId !== undefined) {
      action.NodeGroupUpdateStatus = t.nodeGroups.map((g) => ({
        NodeGroupId: g.id,
        NodeGroupMemberUpdateStatus: g.members.map((m) => ({ CacheClusterId: m.clusterId, CacheNodeId: m.nodeId, ...node(statuses[i++]!) })),
      }));
    } else {
      action.CacheNodeUpdateStatus = t.nodeGroups[0]!.members.map((m) => ({ CacheNodeId: m.nodeId, ...node(statuses[i++]!) }));
    }
  }
  return action;
}

function idLists(input: { ReplicationGroupIds?: string[]; CacheClusterIds?: string[] }): { groups: string[]; clusters: string[] } {
  const groups = input.ReplicationGroupIds ?? [];
  const clusters = input.CacheClusterIds ?? [];
  for (const [name, list] of [['ReplicationGroupIds', groups], ['CacheClusterIds', clusters]] as const) {
    if (list.length > MAX_BATCH_IDS) throw invalidValue(`${name} can have at most ${MAX_BATCH_IDS} members.`);
  }
  return { groups, clusters };
}

interface Resolved {
  processed: ec.ProcessedUpdateAction[];
  unprocessed: ec.UnprocessedUpdateAction[];
}

/** Both batch actions: each named resource is processed or reported back with its own reason. */
function batch(
  world: World,
  scope: Scope,
  input: ec.BatchApplyUpdateActionMessage,
  step: (u: ServiceUpdateEntry, t: Target, key: string, a: UpdateActionRecord | undefined) => { status: ec.UpdateActionStatus } | { error: string },
): ec.UpdateActionResultsMessage {
  const update = requireUpdate(world, input.ServiceUpdateName);
  const { groups, clusters } = idLists(input);
  if (groups.length === 0 && clusters.length === 0) {
    throw invalidCombination('At least one of ReplicationGroupIds or CacheClusterIds must be specified.');
  }
  const out: Resolved = { processed: [], unprocessed: [] };
  const requests = [
    ...groups.map((id) => ({ ids: { ReplicationGroupId: id }, target: groupTarget(world, scope, id), missing: `Replication group ${id} not found.` })),
    ...clusters.map((id) => ({ ids: { CacheClusterId: id }, target: clusterTarget(world, scope, id), missing: `Cache cluster ${id} not found.` })),
  ];
  for (const { ids, target, missing } of requests) {
    const base = { ...ids, ServiceUpdateName: update.name };
    if (!target) {
      out.unprocessed.push({ ...base, ErrorType: 'ReplicationGroupId' in ids ? 'ReplicationGroupNotFoundFault' : 'CacheClusterNotFoundFault', ErrorMessage: missing });
      continue;
    }
    if (!appliesTo(update, target.engine, target.engineVersion)) {
      out.unprocessed.push({ ...base, ErrorType: 'InvalidParameterValue', ErrorMessage: `The service update ${update.name} does not apply to ${target.engine} ${target.engineVersion}.` });
      continue;
    }
    const key = actionKey(update.name, target);
    const result = step(update, target, key, getAction(world, scope, key, target));
    if ('error' in result) out.unprocessed.push({ ...base, ErrorType: 'InvalidParameterValue', ErrorMessage: result.error });
    else out.processed.push({ ...base, UpdateActionStatus: result.status });
  }
  return { ProcessedUpdateActions: out.processed, UnprocessedUpdateActions: out.unprocessed };
}

function inTimeRange(u: ServiceUpdateEntry, range: ec.TimeRangeFilter | undefined): boolean {
  if (!range) return true;
  if (range.StartTime && u.releaseDate < range.StartTime.getTime()) return false;
  if (range.EndTime && u.releaseDate > range.EndTime.getTime()) return false;
  return true;
}

export const serviceUpdateActions: ActionTable = {
  DescribeServiceUpdates: define<ec.DescribeServiceUpdatesMessage, ec.ServiceUpdatesMessage>((input, { world }) => {
    const now = world.now();
    let updates = catalogue(world).filter((u) => u.releaseDate <= now);
    if (input.ServiceUpdateName !== undefined) updates = updates.filter((u) => u.name === input.ServiceUpdateName);
    const statuses = input.ServiceUpdateStatus ?? [];
    if (statuses.length > 0) updates = updates.filter((u) => statuses.includes(serviceUpdateStatus(u, now)));
    // Newest first, as AWS lists them.
    updates.sort((a, b) => b.releaseDate - a.releaseDate);
    const { page, marker } = paginate(updates, input.MaxRecords, input.Marker);
    return {
      Marker: marker,
      ServiceUpdates: page.map((u) => {
        const { engine, engineVersion } = engineText(u);
        return {
          ServiceUpdateName: u.name,
          ServiceUpdateReleaseDate: new Date(u.releaseDate),
          ServiceUpdateEndDate: new Date(u.endDate),
          ServiceUpdateSeverity: u.severity,
          ServiceUpdateRecommendedApplyByDate: new Date(u.recommendedApplyByDate),
          ServiceUpdateStatus: serviceUpdateStatus(u, now),
          ServiceUpdateDescription: u.description,
          ServiceUpdateType: 'security-update',
          Engine: engine,
          EngineVersion: engineVersion,
          AutoUpdateAfterRecommendedApplyByDate: u.autoUpdateAfterRecommendedApplyByDate,
          EstimatedUpdateTime: u.estimatedUpdateTime,
        };
      }),
    };
  }),

  DescribeUpdateActions: define<ec.DescribeUpdateActionsMessage, ec.UpdateActionsMessage>((input, { world, scope }) => {
    const now = world.now();
    const { groups, clusters } = idLists(input);
    let updates = catalogue(world).filter((u) => u.releaseDate <= now && inTimeRange(u, input.ServiceUpdateTimeRange));
    if (input.ServiceUpdateName !== undefined) updates = updates.filter((u) => u.name === input.ServiceUpdateName);
    const updateStatuses = input.ServiceUpdateStatus ?? [];
    if (updateStatuses.length > 0) updates = updates.filter((u) => updateStatuses.includes(serviceUpdateStatus(u, now)));
    let targets = allTargets(world, scope);
    if (groups.length > 0 || clusters.length > 0) {
      targets = targets.filter((t) => (t.replicationGroupId !== undefined ? groups.includes(t.replicationGroupId) : clusters.includes(t.cacheClusterId!)));
    }
    if (input.Engine !== undefined) targets = targets.filter((t) => t.engine === input.Engine!.toLowerCase());
    const actionStatuses = input.UpdateActionStatus ?? [];
    const actions: ec.UpdateAction[] = [];
    for (const u of updates) {
      for (const t of targets) {
        if (!appliesTo(u, t.engine, t.engineVersion)) continue;
        const action = describeAction(world, u, t, getAction(world, scope, actionKey(u.name, t), t), input.ShowNodeLevelUpdateStatus === true);
        if (actionStatuses.length === 0 || actionStatuses.includes(action.UpdateActionStatus!)) actions.push(action);
      }
    }
    const { page, marker } = paginate(actions, input.MaxRecords, input.Marker);
    return { Marker: marker, UpdateActions: page };
  }),

  BatchApplyUpdateAction: define<ec.BatchApplyUpdateActionMessage, ec.UpdateActionResultsMessage>((input, { world, scope }) =>
    batch(world, scope, input, (u, t, key, a) => {
      const now = world.now();
      if (serviceUpdateStatus(u, now) !== 'available') return { error: `The service update ${u.name} is ${serviceUpdateStatus(u, now)}.` };
      if (a && a.status !== 'stopped') return { error: `The update action is already ${a.status}.` };
      const record: UpdateActionRecord = {
        serviceUpdateName: u.name,
        replicationGroupId: t.replicationGroupId,
        cacheClusterId: t.cacheClusterId,
        targetCreatedAt: t.createdAt,
        status: 'waiting-to-start',
        statusModifiedAt: now,
        nodesUpdated: a?.nodesUpdated ?? 0,
        nodesTotal: nodeCount(t),
        initiatedAt: now,
      };
      putAction(world, scope, key, record);
      advanceUpdateAction(world, scope, key);
      return { status: 'waiting-to-start' };
    }),
  ),

  BatchStopUpdateAction: define<ec.BatchStopUpdateActionMessage, ec.UpdateActionResultsMessage>((input, { world, scope }) =>
    batch(world, scope, input, (_u, _t, key, a) => {
      if (!a || (a.status !== 'waiting-to-start' && a.status !== 'in-progress')) {
        return { error: `The update action is ${a?.status ?? 'not-applied'} and cannot be stopped.` };
      }
      putAction(world, scope, key, { ...a, status: 'stopping', statusModifiedAt: world.now() });
      return { status: 'stopping' };
    }),
  ),
};
