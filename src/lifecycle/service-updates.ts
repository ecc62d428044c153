import type { Scope } from '../store/records.ts';
import { UpdateActions } from '../store/update-actions.ts';
import type { World } from '../world.ts';

/** One resource's progress through one service update (no record: not-applied). */
export interface UpdateActionRecord {
  serviceUpdateName: string;
  replicationGroupId?: string;
  cacheClusterId?: string;
  /** The resource's creation time: a record outlives neither its resource nor a reset. */
  targetCreatedAt: number;
  status: 'waiting-to-start' | 'in-progress' | 'stopping' | 'stopped' | 'complete';
  statusModifiedAt: number;
  nodesUpdated: number;
  nodesTotal: number;
  /** When BatchApplyUpdateAction asked for it. */
  initiatedAt: number;
  completedAt?: number;
}

// In the metadata database, so a restart keeps which updates were applied and how far.
const stores = new WeakMap<World, UpdateActions<UpdateActionRecord>>();

export function updateActionsOf(world: World): UpdateActions<UpdateActionRecord> {
  let store = stores.get(world);
  if (!store) stores.set(world, (store = new UpdateActions(world.db)));
  return store;
}

function eventFor(world: World, scope: Scope, a: UpdateActionRecord, message: string): void {
  if (a.replicationGroupId !== undefined) world.event(scope, 'replication-group', a.replicationGroupId, message);
  else world.event(scope, 'cache-cluster', a.cacheClusterId!, message);
}

/**
 * The step of an applied service update: node by node, as AWS applies one. Each turn re-reads the record,
 * since BatchStopUpdateAction may have asked it to stop meanwhile.
 */
export function advanceUpdateAction(world: World, scope: Scope, key: string): void {
  world.later(() => {
    const store = updateActionsOf(world);
    const a = store.get(scope, key);
    if (!a) return;
    const now = world.now();
    if (a.status === 'stopping') {
      store.put(scope, key, { ...a, status: 'stopped', statusModifiedAt: now });
      eventFor(world, scope, a, `Service update ${a.serviceUpdateName} stopped with ${a.nodesUpdated} of ${a.nodesTotal} nodes updated`);
      return;
    }
    if (a.status === 'waiting-to-start') {
      store.put(scope, key, { ...a, status: 'in-progress', statusModifiedAt: now });
      eventFor(world, scope, a, `Service update ${a.serviceUpdateName} started`);
    } else if (a.status === 'in-progress') {
      const nodesUpdated = a.nodesUpdated + 1;
      if (nodesUpdated >= a.nodesTotal) {
        store.put(scope, key, { ...a, nodesUpdated, status: 'complete', statusModifiedAt: now, completedAt: now });
        eventFor(world, scope, a, `Service update ${a.serviceUpdateName} completed`);
        return;
      }
      store.put(scope, key, { ...a, nodesUpdated });
    } else return;
    advanceUpdateAction(world, scope, key);
  });
}

/** After a restart: updates that were being applied (or stopped) carry on from the node they had reached. */
export function resumeUpdateActions(world: World): void {
  for (const { scope, key, doc } of updateActionsOf(world).all()) {
    if (doc.status === 'waiting-to-start' || doc.status === 'in-progress' || doc.status === 'stopping') advanceUpdateAction(world, scope, key);
  }
}
