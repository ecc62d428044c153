import type * as ec from '@aws-sdk/client-elasticache';
import type { EngineVersion } from '../catalog/engine-versions.ts';
import { checkParameterValue, parametersForFamily, type ParameterSpec } from '../catalog/parameters.ts';
import { allDefaultGroups, effectiveParameters, FAMILIES, getParameterGroup } from '../lifecycle/parameters.ts';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { ParameterGroupRecord, Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import { paginate } from './paginate.ts';
import { define, type ActionTable } from './registry.ts';
import { applyCreateTags } from './tags.ts';
import { removeResource } from '../lifecycle/removal.ts';

export const MAX_PARAMETER_GROUPS = 150;
const MAX_NAME = 255;

function isDefaultName(name: string): boolean {
  return name.startsWith('default.');
}

export function requireParameterGroup(world: World, scope: Scope, name: string | undefined): ParameterGroupRecord {
  if (name === undefined) throw missingParameter('CacheParameterGroupName');
  const group = getParameterGroup(world.resources, scope, name);
  if (!group) throw fault('CacheParameterGroupNotFoundFault', `CacheParameterGroup ${name} not found.`);
  return group;
}

/** A cluster may only use a group of its engine version's family. */
export function parameterGroupFor(world: World, scope: Scope, name: string, version: EngineVersion): string {
  const group = requireParameterGroup(world, scope, name);
  if (group.family !== version.family) {
    throw invalidCombination(`The parameter group ${group.name} (family ${group.family}) does not match engine version ${version.version} (family ${version.family}).`);
  }
  return group.name;
}

/** Whether a group runs its clusters in cluster mode (`cluster-enabled`, yes in the .cluster.on defaults). */
export function clusterEnabledIn(world: World, scope: Scope, name: string): boolean {
  return getParameterGroup(world.resources, scope, name)?.overrides['cluster-enabled'] === 'yes';
}

/** A group keeps its cluster mode: a parameter group of the other mode is refused, as AWS refuses it. */
export function checkClusterModeOf(world: World, scope: Scope, name: string, clusterMode: boolean): void {
  if (clusterEnabledIn(world, scope, name) === clusterMode) return;
  throw invalidCombination(
    `The parameter cluster-enabled has a different value in the requested parameter group ${name} than the current parameter group. This parameter value cannot be changed for a cache cluster.`,
  );
}

function describeGroup(world: World, scope: Scope, g: ParameterGroupRecord): ec.CacheParameterGroup {
  return {
    CacheParameterGroupName: g.name,
    CacheParameterGroupFamily: g.family,
    Description: g.description,
    IsGlobal: false,
    ARN: world.arn(scope, 'parameter-group', g.name),
  };
}

function describeParameter(spec: ParameterSpec, value: string, source: string): ec.Parameter {
  return {
    ParameterName: spec.name,
    ParameterValue: value,
    Description: spec.description,
    Source: source,
    DataType: spec.dataType,
    AllowedValues: spec.allowed,
    IsModifiable: spec.modifiable,
    MinimumEngineVersion: spec.minimumEngineVersion,
    ChangeType: spec.changeType,
  };
}

function validateName(name: string | undefined): string {
  if (name === undefined) throw missingParameter('CacheParameterGroupName');
  if (name.length === 0 || name.length > MAX_NAME || !/^[A-Za-z][A-Za-z0-9-]*$/.test(name) || name.endsWith('-') || name.includes('--')) {
    throw invalidValue(
      'The parameter CacheParameterGroupName is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
    );
  }
  return name.toLowerCase();
}

function requireCustom(world: World, scope: Scope, name: string | undefined): ParameterGroupRecord {
  const group = requireParameterGroup(world, scope, name);
  if (isDefaultName(group.name)) {
    throw invalidValue(`Default parameter groups cannot be modified or deleted: ${group.name}.`);
  }
  return group;
}

/**
 * Records which nodes must reboot for the changed parameters and applies the immediate ones to the
 * running engines of every cluster that uses the group.
 */
function propagate(world: World, scope: Scope, group: ParameterGroupRecord, changed: string[]): void {
  const specs = new Map(parametersForFamily(group.family).map((s) => [s.name, s]));
  const needsReboot = changed.some((n) => specs.get(n)?.changeType === 'requires-reboot');
  const immediate = new Map([...effectiveParameters(group)].filter(([n]) => specs.get(n)?.changeType === 'immediate'));
  for (const cluster of world.resources.list(scope, 'cluster')) {
    if (cluster.parameterGroup !== group.name) continue;
    if (needsReboot) {
      cluster.nodesToReboot = cluster.nodes.map((n) => n.id);
      world.resources.put(scope, 'cluster', cluster.id, cluster);
    }
    world.runtime.applyParameters(scope, cluster, immediate);
  }
}

function parseNameValues(group: ParameterGroupRecord, pairs: ec.ParameterNameValue[] | undefined): [string, string | undefined][] {
  if (!pairs || pairs.length === 0) throw missingParameter('ParameterNameValues');
  const specs = new Map(parametersForFamily(group.family).map((s) => [s.name, s]));
  return pairs.map((pair) => {
    if (!pair.ParameterName) throw missingParameter('ParameterNameValues.ParameterNameValue.ParameterName');
    const spec = specs.get(pair.ParameterName);
    if (!spec) throw invalidValue(`Unrecognized parameter: ${pair.ParameterName} for family ${group.family}.`);
    if (!spec.modifiable) throw invalidValue(`Parameter ${spec.name} is not modifiable.`);
    if (pair.ParameterValue !== undefined) {
      const problem = checkParameterValue(spec, pair.ParameterValue);
      if (problem) throw invalidValue(problem);
    }
    return [spec.name, pair.ParameterValue];
  });
}

export const parameterGroupActions: ActionTable = {
  CreateCacheParameterGroup: define<ec.CreateCacheParameterGroupMessage, ec.CreateCacheParameterGroupResult>((input, { world, scope }) => {
    const name = validateName(input.CacheParameterGroupName);
    if (isDefaultName(name)) throw invalidValue('Parameter group names beginning with "default." are reserved.');
    if (input.CacheParameterGroupFamily === undefined) throw missingParameter('CacheParameterGroupFamily');
    if (!FAMILIES.includes(input.CacheParameterGroupFamily)) {
      throw invalidValue(`Invalid parameter group family: ${input.CacheParameterGroupFamily}. Valid families: ${FAMILIES.join(', ')}.`);
    }
    if (input.Description === undefined) throw missingParameter('Description');
    const record: ParameterGroupRecord = {
      name,
      family: input.CacheParameterGroupFamily,
      description: input.Description,
      overrides: {},
      createdAt: world.now(),
    };
    world.resources.transaction(() => {
      if (world.resources.list(scope, 'parameter-group').length >= MAX_PARAMETER_GROUPS) {
        throw fault('CacheParameterGroupQuotaExceededFault', `The request cannot be processed because it would exceed the maximum of ${MAX_PARAMETER_GROUPS} cache parameter groups.`);
      }
      if (!world.resources.insert(scope, 'parameter-group', name, record)) {
        throw fault('CacheParameterGroupAlreadyExistsFault', `Parameter group ${name} already exists.`);
      }
      applyCreateTags(world, world.arn(scope, 'parameter-group', name), input.Tags);
    });
    world.event(scope, 'cache-parameter-group', name, `Cache parameter group ${name} created`);
    return { CacheParameterGroup: describeGroup(world, scope, record) };
  }),

  DescribeCacheParameterGroups: define<ec.DescribeCacheParameterGroupsMessage, ec.CacheParameterGroupsMessage>((input, { world, scope }) => {
    const groups =
      input.CacheParameterGroupName !== undefined
        ? [requireParameterGroup(world, scope, input.CacheParameterGroupName)]
        : [...allDefaultGroups(), ...world.resources.list(scope, 'parameter-group')];
    const { page, marker } = paginate(groups, input.MaxRecords, input.Marker);
    return { Marker: marker, CacheParameterGroups: page.map((g) => describeGroup(world, scope, g)) };
  }),

  DescribeCacheParameters: define<ec.DescribeCacheParametersMessage, ec.CacheParameterGroupDetails>((input, { world, scope }) => {
    const group = requireParameterGroup(world, scope, input.CacheParameterGroupName);
    if (input.Source !== undefined && !['user', 'system', 'engine-default'].includes(input.Source)) {
      throw invalidValue(`Invalid value for Source: ${input.Source}. Valid values: user, system, engine-default.`);
    }
    const all = parametersForFamily(group.family).map((spec) => {
      const overridden = group.overrides[spec.name] !== undefined;
      const source = overridden ? 'user' : spec.modifiable ? 'engine-default' : 'system';
      return { source, parameter: describeParameter(spec, group.overrides[spec.name] ?? spec.value, source) };
    });
    const selected = input.Source ? all.filter((x) => x.source === input.Source) : all;
    const { page, marker } = paginate(selected.map((x) => x.parameter), input.MaxRecords, input.Marker);
    return { Marker: marker, Parameters: page, CacheNodeTypeSpecificParameters: [] };
  }),

  DescribeEngineDefaultParameters: define<ec.DescribeEngineDefaultParametersMessage, ec.DescribeEngineDefaultParametersResult>((input) => {
    if (input.CacheParameterGroupFamily === undefined) throw missingParameter('CacheParameterGroupFamily');
    if (!FAMILIES.includes(input.CacheParameterGroupFamily)) {
      throw invalidValue(`Invalid parameter group family: ${input.CacheParameterGroupFamily}.`);
    }
    const params = parametersForFamily(input.CacheParameterGroupFamily).map((s) =>
      describeParameter(s, s.value, s.modifiable ? 'engine-default' : 'system'),
    );
    const { page, marker } = paginate(params, input.MaxRecords, input.Marker);
    return {
      EngineDefaults: {
        CacheParameterGroupFamily: input.CacheParameterGroupFamily,
        Marker: marker,
        Parameters: page,
        CacheNodeTypeSpecificParameters: [],
      },
    };
  }),

  ModifyCacheParameterGroup: define<ec.ModifyCacheParameterGroupMessage, ec.CacheParameterGroupNameMessage>((input, { world, scope }) => {
    const group = requireCustom(world, scope, input.CacheParameterGroupName);
    const changes = parseNameValues(group, input.ParameterNameValues);
    for (const [name, value] of changes) {
      if (value === undefined) throw missingParameter(`ParameterNameValues.ParameterNameValue.ParameterValue (${name})`);
    }
    // cluster-enabled is modifiable only while no cluster uses the group: a running group cannot change mode this way.
    if (changes.some(([n, v]) => n === 'cluster-enabled' && v !== (group.overrides['cluster-enabled'] ?? 'no'))) {
      if (world.resources.list(scope, 'cluster').some((c) => c.parameterGroup === group.name)) {
        throw fault('InvalidCacheParameterGroupStateFault', `Parameter cluster-enabled cannot be changed while parameter group ${group.name} is in use.`);
      }
    }
    for (const [name, value] of changes) group.overrides[name] = value!;
    world.resources.put(scope, 'parameter-group', group.name, group);
    propagate(world, scope, group, changes.map(([n]) => n));
    world.event(scope, 'cache-parameter-group', group.name, `Cache parameter group ${group.name} modified`);
    return { CacheParameterGroupName: group.name };
  }),

  ResetCacheParameterGroup: define<ec.ResetCacheParameterGroupMessage, ec.CacheParameterGroupNameMessage>((input, { world, scope }) => {
    const group = requireCustom(world, scope, input.CacheParameterGroupName);
    let names: string[];
    if (input.ResetAllParameters) {
      if (input.ParameterNameValues?.length) {
        throw invalidCombination('Specify either ResetAllParameters or ParameterNameValues, not both.');
      }
      names = Object.keys(group.overrides);
    } else {
      names = parseNameValues(group, input.ParameterNameValues).map(([n]) => n);
    }
    for (const n of names) delete group.overrides[n];
    world.resources.put(scope, 'parameter-group', group.name, group);
    propagate(world, scope, group, names);
    return { CacheParameterGroupName: group.name };
  }),

  DeleteCacheParameterGroup: define<ec.DeleteCacheParameterGroupMessage, void>((input, { world, scope }) => {
    const group = requireCustom(world, scope, input.CacheParameterGroupName);
    if (world.resources.list(scope, 'cluster').some((c) => c.parameterGroup === group.name)) {
      throw fault('InvalidCacheParameterGroupStateFault', `One or more cache clusters are still members of parameter group ${group.name}.`);
    }
    removeResource(world, scope, 'parameter-group', group.name);
  }),
};
