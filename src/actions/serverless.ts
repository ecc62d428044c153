import type * as ec from '@aws-sdk/client-elasticache';
import { ENGINE_VERSIONS } from '../catalog/engine-versions.ts';
import fs from 'node:fs';
import { s3ObjectPath } from '../lifecycle/snapshot-files.ts';
import { finishServerlessCreate, tearDownServerless } from '../lifecycle/serverless.ts';
import { removeAutomatedServerlessSnapshots } from '../lifecycle/automatic-snapshots.ts';
import { checkSnapshotName, insertServerlessSnapshot, newServerlessSnapshot, takeServerlessSnapshot } from '../lifecycle/serverless-snapshots.ts';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Engine, Scope, ServerlessCacheRecord } from '../store/records.ts';
import { identifier, intInRange } from '../validate/identifiers.ts';
import type { World } from '../world.ts';
import { endpoint } from './cache-clusters.ts';
import { engineOf } from './cluster-options.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { applyCreateTags } from './tags.ts';
import { removeResource } from '../lifecycle/removal.ts';
import { requireState, transition } from '../lifecycle/states.ts';
import { runStep } from '../lifecycle/steps.ts';
import { markModifying, pushUsersToServerless, serverlessUserGroup } from './user-group-links.ts';

export const MAX_SERVERLESS_CACHES = 40;
const MAX_DATA_STORAGE_GB = 5000;
const MAX_ECPU = 15_000_000;
const PAGE = { name: 'MaxResults', min: 1, max: 100, fallback: 50 };

/** Serverless takes a major version; the newest full version of that major is what runs. */
function versionOf(engine: Engine, major: string | undefined): { major: string; full: string } {
  const candidates = ENGINE_VERSIONS.filter((v) => v.engine === engine && (engine === 'memcached' ? v.version.startsWith('1.6') : Number(v.version.split('.')[0]) >= 7));
  const wanted = major ?? (engine === 'memcached' ? '1.6' : engine === 'valkey' ? '8' : '7');
  const matching = candidates.filter((v) => v.version === wanted || v.version.startsWith(`${wanted}.`));
  const chosen = matching[matching.length - 1];
  if (!chosen) throw invalidValue(`MajorEngineVersion ${wanted} is not supported for serverless ${engine}.`);
  const full = engine === 'memcached' ? chosen.version : chosen.version.split('.').slice(0, 2).join('.');
  return { major: wanted, full };
}

function usageLimitsOf(input: ec.CacheUsageLimits | undefined): ServerlessCacheRecord['usageLimits'] {
  if (!input) return undefined;
  const ds = input.DataStorage;
  if (ds) {
    if (ds.Unit !== 'GB') throw invalidValue('DataStorage.Unit must be GB.');
    for (const v of [ds.Maximum, ds.Minimum]) if (v !== undefined) intInRange(v, 'DataStorage', 1, MAX_DATA_STORAGE_GB);
    if (ds.Maximum !== undefined && ds.Minimum !== undefined && ds.Minimum > ds.Maximum) {
      throw invalidCombination('DataStorage.Minimum must not exceed DataStorage.Maximum.');
    }
  }
  const ecpu = input.ECPUPerSecond;
  if (ecpu) for (const v of [ecpu.Maximum, ecpu.Minimum]) if (v !== undefined) intInRange(v, 'ECPUPerSecond', 1000, MAX_ECPU);
  return {
    dataStorage: ds && { maximum: ds.Maximum, minimum: ds.Minimum, unit: 'GB' },
    ecpuPerSecond: ecpu && { maximum: ecpu.Maximum, minimum: ecpu.Minimum },
  };
}

function dailySnapshotTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(value)) throw invalidValue(`Invalid DailySnapshotTime ${value}: expected HH:MM.`);
  return value;
}

