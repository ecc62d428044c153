// The AWS SDK's ElastiCache package is only read for its schemas (operations, shapes, error traits). It is
// one CommonJS bundle: require() loads it without the named-export scan Node runs when ESM imports
// CommonJS, which is a good part of its load time.
import { createRequire } from 'node:module';

type ElastiCacheSdk = typeof import('@aws-sdk/client-elasticache');

let loaded: ElastiCacheSdk | undefined;

export function elastiCacheSdk(): ElastiCacheSdk {
  return (loaded ??= createRequire(import.meta.url)('@aws-sdk/client-elasticache') as ElastiCacheSdk);
}
