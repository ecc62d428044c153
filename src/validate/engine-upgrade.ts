import { compareVersions, defaultParameterGroup, resolveEngineVersion, type EngineVersion } from '../catalog/engine-versions.ts';
import { invalidCombination, invalidValue } from '../protocol/errors.ts';
import type { Engine } from '../store/records.ts';

export interface Upgrade {
  target: EngineVersion;
  /** The default group of the new family when the old group was a default one; undefined keeps the group. */
  parameterGroup?: string;
}

/**
 * An engine upgrade as AWS allows it: newer versions of the same engine, or Redis OSS to Valkey (which
 * needs a replication group, and a Valkey group in the request when the current group is a custom one).
 * Downgrades, and Valkey or Memcached to anything else, are refused.
 */
export function engineUpgrade(
  current: { engine: Engine; engineVersion: string; parameterGroup: string; inReplicationGroup: boolean },
  requestedEngine: string | undefined,
  requestedVersion: string | undefined,
  requestedParameterGroup: string | undefined,
): Upgrade | undefined {
  const engine = (requestedEngine?.toLowerCase() ?? current.engine) as Engine;
  if (requestedEngine !== undefined && !['redis', 'valkey', 'memcached'].includes(engine)) {
    throw invalidValue(`Invalid value for Engine: ${requestedEngine}. Valid values are: memcached, redis, valkey.`);
  }
  if (engine === current.engine && requestedVersion === undefined) return undefined;
  if (engine !== current.engine) {
    if (!(current.engine === 'redis' && engine === 'valkey')) {
      throw invalidCombination(`Cannot change the engine from ${current.engine} to ${engine}; only Redis OSS can be upgraded to Valkey.`);
    }
    if (!current.inReplicationGroup) {
      throw invalidCombination('A single node Redis OSS cluster must be added to a replication group before it can be upgraded to Valkey.');
    }
    if (requestedVersion === undefined) throw invalidCombination('EngineVersion is required when changing the engine to valkey.');
  }
  const target = resolveEngineVersion(engine, requestedVersion);
  if (!target) throw invalidValue(`Cannot find version ${requestedVersion} for ${engine}`);
  if (engine === current.engine) {
    const diff = compareVersions(target.version, current.engineVersion);
    if (diff === 0) return undefined;
    if (diff < 0) {
      throw invalidValue(
        `Cannot downgrade the engine from version ${current.engineVersion} to ${target.version}. Downgrading engine versions is not supported.`,
      );
    }
  }
  const isDefault = current.parameterGroup.startsWith('default.');
  const familyChanges = resolveEngineVersion(current.engine, current.engineVersion)?.family !== target.family;
  if (!familyChanges) return { target };
  if (!isDefault && requestedParameterGroup === undefined) {
    throw invalidCombination(
      `The current parameter group ${current.parameterGroup} does not belong to family ${target.family}; specify a CacheParameterGroupName of family ${target.family} with the upgrade.`,
    );
  }
  const clusterOn = current.parameterGroup.endsWith('.cluster.on');
  return { target, parameterGroup: requestedParameterGroup ?? defaultParameterGroup(target, clusterOn) };
}
