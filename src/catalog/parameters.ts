/**
 * Engine default parameters per parameter group family, built from the catalogue rows in
 * redis-parameters.ts and memcached-parameters.ts, and the checks AWS makes on values.
 */
import { MEMCACHED_FAMILIES, MEMCACHED_ROWS } from './memcached-parameters.ts';
import type { ParameterRow } from './parameter-rows.ts';
import { REDIS_FAMILIES, REDIS_ROWS } from './redis-parameters.ts';

export interface ParameterSpec {
  name: string;
  value: string;
  description: string;
  dataType: 'string' | 'integer' | 'boolean' | 'float';
  allowed?: string; // "yes,no", "0-100", "1-" (no upper bound), "-" (any integer)
  modifiable: boolean;
  changeType: 'immediate' | 'requires-reboot';
  minimumEngineVersion: string;
}

/** The family an engine version's parameters first appear in. */
function familyOfVersion(engine: 'redis' | 'memcached', version: string): string {
  const [major, minor] = version.split('.').map(Number) as [number, number];
  if (engine === 'memcached') return `memcached${major}.${minor}`;
  if (major >= 9) return 'valkey9';
  if (major === 8) return 'valkey8';
  if (major === 7) return minor >= 2 ? 'valkey7' : 'redis7';
  if (major === 6) return 'redis6.x';
  return `redis${major}.${minor}`;
}

function build(rows: readonly ParameterRow[], families: readonly string[], engine: 'redis' | 'memcached'): Map<string, ParameterSpec[]> {
  const byFamily = new Map<string, ParameterSpec[]>(families.map((f) => [f, []]));
  families.forEach((family, index) => {
    for (const [name, value, dataType, allowed, kind, since, until, description, extra] of rows) {
      const from = families.indexOf(familyOfVersion(engine, since));
      const to = until === undefined ? families.length : families.indexOf(until);
      if (index < from || index >= to) continue;
      if (extra?.families && !extra.families.includes(family)) continue;
      const fixed = kind.startsWith('fixed') || (extra?.fixedFrom !== undefined && index >= families.indexOf(extra.fixedFrom));
      byFamily.get(family)!.push({
        name,
        value,
        description,
        dataType,
        allowed,
        modifiable: !fixed,
        changeType: kind.endsWith('reboot') ? 'requires-reboot' : 'immediate',
        minimumEngineVersion: since,
      });
    }
    byFamily.get(family)!.sort((a, b) => a.name.localeCompare(b.name));
  });
  return byFamily;
}

// Built on first use: a start that never asks for parameters does not pay for the catalogue.
let catalogue: Map<string, ParameterSpec[]> | undefined;

export function parametersForFamily(family: string): readonly ParameterSpec[] {
  catalogue ??= new Map([...build(REDIS_ROWS, REDIS_FAMILIES, 'redis'), ...build(MEMCACHED_ROWS, MEMCACHED_FAMILIES, 'memcached')]);
  return catalogue.get(family) ?? [];
}

/** Keyspace notification classes Redis accepts in notify-keyspace-events. */
const KEYSPACE_EVENT_LETTERS = /^[KEg$lshzxeAtmdn]*$/;

function matchesToken(token: string, value: string, numeric: boolean): boolean {
  if (token === '-') return numeric;
  const range = /^(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)?$/.exec(token);
  if (range && numeric) {
    const n = Number(value);
    return n >= Number(range[1]) && (range[2] === undefined || n <= Number(range[2]));
  }
  return token === value;
}

/** Checks a value against the parameter's type and allowed values; answers an error text or undefined. */
export function checkParameterValue(spec: ParameterSpec, value: string): string | undefined {
  const bad = `Value ${JSON.stringify(value)} is not valid for parameter ${spec.name}.`;
  const numeric = spec.dataType === 'integer' || spec.dataType === 'float';
  // Booleans are whatever their allowed values say: 0/1 for Memcached, yes/no for Valkey.
  if (spec.dataType === 'integer' && !/^-?\d+$/.test(value)) return `${bad} It must be an integer.`;
  if (spec.dataType === 'float' && !/^-?\d+(\.\d+)?$/.test(value)) return `${bad} It must be a number.`;
  if (spec.name === 'notify-keyspace-events' && !KEYSPACE_EVENT_LETTERS.test(value)) {
    return `${bad} Allowed characters: K, E, g, $, l, s, h, z, x, e, A, t, m, d, n.`;
  }
  if (!spec.allowed) return undefined;
  if (!spec.allowed.split(',').some((token) => matchesToken(token, value, numeric))) return `${bad} Allowed values: ${spec.allowed}.`;
  return undefined;
}
