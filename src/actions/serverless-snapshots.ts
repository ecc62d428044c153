import path from 'node:path';
import type * as ec from '@aws-sdk/client-elasticache';
import { bucketDir, checkBucketName, snapshotFile, writeFileDurably } from '../lifecycle/snapshot-files.ts';
import { removeSnapshotFiles } from '../lifecycle/snapshots.ts';
import { serverlessOwner, serverlessSnapshotFolder, serverlessSnapshotRdb } from '../lifecycle/serverless.ts';
import { fault, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Scope, ServerlessSnapshotRecord } from '../store/records.ts';
import type { World } from '../world.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { applyCreateTags } from './tags.ts';
import { removeResource } from '../lifecycle/removal.ts';
import { transition } from '../lifecycle/states.ts';

export const MAX_SERVERLESS_SNAPSHOTS = 1000;
const PAGE = { name: 'MaxResults', min: 1, max: 50, fallback: 50 };
// Serverless snapshot files share the snapshot store, under a prefix that cannot clash with a cluster snapshot's name.
function requireSnapshot(world: World, scope: Scope, name: string | undefined, parameter = 'ServerlessCacheSnapshotName'): ServerlessSnapshotRecord {
  if (name === undefined) throw missingParameter(parameter);
  const snapshot = world.resources.get(scope, 'serverless-snapshot', name);
  if (!snapshot) throw fault('ServerlessCacheSnapshotNotFoundFault', `Serverless cache snapshot ${name} not found.`);
  return snapshot;
}

function checkName(name: string | undefined, parameter: string): string {
  if (name === undefined) throw missingParameter(parameter);
  if (!/^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(name) || name.endsWith('-') || name.includes('--')) {
    throw invalidValue(`The parameter ${parameter} is not a valid identifier.`);
  }
  return name;
}

function describe(world: World, scope: Scope, s: ServerlessSnapshotRecord): ec.ServerlessCacheSnapshot {
  return {
    ServerlessCacheSnapshotName: s.name,
    ARN: world.arn(scope, 'serverless-snapshot', s.name),
    KmsKeyId: s.kmsKeyId,
    SnapshotType: s.type,
    Status: s.status,
    CreateTime: new Date(s.createdAt),
    BytesUsedForCache: s.status === 'available' ? String(s.bytes) : undefined,
    ServerlessCacheConfiguration: { ServerlessCacheName: s.cacheName, Engine: s.engine, MajorEngineVersion: s.majorVersion },
  };
}

function insert(world: World, scope: Scope, record: ServerlessSnapshotRecord, tags: ec.Tag[] | undefined): void {
  world.resources.transaction(() => {
    if (world.resources.list(scope, 'serverless-snapshot').length >= MAX_SERVERLESS_SNAPSHOTS) {
      throw fault('ServerlessCacheSnapshotQuotaExceededFault', `The quota of ${MAX_SERVERLESS_SNAPSHOTS} serverless cache snapshots has been reached.`);
    }
    if (!world.resources.insert(scope, 'serverless-snapshot', record.name, record)) {
      throw fault('ServerlessCacheSnapshotAlreadyExistsFault', `Serverless cache snapshot ${record.name} already exists.`);
    }
    applyCreateTags(world, world.arn(scope, 'serverless-snapshot', record.name), tags);
  });
}

function settle(world: World, scope: Scope, name: string, bytes: number | undefined): void {
  const fresh = world.resources.get(scope, 'serverless-snapshot', name);
  if (!fresh) return;
  transition(world, scope, 'serverless-snapshot', fresh, bytes === undefined ? 'failed' : 'available');
  fresh.bytes = bytes ?? 0;
  world.resources.put(scope, 'serverless-snapshot', name, fresh);
}