function requireCache(world: World, scope: Scope, name: string | undefined): ServerlessCacheRecord {
  if (name === undefined) throw missingParameter('ServerlessCacheName');
  const cache = world.resources.get(scope, 'serverless-cache', name.toLowerCase());
  if (!cache) throw fault('ServerlessCacheNotFoundFault', `Serverless cache ${name} not found.`);
  return cache;
}

function describe(world: World, scope: Scope, c: ServerlessCacheRecord): ec.ServerlessCache {
  const ready = c.status !== 'creating';
  const limits = c.usageLimits;
  return {
    ServerlessCacheName: c.name,
    Description: c.description,
    CreateTime: new Date(c.createdAt),
    Status: c.status,
    Engine: c.engine,
    MajorEngineVersion: c.majorVersion,
    FullEngineVersion: c.fullVersion,
    CacheUsageLimits: limits && {
      DataStorage: limits.dataStorage && { Maximum: limits.dataStorage.maximum, Minimum: limits.dataStorage.minimum, Unit: 'GB' },
      ECPUPerSecond: limits.ecpuPerSecond && { Maximum: limits.ecpuPerSecond.maximum, Minimum: limits.ecpuPerSecond.minimum },
    },
    KmsKeyId: c.kmsKeyId,
    StorageEncryptionType: c.kmsKeyId ? 'sse-kms' : 'sse-elasticache',
    SecurityGroupIds: c.securityGroupIds,
    Endpoint: ready && c.endpointPort ? endpoint(world, c.endpointPort) : undefined,
    ReaderEndpoint: ready && c.readerEndpointPort ? endpoint(world, c.readerEndpointPort) : undefined,
    ARN: world.arn(scope, 'serverless-cache', c.name),
    UserGroupId: c.userGroupId,
    SubnetIds: c.subnetIds,
    SnapshotRetentionLimit: c.engine === 'memcached' ? undefined : c.snapshotRetentionLimit,
    DailySnapshotTime: c.engine === 'memcached' ? undefined : c.dailySnapshotTime,
    NetworkType: c.networkType as ec.NetworkType,
  };
}

/** SnapshotArnsToRestore: one serverless snapshot of ours, or one RDB file in the local S3 stand-in. */
function restoreArnOf(world: World, scope: Scope, arns: string[] | undefined): string | undefined {
  if (!arns?.length) return undefined;
  if (arns.length > 1) throw invalidValue('elasticache-local restores a serverless cache from exactly one snapshot ARN.');
  const arn = arns[0]!;
  const own = /^arn:aws[a-z-]*:elasticache:[^:]+:\d{12}:serverlesscachesnapshot:(.+)$/.exec(arn);
  if (own) {
    const snapshot = world.resources.get(scope, 'serverless-snapshot', own[1]!);
    if (!snapshot) throw fault('ServerlessCacheSnapshotNotFoundFault', `Serverless cache snapshot ${own[1]} not found.`);
    if (snapshot.status !== 'available') throw fault('InvalidServerlessCacheSnapshotStateFault', `Serverless cache snapshot ${own[1]} is not available.`);
    return arn;
  }
  if (!fs.existsSync(s3ObjectPath(world.config.dataDir, arn))) throw invalidValue(`No object found at ${arn}.`);
  return arn;
}

