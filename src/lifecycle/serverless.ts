import fs from 'node:fs';
import type { Scope, ServerlessCacheRecord } from '../store/records.ts';
import type { World } from '../world.ts';
import { applyNodeUsers, usersForServerless } from './rbac.ts';
import { s3ObjectPath, snapshotFile } from './snapshot-files.ts';
import { transition } from './states.ts';

const GIB = 1024 ** 3;

/** A serverless cache runs as one node behind its own endpoint and reader endpoint. */
export const serverlessOwner = (name: string) => `serverless:${name}`;

function memoryLimit(cache: ServerlessCacheRecord): number {
  const max = cache.usageLimits?.dataStorage?.maximum;
  return max ? max * GIB : 0;
}

export async function bringUpServerless(world: World, scope: Scope, name: string): Promise<ServerlessCacheRecord | undefined> {
  const cache = world.resources.get(scope, 'serverless-cache', name);
  if (!cache) return undefined;
  const owner = serverlessOwner(name);
  const key = world.runtime.nodeKey(scope, owner, '0001');
  const tls = world.runtime.tls();
  // Serverless caches always encrypt in transit, as on AWS.
  const nodePort =
    world.runtime.nodePort(scope, owner, '0001') ??
    (await world.runtime.startEngine(key, {
      engine: cache.engine,
      port: cache.nodePort,
      memoryBytes: memoryLimit(cache),
      tls: { key: tls.key, cert: tls.cert },
      engineVersion: cache.fullVersion,
      parameters: new Map(),
    }));
  applyNodeUsers(world.log, world.runtime.nodes.redisNode(key), usersForServerless(world.resources, scope, { name, userGroupId: cache.userGroupId }, world.config.credentials));
  const target = () => world.runtime.nodePort(scope, owner, '0001');
  const endpointPort = await world.runtime.openEndpoint(scope, owner, 'primary', cache.endpointPort, target);
  const readerEndpointPort = await world.runtime.openEndpoint(scope, owner, 'reader', cache.readerEndpointPort, target);
  const fresh = world.resources.get(scope, 'serverless-cache', name);
  if (!fresh) {
    await tearDownServerless(world, scope, cache);
    return undefined;
  }
  Object.assign(fresh, { nodePort, endpointPort, readerEndpointPort });
  world.resources.put(scope, 'serverless-cache', name, fresh);
  return fresh;
}

export async function tearDownServerless(world: World, scope: Scope, cache: ServerlessCacheRecord): Promise<void> {
  const owner = serverlessOwner(cache.name);
  await world.runtime.closeEndpoint(scope, owner, 'primary');
  await world.runtime.closeEndpoint(scope, owner, 'reader');
  await world.runtime.stopNode(scope, owner, '0001', cache.nodePort);
}

/** Where a serverless snapshot's files live, apart from cluster snapshots of the same name. */
export const serverlessSnapshotFolder = (name: string) => `serverless/${name}`;

export function serverlessSnapshotRdb(world: World, scope: Scope, name: string): Buffer {
  return fs.readFileSync(snapshotFile(world.config.dataDir, scope, serverlessSnapshotFolder(name), '0001'));
}

export async function serverlessSnapshotRdbAsync(world: World, scope: Scope, name: string): Promise<Buffer> {
  return fs.promises.readFile(snapshotFile(world.config.dataDir, scope, serverlessSnapshotFolder(name), '0001'));
}

function restoreRdb(world: World, scope: Scope, arn: string): Buffer {
  const own = /:serverlesscachesnapshot:(.+)$/.exec(arn);
  return own ? serverlessSnapshotRdb(world, scope, own[1]!) : fs.readFileSync(s3ObjectPath(world.config.dataDir, arn));
}

/** A new serverless cache's step (also resumed after a restart): its node listens, its data loads, it is available. */
export async function finishServerlessCreate(world: World, scope: Scope, name: string): Promise<void> {
  const up = await bringUpServerless(world, scope, name);
  if (!up || up.status !== 'creating') return;
  if (up.restoreArn) {
    try {
      world.runtime.nodes.restore(world.runtime.nodeKey(scope, serverlessOwner(name), '0001'), [restoreRdb(world, scope, up.restoreArn)]);
    } catch (err) {
      transition(world, scope, 'serverless-cache', up, 'create-failed', `Failed to restore data: ${err instanceof Error ? err.message : String(err)}`);
      world.resources.put(scope, 'serverless-cache', name, up);
      return;
    }
  }
  transition(world, scope, 'serverless-cache', up, 'available', `Serverless cache ${name} created`);
  world.resources.put(scope, 'serverless-cache', name, up);
}
