import path from 'node:path';
import type { World } from '../world.ts';
import { removeStaleTemporaries } from './snapshot-files.ts';
import { finishGroupDelete, openEndpointsOf } from './groups.ts';
import { startMigrationLink } from './migration.ts';
import { bringUpAvailable, tearDownCluster } from './provision.ts';
import { bringUpServerless } from './serverless.ts';

/**
 * Rebuilds the running world from the metadata after a restart: every node listens again on the port it
 * had, every endpoint too. Work that was in flight when the emulator stopped is taken as finished.
 */
export async function restoreWorld(world: World): Promise<void> {
  // A snapshot still being written when the emulator died never completed: its file is absent or a
  // temporary that is removed here, so it is failed, never half-written.
  removeStaleTemporaries(path.join(world.config.dataDir, 'snapshots'));
  for (const { scope, record } of world.resources.all('snapshot')) {
    if (record.status === 'creating') {
      record.status = 'failed';
      world.resources.put(scope, 'snapshot', record.name, record);
    }
  }
  const clusters = world.resources.all('cluster');
  const groups = world.resources.all('replication-group');
  for (const { record } of clusters) for (const n of record.nodes) world.runtime.ports.reserve(n.port);
  for (const { record } of clusters) if (record.configEndpointPort) world.runtime.ports.reserve(record.configEndpointPort);
  for (const { record } of world.resources.all('serverless-cache')) {
    for (const p of [record.nodePort, record.endpointPort, record.readerEndpointPort]) world.runtime.ports.reserve(p);
  }
  for (const { record } of groups) {
    world.runtime.ports.reserve(record.configEndpointPort ?? 0);
    world.runtime.ports.reserve(record.primaryEndpointPort);
    world.runtime.ports.reserve(record.readerEndpointPort);
  }

  for (const { scope, record } of groups) {
    if (record.status === 'deleting') await finishGroupDelete(world, scope, record.id, false);
  }
  for (const { scope, record } of world.resources.all('cluster')) {
    if (record.status === 'deleting') {
      await tearDownCluster(world, scope, record);
      world.resources.remove(scope, 'cluster', record.id);
      continue;
    }
    await bringUpAvailable(world, scope, record.id);
  }
  for (const { scope, record } of world.resources.all('serverless-cache')) {
    if (record.status === 'deleting') {
      world.resources.remove(scope, 'serverless-cache', record.name);
      continue;
    }
    const up = await bringUpServerless(world, scope, record.name);
    if (!up) continue;
    up.status = 'available';
    world.resources.put(scope, 'serverless-cache', up.name, up);
  }
  for (const { scope, record } of world.resources.all('replication-group')) {
    const ports = await openEndpointsOf(world, scope, record);
    const fresh = world.resources.get(scope, 'replication-group', record.id);
    if (!fresh) continue;
    Object.assign(fresh, ports);
    fresh.status = 'available';
    world.resources.put(scope, 'replication-group', fresh.id, fresh);
    world.runtime.syncGroupRoles(scope, fresh.id);
    startMigrationLink(world, scope, fresh.id);
  }
}