export const serverlessSnapshotActions: ActionTable = {
  CreateServerlessCacheSnapshot: define<ec.CreateServerlessCacheSnapshotRequest, ec.CreateServerlessCacheSnapshotResponse>((input, { world, scope }) => {
    const name = checkName(input.ServerlessCacheSnapshotName, 'ServerlessCacheSnapshotName');
    if (input.ServerlessCacheName === undefined) throw missingParameter('ServerlessCacheName');
    const cache = world.resources.get(scope, 'serverless-cache', input.ServerlessCacheName.toLowerCase());
    if (!cache) throw fault('ServerlessCacheNotFoundFault', `Serverless cache ${input.ServerlessCacheName} not found.`);
    if (cache.engine === 'memcached') throw fault('InvalidParameterCombinationException', 'Snapshots are not supported for serverless Memcached caches.');
    if (cache.status !== 'available') {
      throw fault('InvalidServerlessCacheStateFault', `Serverless cache ${cache.name} is not in available state (current state: ${cache.status}).`);
    }
    const record: ServerlessSnapshotRecord = {
      name,
      cacheName: cache.name,
      engine: cache.engine,
      majorVersion: cache.majorVersion,
      type: 'manual',
      status: 'creating',
      kmsKeyId: input.KmsKeyId,
      bytes: 0,
      createdAt: world.now(),
    };
    insert(world, scope, record, input.Tags);
    world.later(() => {
      let bytes: number | undefined;
      try {
        const rdb = world.runtime.nodes.snapshot(world.runtime.nodeKey(scope, serverlessOwner(cache.name), '0001'));
        writeFileDurably(snapshotFile(world.config.dataDir, scope, serverlessSnapshotFolder(name), '0001'), rdb);
        bytes = rdb.length;
      } catch (err) {
        world.log.error({ err, snapshot: name }, 'serverless snapshot failed');
      }
      settle(world, scope, name, bytes);
    });
    return { ServerlessCacheSnapshot: describe(world, scope, record) };
  }),

  DescribeServerlessCacheSnapshots: define<ec.DescribeServerlessCacheSnapshotsRequest, ec.DescribeServerlessCacheSnapshotsResponse>(
    (input, { world, scope }) => {
      let snapshots =
        input.ServerlessCacheSnapshotName !== undefined
          ? [requireSnapshot(world, scope, input.ServerlessCacheSnapshotName)]
          : world.resources.list(scope, 'serverless-snapshot');
      if (input.ServerlessCacheName !== undefined) snapshots = snapshots.filter((s) => s.cacheName === input.ServerlessCacheName!.toLowerCase());
      if (input.SnapshotType !== undefined) {
        if (input.SnapshotType !== 'manual' && input.SnapshotType !== 'automated') {
          throw invalidValue(`Invalid SnapshotType ${input.SnapshotType}: valid values are manual and automated.`);
        }
        snapshots = snapshots.filter((s) => s.type === input.SnapshotType);
      }
      const { page, marker } = paginate(snapshots, input.MaxResults, input.NextToken, PAGE);
      return { NextToken: marker, ServerlessCacheSnapshots: page.map((s) => describe(world, scope, s)) };
    },
  ),

  CopyServerlessCacheSnapshot: define<ec.CopyServerlessCacheSnapshotRequest, ec.CopyServerlessCacheSnapshotResponse>((input, { world, scope }) => {
    const source = requireSnapshot(world, scope, input.SourceServerlessCacheSnapshotName, 'SourceServerlessCacheSnapshotName');
    const target = checkName(input.TargetServerlessCacheSnapshotName, 'TargetServerlessCacheSnapshotName');
    if (source.status !== 'available') {
      throw fault('InvalidServerlessCacheSnapshotStateFault', `Serverless cache snapshot ${source.name} is not available.`);
    }
    const copy: ServerlessSnapshotRecord = { ...source, name: target, type: 'manual', status: 'creating', kmsKeyId: input.KmsKeyId ?? source.kmsKeyId, createdAt: world.now() };
    insert(world, scope, copy, input.Tags);
    writeFileDurably(snapshotFile(world.config.dataDir, scope, serverlessSnapshotFolder(target), '0001'), serverlessSnapshotRdb(world, scope, source.name));
    world.later(() => settle(world, scope, target, source.bytes));
    return { ServerlessCacheSnapshot: describe(world, scope, copy) };
  }),

  ExportServerlessCacheSnapshot: define<ec.ExportServerlessCacheSnapshotRequest, ec.ExportServerlessCacheSnapshotResponse>((input, { world, scope }) => {
    const snapshot = requireSnapshot(world, scope, input.ServerlessCacheSnapshotName);
    if (input.S3BucketName === undefined) throw missingParameter('S3BucketName');
    checkBucketName(input.S3BucketName);
    if (snapshot.status !== 'available') {
      throw fault('InvalidServerlessCacheSnapshotStateFault', `Serverless cache snapshot ${snapshot.name} is not available.`);
    }
    writeFileDurably(path.join(bucketDir(world.config.dataDir, input.S3BucketName), `${snapshot.name}-0001.rdb`), serverlessSnapshotRdb(world, scope, snapshot.name));
    return { ServerlessCacheSnapshot: describe(world, scope, { ...snapshot, status: 'exporting' }) };
  }),

  DeleteServerlessCacheSnapshot: define<ec.DeleteServerlessCacheSnapshotRequest, ec.DeleteServerlessCacheSnapshotResponse>((input, { world, scope }) => {
    const snapshot = requireSnapshot(world, scope, input.ServerlessCacheSnapshotName);
    if (snapshot.status === 'creating') {
      throw fault('InvalidServerlessCacheSnapshotStateFault', `Serverless cache snapshot ${snapshot.name} is still being created.`);
    }
    removeResource(world, scope, 'serverless-snapshot', snapshot.name);
    removeSnapshotFiles(world, scope, serverlessSnapshotFolder(snapshot.name));
    return { ServerlessCacheSnapshot: describe(world, scope, { ...snapshot, status: 'deleting' }) };
  }),
};
