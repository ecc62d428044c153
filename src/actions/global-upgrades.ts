import type * as ec from '@aws-sdk/client-elasticache';
import { resolveEngineVersion } from '../catalog/engine-versions.ts';
import { invalidValue } from '../protocol/errors.ts';
import type { Engine, GlobalGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { modifyReplicationGroup } from './replication-groups.ts';

/** Node families AWS offers global datastores on (no burstable or previous-generation nodes). */
export const GLOBAL_NODE_FAMILY = /^cache\.(m5|r5|m6g|r6g|m7g|r7g|r6gd)\./;

/**
 * ModifyGlobalReplicationGroup's node type, engine and version: AWS changes every member, primary first, each
 * as its own ModifyReplicationGroup would (a major upgrade names the new family's parameter group). Members
 * already there are left alone; the datastore then describes the new values.
 */
export function changeGlobalMembers(world: World, scope: Scope, global: GlobalGroupRecord, input: ec.ModifyGlobalReplicationGroupMessage): void {
  if (input.CacheNodeType === undefined && input.EngineVersion === undefined && input.Engine === undefined) {
    if (input.CacheParameterGroupName !== undefined) {
      throw invalidValue('CacheParameterGroupName can only be changed together with a major engine version upgrade of the global datastore.');
    }
    return;
  }
  if (input.CacheNodeType !== undefined && !GLOBAL_NODE_FAMILY.test(input.CacheNodeType)) {
    throw invalidValue(`Node type ${input.CacheNodeType} is not supported for global datastores.`);
  }
  const engine = (input.Engine?.toLowerCase() ?? global.engine) as Engine;
  const target = input.EngineVersion !== undefined ? resolveEngineVersion(engine, input.EngineVersion) : undefined;
  if (input.EngineVersion !== undefined && !target) throw invalidValue(`Cannot find version ${input.EngineVersion} for ${engine}`);
  const ordered = [...global.members].sort((a, b) => (a.role === 'primary' ? -1 : b.role === 'primary' ? 1 : 0));
  for (const m of ordered) {
    const memberScope = { account: scope.account, region: m.region };
    const group = world.resources.get(memberScope, 'replication-group', m.groupId);
    if (!group) continue;
    const request: ec.ModifyReplicationGroupMessage = { ReplicationGroupId: group.id, ApplyImmediately: true };
    if (input.CacheNodeType !== undefined && input.CacheNodeType !== group.nodeType) request.CacheNodeType = input.CacheNodeType;
    if (engine !== group.engine) request.Engine = engine;
    if (target && (target.version !== group.engineVersion || engine !== group.engine)) {
      request.EngineVersion = input.EngineVersion;
      if (input.CacheParameterGroupName !== undefined) request.CacheParameterGroupName = input.CacheParameterGroupName;
    }
    if (Object.keys(request).length > 2) modifyReplicationGroup(request, world, memberScope);
  }
  if (input.CacheNodeType !== undefined) global.nodeType = input.CacheNodeType;
  global.engine = engine;
  if (target) global.engineVersion = target.version;
}
