import { ENGINE_VERSIONS } from '../catalog/engine-versions.ts';
import { parametersForFamily } from '../catalog/parameters.ts';
import type { ParameterGroupRecord, Scope } from '../store/records.ts';
import type { Resources } from '../store/resources.ts';

export const FAMILIES = [...new Set(ENGINE_VERSIONS.map((v) => v.family))];

/** Default groups are not stored: every family has one (two for Redis: plain and cluster.on). */
export function defaultGroup(name: string): ParameterGroupRecord | undefined {
  const m = /^default\.(.+?)(\.cluster\.on)?$/.exec(name);
  if (!m || !FAMILIES.includes(m[1]!) || (m[2] && m[1]!.startsWith('memcached'))) return undefined;
  return {
    name,
    family: m[1]!,
    description: `Default parameter group for ${m[1]}`,
    overrides: m[2] ? { 'cluster-enabled': 'yes' } : {},
    createdAt: 0,
  };
}

export function allDefaultGroups(): ParameterGroupRecord[] {
  return FAMILIES.flatMap((f) => (f.startsWith('memcached') ? [`default.${f}`] : [`default.${f}`, `default.${f}.cluster.on`])).map(
    (n) => defaultGroup(n)!,
  );
}

export function getParameterGroup(resources: Resources, scope: Scope, name: string): ParameterGroupRecord | undefined {
  return defaultGroup(name) ?? resources.get(scope, 'parameter-group', name.toLowerCase());
}

/** The effective value of every parameter of a group. */
export function effectiveParameters(group: ParameterGroupRecord): Map<string, string> {
  return new Map(parametersForFamily(group.family).map((s) => [s.name, group.overrides[s.name] ?? s.value]));
}

export function clusterParameters(resources: Resources, scope: Scope, groupName: string): Map<string, string> {
  const group = getParameterGroup(resources, scope, groupName);
  return group ? effectiveParameters(group) : new Map();
}