export const serverlessActions: ActionTable = {
  CreateServerlessCache: define<ec.CreateServerlessCacheRequest, ec.CreateServerlessCacheResponse>((input, { world, scope }) => {
    const name = identifier(input.ServerlessCacheName, 'ServerlessCacheName', 40);
    if (input.Engine === undefined) throw missingParameter('Engine');
    const engine = engineOf(input.Engine, 'redis');
    const version = versionOf(engine, input.MajorEngineVersion);
    if (engine === 'memcached' && (input.SnapshotRetentionLimit !== undefined || input.DailySnapshotTime !== undefined || input.SnapshotArnsToRestore)) {
      throw invalidCombination('Snapshots are not supported for serverless Memcached caches.');
    }
    const restoreArn = restoreArnOf(world, scope, input.SnapshotArnsToRestore);
    const userGroupId = serverlessUserGroup(world, scope, input.UserGroupId);
    if (userGroupId !== undefined && engine === 'memcached') throw invalidCombination('User groups are not supported for serverless Memcached caches.');
    for (const id of input.SubnetIds ?? []) if (!/^subnet-[A-Za-z0-9-]+$/.test(id)) throw fault('InvalidSubnet', `The subnet ID ${id} is not valid.`);
    const record: ServerlessCacheRecord = {
      name,
      description: input.Description ?? '',
      engine,
      majorVersion: version.major,
      fullVersion: version.full,
      status: 'creating',
      usageLimits: usageLimitsOf(input.CacheUsageLimits),
      kmsKeyId: input.KmsKeyId,
      securityGroupIds: input.SecurityGroupIds ?? [],
      subnetIds: input.SubnetIds ?? [],
      snapshotRetentionLimit: engine === 'memcached' ? undefined : (intInRange(input.SnapshotRetentionLimit, 'SnapshotRetentionLimit', 0, 35) ?? 0),
      dailySnapshotTime: engine === 'memcached' ? undefined : (dailySnapshotTime(input.DailySnapshotTime) ?? '04:00'),
      networkType: input.NetworkType ?? 'ipv4',
      restoreArn,
      userGroupId,
      nodePort: 0,
      endpointPort: 0,
      readerEndpointPort: 0,
      createdAt: world.now(),
    };
    world.resources.transaction(() => {
      if (world.resources.list(scope, 'serverless-cache').length >= MAX_SERVERLESS_CACHES) {
        throw fault('ServerlessCacheQuotaForCustomerExceededFault', `The quota of ${MAX_SERVERLESS_CACHES} serverless caches has been reached.`);
      }
      if (!world.resources.insert(scope, 'serverless-cache', name, record)) {
        throw fault('ServerlessCacheAlreadyExistsFault', `Serverless cache ${name} already exists.`);
      }
      applyCreateTags(world, world.arn(scope, 'serverless-cache', name), input.Tags);
    });
    // Only once the cache exists (the quota and name checks above may still refuse it).
    if (userGroupId !== undefined) markModifying(world, scope, [userGroupId]);
    runStep(world, scope, 'serverless-cache', name, () => finishServerlessCreate(world, scope, name));
    return { ServerlessCache: describe(world, scope, record) };
  }),

  DescribeServerlessCaches: define<ec.DescribeServerlessCachesRequest, ec.DescribeServerlessCachesResponse>((input, { world, scope }) => {
    const caches =
      input.ServerlessCacheName !== undefined ? [requireCache(world, scope, input.ServerlessCacheName)] : world.resources.list(scope, 'serverless-cache');
    const { page, marker } = paginate(caches, input.MaxResults, input.NextToken, PAGE);
    return { NextToken: marker, ServerlessCaches: page.map((c) => describe(world, scope, c)) };
  }),

  ModifyServerlessCache: define<ec.ModifyServerlessCacheRequest, ec.ModifyServerlessCacheResponse>((input, { world, scope }) => {
    const cache = requireCache(world, scope, input.ServerlessCacheName);
    requireState('serverless-cache', cache, 'modify');
    if (input.RemoveUserGroup && input.UserGroupId) throw invalidCombination('RemoveUserGroup and UserGroupId cannot both be given.');
    const userGroupId = serverlessUserGroup(world, scope, input.UserGroupId);
    if (userGroupId !== undefined && cache.engine === 'memcached') throw invalidCombination('User groups are not supported for serverless Memcached caches.');
    if ((input.SnapshotRetentionLimit !== undefined || input.DailySnapshotTime !== undefined) && cache.engine === 'memcached') {
      throw invalidCombination('Snapshots are not supported for serverless Memcached caches.');
    }
    const usageLimits = input.CacheUsageLimits !== undefined ? usageLimitsOf(input.CacheUsageLimits) : cache.usageLimits;
    const retention = input.SnapshotRetentionLimit !== undefined ? intInRange(input.SnapshotRetentionLimit, 'SnapshotRetentionLimit', 0, 35) : cache.snapshotRetentionLimit;
    const snapshotTime = input.DailySnapshotTime !== undefined ? dailySnapshotTime(input.DailySnapshotTime) : cache.dailySnapshotTime;
    let version: { engine: string; major: string; full: string } | undefined;
    if (input.Engine !== undefined || input.MajorEngineVersion !== undefined) {
      const engine = engineOf(input.Engine, cache.engine);
      if ((engine === 'memcached') !== (cache.engine === 'memcached')) {
        throw invalidCombination('A serverless cache can only move between the redis and valkey engines.');
      }
      version = { engine, ...versionOf(engine, input.MajorEngineVersion) };
    }
    // Everything is valid: only now do user groups change state and the record change.
    if (userGroupId !== undefined || input.RemoveUserGroup) {
      markModifying(world, scope, [cache.userGroupId, userGroupId].filter((id): id is string => id !== undefined));
      cache.userGroupId = userGroupId;
      // The node gets its new users once the record is saved.
      world.later(() => pushUsersToServerless(world, scope, cache.name), 0);
    }
    if (input.Description !== undefined) cache.description = input.Description;
    cache.usageLimits = usageLimits;
    if (input.SecurityGroupIds !== undefined) cache.securityGroupIds = input.SecurityGroupIds;
    cache.snapshotRetentionLimit = retention;
    cache.dailySnapshotTime = snapshotTime;
    if (version) Object.assign(cache, { engine: version.engine, majorVersion: version.major, fullVersion: version.full });
    transition(world, scope, 'serverless-cache', cache, 'modifying');
    world.resources.put(scope, 'serverless-cache', cache.name, cache);
    runStep(world, scope, 'serverless-cache', cache.name, () => {
      const fresh = world.resources.get(scope, 'serverless-cache', cache.name);
      if (!fresh || fresh.status !== 'modifying') return;
      transition(world, scope, 'serverless-cache', fresh, 'available');
      world.resources.put(scope, 'serverless-cache', fresh.name, fresh);
    });
    return { ServerlessCache: describe(world, scope, cache) };
  }),

  DeleteServerlessCache: define<ec.DeleteServerlessCacheRequest, ec.DeleteServerlessCacheResponse>((input, { world, scope }) => {
    const cache = requireCache(world, scope, input.ServerlessCacheName);
    requireState('serverless-cache', cache, 'delete');
    if (input.FinalSnapshotName !== undefined && cache.engine === 'memcached') {
      throw invalidCombination('Snapshots are not supported for serverless Memcached caches.');
    }
    const final = input.FinalSnapshotName === undefined ? undefined : newServerlessSnapshot(world, cache, checkSnapshotName(input.FinalSnapshotName, 'FinalSnapshotName'), 'manual');
    world.resources.transaction(() => {
      if (final) insertServerlessSnapshot(world, scope, final);
      transition(world, scope, 'serverless-cache', cache, 'deleting');
      world.resources.put(scope, 'serverless-cache', cache.name, cache);
    });
    world.later(async () => {
      const fresh = world.resources.get(scope, 'serverless-cache', cache.name);
      if (!fresh) return;
      // Taken before the node stops, through its snapshot fence as CreateServerlessCacheSnapshot's.
      if (final) await takeServerlessSnapshot(world, scope, fresh.name, final.name);
      removeAutomatedServerlessSnapshots(world, scope, fresh.name);
      await tearDownServerless(world, scope, fresh);
      removeResource(world, scope, 'serverless-cache', fresh.name, `Serverless cache ${fresh.name} deleted`);
    });
    return { ServerlessCache: describe(world, scope, cache) };
  }),
};
