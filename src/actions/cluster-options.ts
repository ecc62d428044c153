import { compareVersions, DEFAULT_VERSION, resolveEngineVersion, type EngineVersion } from '../catalog/engine-versions.ts';
import { isNodeType } from '../catalog/node-types.ts';
import { fault, invalidCombination, invalidValue, missingParameter } from '../protocol/errors.ts';
import type { Scope } from '../store/records.ts';
import type { World } from '../world.ts';
import type { Engine } from '../store/records.ts';

/** Input checks that CreateCacheCluster and CreateReplicationGroup share. */

export function engineOf(value: string | undefined, fallback: Engine): Engine {
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'redis' || lower === 'memcached' || lower === 'valkey') return lower;
  throw invalidValue(`Invalid value for Engine: ${value}. Valid values are: memcached, redis, valkey.`);
}

export function engineVersionOf(engine: Engine, value: string | undefined): EngineVersion {
  const version = resolveEngineVersion(engine, value);
  if (!version) {
    throw invalidValue(`Cannot find version ${value ?? DEFAULT_VERSION[engine]} for ${engine}`);
  }
  return version;
}

export function nodeTypeOf(value: string | undefined): string {
  if (value === undefined) throw missingParameter('CacheNodeType');
  if (!isNodeType(value)) throw invalidValue(`Invalid CacheNodeType: ${value}`);
  return value;
}

// AWS's documented rule: 16-128 printable characters, the non-alphanumeric ones limited to ! & # $ ^ < > -
// (so no space, quote, slash or @).
const AUTH_TOKEN_PATTERN = /^[A-Za-z0-9!&#$^<>-]{16,128}$/;

/** Redis AUTH token rules (see AUTH_TOKEN_PATTERN), and only with TLS. */
export function authTokenOf(token: string | undefined, transitEncryption: boolean): string | undefined {
  if (token === undefined) return undefined;
  if (!transitEncryption) {
    throw invalidCombination('The AUTH token is only supported when encryption in transit is enabled.');
  }
  if (!AUTH_TOKEN_PATTERN.test(token)) {
    throw invalidValue(
      'Invalid AuthToken provided. The AUTH token must be 16 to 128 printable characters; non-alphanumeric characters are restricted to ! & # $ ^ < > -.',
    );
  }
  return token;
}

export function transitEncryptionOf(engine: Engine, enabled: boolean | undefined, version: EngineVersion): boolean {
  if (!enabled) return false;
  if (engine === 'memcached' && compareVersions(version.version, '1.6.12') < 0) {
    throw invalidCombination('Encryption in transit is supported for Memcached 1.6.12 and later.');
  }
  if (engine === 'redis' && compareVersions(version.version, '3.2.6') < 0) {
    throw invalidCombination('Encryption in transit is supported for Redis 3.2.6 and later.');
  }
  return true;
}

export const DEFAULT_MAINTENANCE_WINDOW = 'sun:05:00-sun:06:00';
export const DEFAULT_SNAPSHOT_WINDOW = '04:00-05:00';

/** Cache security groups belong to EC2-Classic, which AWS retired: every account is VPC-only now. */
export function classicOnly() {
  return invalidValue('Use of cache security groups is not permitted in this API version for your account.');
}

/**
 * AWS's default quota of cache nodes per account and region. Every node here is a live server in this
 * process, so the quota is also what bounds the emulator's own sockets and memory.
 */
export const MAX_NODES_PER_REGION = 300;

export function checkNodeQuota(world: World, scope: Scope, adding: number): void {
  const nodes = world.resources.list(scope, 'cluster').reduce((n, c) => n + c.nodes.length, 0);
  if (nodes + adding > MAX_NODES_PER_REGION) {
    throw fault('NodeQuotaForCustomerExceededFault', `The request would exceed the quota of ${MAX_NODES_PER_REGION} cache nodes per customer.`);
  }
}
