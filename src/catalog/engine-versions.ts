import type { Engine } from '../store/records.ts';

export interface EngineVersion {
  engine: Engine;
  version: string; // full version described, e.g. 7.1.0
  family: string; // parameter group family
  description: string;
}

// Every version AWS offers (DescribeCacheEngineVersions), with its default parameter group family.
const REDIS = [
  ['2.6.13', 'redis2.6'], ['2.8.6', 'redis2.8'], ['2.8.19', 'redis2.8'], ['2.8.21', 'redis2.8'], ['2.8.22', 'redis2.8'],
  ['2.8.23', 'redis2.8'], ['2.8.24', 'redis2.8'], ['3.2.4', 'redis3.2'], ['3.2.6', 'redis3.2'], ['3.2.10', 'redis3.2'],
  ['4.0.10', 'redis4.0'], ['5.0.0', 'redis5.0'], ['5.0.3', 'redis5.0'], ['5.0.4', 'redis5.0'], ['5.0.5', 'redis5.0'],
  ['5.0.6', 'redis5.0'], ['6.0.5', 'redis6.x'], ['6.2.6', 'redis6.x'], ['7.0.7', 'redis7'], ['7.1.0', 'redis7'],
] as const;
const VALKEY = [['7.2.6', 'valkey7'], ['8.0.1', 'valkey8'], ['8.1.0', 'valkey8'], ['8.2.0', 'valkey8'], ['9.0.0', 'valkey9']] as const;
const MEMCACHED = [
  ['1.4.5', 'memcached1.4'], ['1.4.14', 'memcached1.4'], ['1.4.24', 'memcached1.4'], ['1.4.33', 'memcached1.4'],
  ['1.4.34', 'memcached1.4'], ['1.5.10', 'memcached1.5'], ['1.5.16', 'memcached1.5'], ['1.6.6', 'memcached1.6'],
  ['1.6.12', 'memcached1.6'], ['1.6.17', 'memcached1.6'], ['1.6.22', 'memcached1.6'],
] as const;

const NAMES: Record<Engine, string> = { redis: 'Redis', valkey: 'Valkey', memcached: 'memcached' };

export const ENGINE_VERSIONS: readonly EngineVersion[] = [
  ...MEMCACHED.map(([version, family]) => ({ engine: 'memcached' as const, version, family })),
  ...REDIS.map(([version, family]) => ({ engine: 'redis' as const, version, family })),
  ...VALKEY.map(([version, family]) => ({ engine: 'valkey' as const, version, family })),
].map((v) => ({ ...v, description: `${NAMES[v.engine]} version ${v.version}` }));

export const DEFAULT_VERSION: Record<Engine, string> = { redis: '7.1.0', valkey: '8.1.0', memcached: '1.6.22' };

/**
 * Resolves what a user may pass as EngineVersion to the full version AWS then describes:
 * Redis 6 and later take a major.minor ("7.0", "6.2") or "6.x"; older ones and Memcached the full version.
 */
export function resolveEngineVersion(engine: Engine, requested: string | undefined): EngineVersion | undefined {
  const candidates = ENGINE_VERSIONS.filter((v) => v.engine === engine);
  const wanted = requested ?? DEFAULT_VERSION[engine];
  const exact = candidates.find((v) => v.version === wanted);
  if (exact) return exact;
  const major = Number(wanted.split('.')[0]);
  if (engine !== 'memcached' && major >= 6) {
    const prefix = wanted === '6.x' ? '6.2.' : wanted.match(/^\d+\.\d+$/) ? `${wanted}.` : wanted.match(/^\d+$/) ? `${wanted}.` : undefined;
    if (prefix) {
      const matching = candidates.filter((v) => v.version.startsWith(prefix));
      return matching[matching.length - 1];
    }
  }
  return undefined;
}

export function defaultParameterGroup(v: EngineVersion, clusterMode = false): string {
  return `default.${v.family}${clusterMode ? '.cluster.on' : ''}`;
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
