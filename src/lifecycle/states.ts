import { fault } from '../protocol/errors.ts';
import type { SourceType } from '../store/events.ts';
import type { RecordKinds, Scope } from '../store/records.ts';
import type { World } from '../world.ts';

/**
 * Every state AWS documents for each resource kind, where each state may go next, and which requests it
 * accepts. This file is the one place a newcomer reads to learn a resource's lifecycle: statuses change
 * only through `transition`, and requests check a state only through `requireState`.
 */

/** What a request asks of a resource, as far as its state decides whether it may. */
export type Verb = 'modify' | 'delete' | 'reboot' | 'snapshot' | 'members' | 'copy' | 'restore';

type FaultName = Parameters<typeof fault>[0];

type StatusOf<K extends keyof RecordKinds> = RecordKinds[K] extends { status: infer S extends string }
  ? S
  : RecordKinds[K] extends { state: infer S extends string }
    ? S
    : never;

export type LifecycleKind = 'cluster' | 'replication-group' | 'serverless-cache' | 'snapshot' | 'serverless-snapshot' | 'global-group' | 'user' | 'user-group';

interface StateRow<S extends string> {
  /** The states this one may move to. */
  next: readonly S[];
  /** The requests a resource in this state accepts. */
  allows: readonly Verb[];
}

export interface StateMachine<S extends string> {
  /** How AWS names the resource in its messages. */
  what: string;
  /** The Invalid*StateFault a request refused by the state raises. */
  fault: FaultName;
  /** The steady state requests expect ("available" or "active"). */
  steady: S;
  /**
   * Where a step that throws leaves the resource, by the state it ran in. A step never leaves a resource
   * in a transitional state: what is absent here goes back to the steady state.
   */
  failure: Partial<Record<S, S>>;
  states: Record<S, StateRow<S>>;
}

const CLUSTER: StateMachine<StatusOf<'cluster'>> = {
  what: 'Cache cluster',
  fault: 'InvalidCacheClusterStateFault',
  steady: 'available',
  failure: { creating: 'create-failed', modifying: 'incompatible-parameters' },
  states: {
    creating: { next: ['available', 'create-failed', 'restore-failed', 'incompatible-network'], allows: [] },
    available: {
      next: ['modifying', 'deleting', 'rebooting cache cluster nodes', 'snapshotting', 'incompatible-parameters', 'incompatible-network'],
      allows: ['modify', 'delete', 'reboot', 'snapshot', 'members'],
    },
    modifying: { next: ['available', 'incompatible-parameters', 'incompatible-network', 'deleting'], allows: [] },
    // A restart finds a node's published port held by another program, whatever the cluster was doing.
    'rebooting cache cluster nodes': { next: ['available', 'incompatible-parameters', 'incompatible-network'], allows: [] },
    snapshotting: { next: ['available', 'deleting', 'incompatible-network'], allows: [] },
    deleting: { next: [], allows: [] },
    'create-failed': { next: ['deleting'], allows: ['delete'] },
    'restore-failed': { next: ['deleting'], allows: ['delete'] },
    // Another program holds a port its clients were given: only deleted, or back at a restart once the port is free.
    'incompatible-network': { next: ['deleting', 'available'], allows: ['delete'] },
    // AWS lets a cluster whose parameters its nodes refused be fixed (modify, reboot) or deleted.
    'incompatible-parameters': {
      next: ['modifying', 'available', 'rebooting cache cluster nodes', 'deleting', 'incompatible-network'],
      allows: ['modify', 'reboot', 'delete'],
    },
  },
};

const GROUP: StateMachine<StatusOf<'replication-group'>> = {
  what: 'Replication group',
  fault: 'InvalidReplicationGroupStateFault',
  steady: 'available',
  failure: { creating: 'create-failed' },
  states: {
    creating: { next: ['available', 'create-failed'], allows: [] },
    available: { next: ['modifying', 'deleting', 'snapshotting'], allows: ['modify', 'delete', 'snapshot', 'members'] },
    modifying: { next: ['available', 'deleting'], allows: [] },
    snapshotting: { next: ['available', 'deleting'], allows: [] },
    deleting: { next: [], allows: [] },
    'create-failed': { next: ['deleting'], allows: ['delete'] },
  },
};

