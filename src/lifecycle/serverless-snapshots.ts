// Taking a serverless cache's snapshot (CreateServerlessCacheSnapshot, the final one of DeleteServerlessCache,
// the daily automated one): the record, then its one node dumped in slices through the snapshot fence
// (a write in slices is seen whole, before or after), written without holding the event loop.
import { fault, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Scope, ServerlessCacheRecord, ServerlessSnapshotRecord } from '../store/records.ts';
import type { World } from '../world.ts';
import { serverlessOwner, serverlessSnapshotFolder } from './serverless.ts';
import { snapshotFile, writeFileDurablyAsync } from './snapshot-files.ts';
import { removeSnapshotFiles } from './snapshots.ts';
import { transition } from './states.ts';

export const MAX_SERVERLESS_SNAPSHOTS = 1000;

/** A serverless snapshot's name as the API accepts it. */
export function checkSnapshotName(name: string | undefined, parameter: string): string {
  if (name === undefined) throw missingParameter(parameter);
  if (!/^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(name) || name.endsWith('-') || name.includes('--')) {
    throw invalidValue(`The parameter ${parameter} is not a valid identifier.`);
  }
  return name;
}

export function newServerlessSnapshot(world: World, cache: ServerlessCacheRecord, name: string, type: ServerlessSnapshotRecord['type'], kmsKeyId?: string): ServerlessSnapshotRecord {
  return { name, cacheName: cache.name, engine: cache.engine, majorVersion: cache.majorVersion, type, status: 'creating', kmsKeyId, bytes: 0, createdAt: world.now() };
}

/** Adds the record, the quota and the name checked (and `alongside`, its tags, done) in one transaction. */
export function insertServerlessSnapshot(world: World, scope: Scope, record: ServerlessSnapshotRecord, alongside: () => void = () => undefined): void {
  world.resources.transaction(() => {
    if (world.resources.list(scope, 'serverless-snapshot').length >= MAX_SERVERLESS_SNAPSHOTS) {
      throw fault('ServerlessCacheSnapshotQuotaExceededFault', `The quota of ${MAX_SERVERLESS_SNAPSHOTS} serverless cache snapshots has been reached.`);
    }
    if (!world.resources.insert(scope, 'serverless-snapshot', record.name, record)) {
      throw fault('ServerlessCacheSnapshotAlreadyExistsFault', `Serverless cache snapshot ${record.name} already exists.`);
    }
    alongside();
  });
}

/** A snapshot's end: available with its size, or failed. */
export function settleServerlessSnapshot(world: World, scope: Scope, name: string, bytes: number | undefined): void {
  const fresh = world.resources.get(scope, 'serverless-snapshot', name);
  if (!fresh) return;
  transition(world, scope, 'serverless-snapshot', fresh, bytes === undefined ? 'failed' : 'available');
  fresh.bytes = bytes ?? 0;
  world.resources.put(scope, 'serverless-snapshot', name, fresh);
}

/** Dumps the cache's node into the snapshot `name` (already inserted, creating) and settles it. */
export async function takeServerlessSnapshot(world: World, scope: Scope, cacheName: string, name: string): Promise<void> {
  let bytes: number | undefined;
  try {
    const rdb = await world.runtime.nodes.dump(world.runtime.nodeKey(scope, serverlessOwner(cacheName), '0001'));
    await writeFileDurablyAsync(snapshotFile(world.config.dataDir, scope, serverlessSnapshotFolder(name), '0001'), rdb);
    bytes = rdb.length;
  } catch (err) {
    if (world.resources.get(scope, 'serverless-snapshot', name)) world.log.error({ err, snapshot: name }, 'serverless snapshot failed');
  }
  // Deleted while it was taken (an automated one pruned by a moved clock): its files go too.
  if (!world.resources.get(scope, 'serverless-snapshot', name)) removeSnapshotFiles(world, scope, serverlessSnapshotFolder(name));
  settleServerlessSnapshot(world, scope, name, bytes);
}
