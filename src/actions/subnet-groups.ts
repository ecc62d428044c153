import type * as ec from '@aws-sdk/client-elasticache';
import { fault, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Scope, SubnetGroupRecord } from '../store/records.ts';
import { subnetGroupName } from '../validate/identifiers.ts';
import type { World } from '../world.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { applyCreateTags } from './tags.ts';
import { stableHex, vpcId } from '../lifecycle/network.ts';
import { removeResource } from '../lifecycle/removal.ts';

export const DEFAULT_SUBNET_GROUP = 'default';
const MAX_SUBNETS = 20;
const AZ_LETTERS = 'abcdef';


/** A subnet whose id ends like "...1a" is placed in that zone; others take zones in turn. */
function subnetZones(scope: Scope, ids: string[]): SubnetGroupRecord['subnets'] {
  return ids.map((id, i) => {
    const suffix = /\d([a-f])$/.exec(id)?.[1];
    return { id, az: `${scope.region}${suffix ?? AZ_LETTERS[i % 3]}` };
  });
}

function validateSubnetIds(ids: string[] | undefined): string[] {
  if (!ids || ids.length === 0) throw missingParameter('SubnetIds');
  if (ids.length > MAX_SUBNETS) {
    throw fault('CacheSubnetQuotaExceededFault', `The request cannot be processed because it would exceed the allowed number of subnets in a cache subnet group (${MAX_SUBNETS}).`);
  }
  for (const id of ids) {
    if (!/^subnet-[A-Za-z0-9-]+$/.test(id)) throw fault('InvalidSubnet', `The subnet ID ${id} is not valid.`);
  }
  return [...new Set(ids)];
}

/** AWS provides a `default` subnet group over the default VPC's subnets; it appears on first use. */
export function getSubnetGroup(world: World, scope: Scope, name: string): SubnetGroupRecord | undefined {
  const existing = world.resources.get(scope, 'subnet-group', name);
  if (existing || name !== DEFAULT_SUBNET_GROUP) return existing;
  const record: SubnetGroupRecord = {
    name,
    description: 'Default CacheSubnetGroup',
    vpcId: vpcId(scope),
    subnets: ['a', 'b', 'c'].map((z) => ({ id: `subnet-${stableHex(`${scope.account}/${scope.region}/${z}`, 17)}`, az: `${scope.region}${z}` })),
    createdAt: world.now(),
  };
  world.resources.insert(scope, 'subnet-group', name, record);
  return record;
}

export function requireSubnetGroup(world: World, scope: Scope, name: string): SubnetGroupRecord {
  const group = getSubnetGroup(world, scope, name);
  if (!group) throw fault('CacheSubnetGroupNotFoundFault', `Cache subnet group ${name} not found.`);
  return group;
}

function describe(world: World, scope: Scope, g: SubnetGroupRecord): ec.CacheSubnetGroup {
  return {
    CacheSubnetGroupName: g.name,
    CacheSubnetGroupDescription: g.description,
    VpcId: g.vpcId,
    Subnets: g.subnets.map((s) => ({
      SubnetIdentifier: s.id,
      SubnetAvailabilityZone: { Name: s.az },
      SupportedNetworkTypes: ['ipv4'],
    })),
    ARN: world.arn(scope, 'subnet-group', g.name),
    SupportedNetworkTypes: ['ipv4'],
  };
}

function inUse(world: World, scope: Scope, name: string): boolean {
  return world.resources.list(scope, 'cluster').some((c) => c.subnetGroup === name);
}

export const subnetGroupActions: ActionTable = {
  CreateCacheSubnetGroup: define<ec.CreateCacheSubnetGroupMessage, ec.CreateCacheSubnetGroupResult>((input, { world, scope }) => {
    const name = subnetGroupName(input.CacheSubnetGroupName);
    if (name === DEFAULT_SUBNET_GROUP) throw invalidValue('The subnet group name default is reserved.');
    const record: SubnetGroupRecord = {
      name,
      description: input.CacheSubnetGroupDescription ?? '',
      vpcId: vpcId(scope),
      subnets: subnetZones(scope, validateSubnetIds(input.SubnetIds)),
      createdAt: world.now(),
    };
    const arn = world.arn(scope, 'subnet-group', name);
    world.resources.transaction(() => {
      if (!world.resources.insert(scope, 'subnet-group', name, record)) {
        throw fault('CacheSubnetGroupAlreadyExistsFault', `Cache subnet group ${name} already exists.`);
      }
      applyCreateTags(world, arn, input.Tags);
    });
    world.event(scope, 'cache-subnet-group', name, `Cache subnet group ${name} created`);
    return { CacheSubnetGroup: describe(world, scope, record) };
  }),

  DescribeCacheSubnetGroups: define<ec.DescribeCacheSubnetGroupsMessage, ec.CacheSubnetGroupMessage>((input, { world, scope }) => {
    let groups: SubnetGroupRecord[];
    if (input.CacheSubnetGroupName !== undefined) {
      groups = [requireSubnetGroup(world, scope, input.CacheSubnetGroupName.toLowerCase())];
    } else {
      getSubnetGroup(world, scope, DEFAULT_SUBNET_GROUP);
      groups = world.resources.list(scope, 'subnet-group');
    }
    const { page, marker } = paginate(groups, input.MaxRecords, input.Marker);
    return { Marker: marker, CacheSubnetGroups: page.map((g) => describe(world, scope, g)) };
  }),

  ModifyCacheSubnetGroup: define<ec.ModifyCacheSubnetGroupMessage, ec.ModifyCacheSubnetGroupResult>((input, { world, scope }) => {
    const name = subnetGroupName(input.CacheSubnetGroupName);
    const group = requireSubnetGroup(world, scope, name);
    if (input.CacheSubnetGroupDescription !== undefined) group.description = input.CacheSubnetGroupDescription;
    if (input.SubnetIds !== undefined) group.subnets = subnetZones(scope, validateSubnetIds(input.SubnetIds));
    world.resources.put(scope, 'subnet-group', name, group);
    world.event(scope, 'cache-subnet-group', name, `Cache subnet group ${name} modified`);
    return { CacheSubnetGroup: describe(world, scope, group) };
  }),

  DeleteCacheSubnetGroup: define<ec.DeleteCacheSubnetGroupMessage, void>((input, { world, scope }) => {
    const name = subnetGroupName(input.CacheSubnetGroupName);
    if (name === DEFAULT_SUBNET_GROUP) throw invalidValue('Cannot delete default cache subnet group.');
    requireSubnetGroup(world, scope, name);
    if (inUse(world, scope, name)) {
      throw fault('CacheSubnetGroupInUse', `Cache subnet group ${name} is currently in use by a cache cluster.`);
    }
    removeResource(world, scope, 'subnet-group', name);
  }),
};