const SERVERLESS: StateMachine<StatusOf<'serverless-cache'>> = {
  what: 'Serverless cache',
  fault: 'InvalidServerlessCacheStateFault',
  steady: 'available',
  failure: { creating: 'create-failed' },
  states: {
    creating: { next: ['available', 'create-failed'], allows: [] },
    available: { next: ['modifying', 'deleting'], allows: ['modify', 'delete', 'snapshot'] },
    modifying: { next: ['available', 'deleting'], allows: [] },
    deleting: { next: [], allows: [] },
    'create-failed': { next: ['deleting'], allows: ['delete'] },
  },
};

const SNAPSHOT: StateMachine<StatusOf<'snapshot'>> = {
  what: 'Snapshot',
  fault: 'InvalidSnapshotStateFault',
  steady: 'available',
  failure: { creating: 'failed', copying: 'failed', restoring: 'available', exporting: 'available' },
  states: {
    creating: { next: ['available', 'failed'], allows: [] },
    available: { next: ['copying', 'exporting', 'restoring', 'deleting'], allows: ['delete', 'copy', 'restore'] },
    copying: { next: ['available', 'failed'], allows: [] },
    exporting: { next: ['available'], allows: [] },
    restoring: { next: ['available'], allows: [] },
    deleting: { next: [], allows: [] },
    failed: { next: ['deleting'], allows: ['delete'] },
  },
};

const SERVERLESS_SNAPSHOT: StateMachine<StatusOf<'serverless-snapshot'>> = {
  what: 'Serverless cache snapshot',
  fault: 'InvalidServerlessCacheSnapshotStateFault',
  steady: 'available',
  failure: { creating: 'failed', copying: 'failed', exporting: 'available' },
  states: {
    creating: { next: ['available', 'failed'], allows: [] },
    available: { next: ['copying', 'exporting', 'deleting'], allows: ['delete', 'copy', 'restore'] },
    copying: { next: ['available', 'failed'], allows: [] },
    exporting: { next: ['available'], allows: [] },
    deleting: { next: [], allows: [] },
    failed: { next: ['deleting'], allows: ['delete'] },
  },
};

const GLOBAL: StateMachine<StatusOf<'global-group'>> = {
  what: 'Global replication group',
  fault: 'InvalidGlobalReplicationGroupStateFault',
  steady: 'available',
  failure: { creating: 'create-failed', modifying: 'available' },
  states: {
    creating: { next: ['available', 'primary-only', 'create-failed'], allows: [] },
    'primary-only': { next: ['available', 'modifying', 'deleting'], allows: ['modify', 'delete', 'members'] },
    available: { next: ['primary-only', 'modifying', 'deleting'], allows: ['modify', 'delete', 'members'] },
    modifying: { next: ['available', 'primary-only'], allows: [] },
    deleting: { next: [], allows: [] },
    'create-failed': { next: ['deleting'], allows: ['delete'] },
  },
};

const USER: StateMachine<StatusOf<'user'>> = {
  what: 'User',
  fault: 'InvalidUserStateFault',
  steady: 'active',
  failure: {},
  states: {
    active: { next: ['modifying', 'deleting'], allows: ['modify', 'delete'] },
    modifying: { next: ['active', 'deleting'], allows: [] },
    deleting: { next: [], allows: [] },
  },
};

const USER_GROUP: StateMachine<StatusOf<'user-group'>> = {
  what: 'User group',
  fault: 'InvalidUserGroupStateFault',
  steady: 'active',
  failure: {},
  states: {
    creating: { next: ['active'], allows: [] },
    active: { next: ['modifying', 'deleting'], allows: ['modify', 'delete'] },
    modifying: { next: ['active', 'deleting'], allows: [] },
    deleting: { next: [], allows: [] },
  },
};

export const MACHINES: { [K in LifecycleKind]: StateMachine<StatusOf<K>> } = {
  cluster: CLUSTER,
  'replication-group': GROUP,
  'serverless-cache': SERVERLESS,
  snapshot: SNAPSHOT,
  'serverless-snapshot': SERVERLESS_SNAPSHOT,
  'global-group': GLOBAL,
  user: USER,
  'user-group': USER_GROUP,
};

export type StatusOfKind<K extends LifecycleKind> = StatusOf<K>;

/** The event source a kind's events are listed under (DescribeEvents SourceType), where AWS has one. */
const EVENT_SOURCE: Partial<Record<LifecycleKind, SourceType>> = {
  cluster: 'cache-cluster',
  'replication-group': 'replication-group',
  'serverless-cache': 'serverless-cache',
  'serverless-snapshot': 'serverless-cache-snapshot',
  user: 'user',
  'user-group': 'user-group',
};

