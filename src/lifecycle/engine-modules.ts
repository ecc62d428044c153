// The engines are most of the emulator's code, and a start serves no node yet: each engine is loaded when
// the first node of its kind starts (or the first request that needs it arrives), not at start.
type RedisModule = typeof import('../../engines/redis/index.ts');
type MemcachedModule = typeof import('../../engines/memcached/index.ts');

let redis: RedisModule | undefined;
let memcached: MemcachedModule | undefined;

export async function loadRedisEngine(): Promise<RedisModule> {
  return (redis ??= await import('../../engines/redis/index.ts'));
}

export async function loadMemcachedEngine(): Promise<MemcachedModule> {
  return (memcached ??= await import('../../engines/memcached/index.ts'));
}

/** The Redis engine where a caller holds a running Redis node or awaited loadRedisEngine() before. */
export function loadedRedisEngine(): RedisModule {
  if (!redis) throw new Error('the Redis engine is used before it was loaded');
  return redis;
}
