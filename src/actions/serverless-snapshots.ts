import path from 'node:path';
import type * as ec from '@aws-sdk/client-elasticache';
import { bucketDir, checkBucketName, snapshotFile, writeFileDurablyAsync } from '../lifecycle/snapshot-files.ts';
import { removeSnapshotFiles } from '../lifecycle/snapshots.ts';
import { serverlessSnapshotFolder, serverlessSnapshotRdbAsync } from '../lifecycle/serverless.ts';
import { checkSnapshotName, insertServerlessSnapshot, newServerlessSnapshot, settleServerlessSnapshot, takeServerlessSnapshot } from '../lifecycle/serverless-snapshots.ts';
import { fault, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Scope, ServerlessSnapshotRecord } from '../store/records.ts';
import type { World } from '../world.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { applyCreateTags } from './tags.ts';
import { removeResource } from '../lifecycle/removal.ts';

const PAGE = { name: 'MaxResults', min: 1, max: 50, fallback: 50 };
// Serverless snapshot files share the snapshot store, under a prefix that cannot clash with a cluster snapshot's name.
function requireSnapshot(world: World, scope: Scope, name: string | undefined, parameter = 'ServerlessCacheSnapshotName'): ServerlessSnapshotRecord {
  if (name === undefined) throw missingParameter(parameter);
  const snapshot = world.resources.get(scope, 'serverless-snapshot', name);
  if (!snapshot) throw fault('ServerlessCacheSnapshotNotFoundFault', `Serverless cache snapshot ${name} not found.`);
  return snapshot;
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

export const serverlessSnapshotActions: ActionTable = {
  CreateServerlessCacheSnapshot: define<ec.CreateServerlessCacheSnapshotRequest, ec.CreateServerlessCacheSnapshotResponse>((input, { world, scope }) => {
    const name = checkSnapshotName(input.ServerlessCacheSnapshotName, 'ServerlessCacheSnapshotName');
    if (input.ServerlessCacheName === undefined) throw missingParameter('ServerlessCacheName');
    const cache = world.resources.get(scope, 'serverless-cache', input.ServerlessCacheName.toLowerCase());
    if (!cache) throw fault('ServerlessCacheNotFoundFault', `Serverless cache ${input.ServerlessCacheName} not found.`);
    if (cache.engine === 'memcached') throw fault('InvalidParameterCombinationException', 'Snapshots are not supported for serverless Memcached caches.');
    if (cache.status !== 'available') {
      throw fault('InvalidServerlessCacheStateFault', `Serverless cache ${cache.name} is not in available state (current state: ${cache.status}).`);
    }
    const record = newServerlessSnapshot(world, cache, name, 'manual', input.KmsKeyId);
    insertServerlessSnapshot(world, scope, record, () => applyCreateTags(world, world.arn(scope, 'serverless-snapshot', name), input.Tags));
    world.later(() => takeServerlessSnapshot(world, scope, cache.name, name));
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
    const target = checkSnapshotName(input.TargetServerlessCacheSnapshotName, 'TargetServerlessCacheSnapshotName');
    if (source.status !== 'available') {
      throw fault('InvalidServerlessCacheSnapshotStateFault', `Serverless cache snapshot ${source.name} is not available.`);
    }
    const copy: ServerlessSnapshotRecord = { ...source, name: target, type: 'manual', status: 'creating', kmsKeyId: input.KmsKeyId ?? source.kmsKeyId, createdAt: world.now() };
    insertServerlessSnapshot(world, scope, copy, () => applyCreateTags(world, world.arn(scope, 'serverless-snapshot', target), input.Tags));
    // The files of a million keys take hundreds of ms to read, write and fsync: never in the request's turn.
    world.later(async () => {
      try {
        await writeFileDurablyAsync(snapshotFile(world.config.dataDir, scope, serverlessSnapshotFolder(target), '0001'), await serverlessSnapshotRdbAsync(world, scope, source.name));
        settleServerlessSnapshot(world, scope, target, source.bytes);
      } catch (err) {
        world.log.error({ err, snapshot: target }, 'serverless snapshot copy failed');
        settleServerlessSnapshot(world, scope, target, undefined);
      }
    });
    return { ServerlessCacheSnapshot: describe(world, scope, copy) };
  }),

  ExportServerlessCacheSnapshot: define<ec.ExportServerlessCacheSnapshotRequest, ec.ExportServerlessCacheSnapshotResponse>(async (input, { world, scope }) => {
    const snapshot = requireSnapshot(world, scope, input.ServerlessCacheSnapshotName);
    if (input.S3BucketName === undefined) throw missingParameter('S3BucketName');
    checkBucketName(input.S3BucketName);
    if (snapshot.status !== 'available') {
      throw fault('InvalidServerlessCacheSnapshotStateFault', `Serverless cache snapshot ${snapshot.name} is not available.`);
    }
    // Answered once the file is in the bucket, as CopySnapshot's export; written without holding the loop.
    await writeFileDurablyAsync(path.join(bucketDir(world.config.dataDir, input.S3BucketName), `${snapshot.name}-0001.rdb`), await serverlessSnapshotRdbAsync(world, scope, snapshot.name));
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
