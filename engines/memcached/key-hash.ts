// memcached's hash_algorithm: the key hash its hash table (metadump hash order) and the `stats detail`
// prefix table are ordered by.
import { jenkins } from './jenkins.ts';
import { murmur3 } from './murmur3.ts';

export type HashAlgorithm = 'murmur3' | 'jenkins';

export function keyHash(algorithm: HashAlgorithm, key: string): number {
  return algorithm === 'jenkins' ? jenkins(key) : murmur3(key);
}