export function eventSourceOf(kind: LifecycleKind): SourceType | undefined {
  return EVENT_SOURCE[kind];
}

/** The identifier a record is stored under. */
export function idOf(record: { id?: string; name?: string }): string {
  return (record.id ?? record.name)!;
}

/** Refuses a request the resource's state does not accept, with AWS's fault for the kind. */
export function requireState<K extends LifecycleKind>(kind: K, record: RecordKinds[K], verb: Verb): void {
  const machine = MACHINES[kind] as StateMachine<string>;
  const status = (record as { status: string }).status;
  if (machine.states[status]?.allows.includes(verb)) return;
  const id = idOf(record as { id?: string; name?: string });
  if (verb === 'delete') throw fault(machine.fault, `${machine.what} ${id} has status ${status} which is not valid for deletion.`);
  throw fault(machine.fault, `${machine.what} ${id} is not in ${machine.steady} state (current state: ${status}).`);
}

export class IllegalTransition extends Error {}

/**
 * Moves a record (in memory; the caller saves it, often in a transaction with others) to a new state if
 * the table allows it, and records the event that goes with it. Staying in the same state is always allowed.
 */
export function transition<K extends LifecycleKind>(
  world: World,
  scope: Scope,
  kind: K,
  record: RecordKinds[K],
  to: StatusOf<K>,
  event?: string,
): void {
  const machine = MACHINES[kind] as StateMachine<string>;
  const holder = record as { status: string };
  if (holder.status !== to && !machine.states[holder.status]?.next.includes(to)) {
    throw new IllegalTransition(`${machine.what} ${idOf(record as { id?: string })}: ${holder.status} -> ${to} is not a transition AWS makes`);
  }
  const from = holder.status;
  holder.status = to;
  // Progress where people wait: the CLI at --log-level info shows each resource as it settles or fails.
  if (from !== to) {
    const line = { kind, id: idOf(record as { id?: string }), account: scope.account, region: scope.region, from, to };
    if (to === machine.steady) world.log.info(line, `${machine.what} ${line.id} is ${to}`);
    else if (Object.values(machine.failure).includes(to)) world.log.warn(line, `${machine.what} ${line.id} is ${to}`);
    else world.log.debug(line, `${machine.what} ${line.id} is ${to}`);
  }
  const source = eventSourceOf(kind);
  if (event !== undefined && source) world.event(scope, source, idOf(record as { id?: string }), event);
}

/** Whether a record may move to `to` now (steps that find the resource changed meanwhile skip instead of failing). */
export function canTransition<K extends LifecycleKind>(kind: K, record: RecordKinds[K], to: StatusOf<K>): boolean {
  const machine = MACHINES[kind] as StateMachine<string>;
  const status = (record as { status: string }).status;
  return status === to || (machine.states[status]?.next.includes(to) ?? false);
}

/** The state a step that failed while the resource was in `from` leaves it in. */
export function failureStateOf<K extends LifecycleKind>(kind: K, from: StatusOf<K>): StatusOf<K> {
  const machine = MACHINES[kind] as StateMachine<string>;
  return (machine.failure[from] ?? machine.steady) as StatusOf<K>;
}

/**
 * What the nodes of a cluster in a failure state show as CacheNodeStatus: AWS's node-status table has
 * no create-failed, and writes these with underscores; a node that never started "has failed and
 * cannot be recovered", which AWS calls restore_failed.
 */
const FAILED_NODE_STATUS: Readonly<Record<string, string>> = {
  'create-failed': 'restore_failed',
  'restore-failed': 'restore_failed',
  'incompatible-network': 'incompatible_network',
  'incompatible-parameters': 'incompatible_parameters',
};

export function nodeStatusOf(clusterStatus: string, nodeStatus: string): string {
  return FAILED_NODE_STATUS[clusterStatus] ?? nodeStatus;
}

/** Cluster or group states whose nodes are not (or not yet) listening: AWS shows no endpoint for them. */
export function servesEndpoints(status: string): boolean {
  return status !== 'creating' && status !== 'create-failed' && status !== 'restore-failed' && status !== 'incompatible-network';
}

/** Node statuses (CacheNodeStatus) follow their cluster's, in AWS's words for a node. */
export const NODE_STATUS = {
  creating: 'creating',
  available: 'available',
  rebooting: 'rebooting',
  deleting: 'deleting',
  modifying: 'modifying',
} as const;
