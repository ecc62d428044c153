import { maintenanceDueAt, registerMaintenanceDuty } from '../lifecycle/maintenance.ts';
import { ApiError } from '../protocol/errors.ts';
import type { DeferredChanges, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { modifyCacheCluster } from './cache-clusters.ts';
import { modifyReplicationGroup } from './replication-groups.ts';

/**
 * Applies a resource's deferred changes as the modify with ApplyImmediately that AWS runs in the window.
 * Changes AWS could no longer make (the state moved on meanwhile) are dropped with an event, not retried.
 */
function applyDeferred(world: World, scope: Scope, sourceType: 'cache-cluster' | 'replication-group', id: string, run: () => void): void {
  try {
    run();
    world.event(scope, sourceType, id, 'Pending modifications applied in the maintenance window');
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const record = world.resources.get(scope, sourceType === 'cache-cluster' ? 'cluster' : 'replication-group', id);
    if (record) {
      record.deferred = undefined;
      world.resources.put(scope, sourceType === 'cache-cluster' ? 'cluster' : 'replication-group', id, record as never);
    }
    world.event(scope, sourceType, id, `Pending modifications could not be applied: ${err.message}`);
  }
}

const due = (window: string, deferred: DeferredChanges, now: number) => now >= maintenanceDueAt(window, deferred.since);

registerMaintenanceDuty({
  due(world, now) {
    const steps: (() => void)[] = [];
    for (const { scope, record: c } of world.resources.all('cluster')) {
      if (!c.deferred || c.replicationGroupId || c.status !== 'available' || !due(c.maintenanceWindow, c.deferred, now)) continue;
      steps.push(() =>
        applyDeferred(world, scope, 'cache-cluster', c.id, () => modifyCacheCluster({ CacheClusterId: c.id, ApplyImmediately: true }, world, scope)),
      );
    }
    for (const { scope, record: g } of world.resources.all('replication-group')) {
      const primary = world.resources.get(scope, 'cluster', g.primaryClusterId);
      if (!g.deferred || g.status !== 'available' || !primary || !due(primary.maintenanceWindow, g.deferred, now)) continue;
      steps.push(() =>
        applyDeferred(world, scope, 'replication-group', g.id, () =>
          modifyReplicationGroup({ ReplicationGroupId: g.id, ApplyImmediately: true }, world, scope),
        ),
      );
    }
    return steps;
  },
});
