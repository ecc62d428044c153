// `stats detail`: per-prefix get/hit/set/delete counts, for keys that contain the prefix delimiter.
// memcached keeps them in a 256-bucket hash table (newest first in each bucket) and dumps it in table
// order, so the dump order is reproduced with the same hash (hash_algorithm).
import { keyHash, type HashAlgorithm } from './key-hash.ts';

const PREFIX_DELIMITER = ':';
const PREFIX_HASH_SIZE = 256;

interface PrefixCounts {
  prefix: string;
  gets: number;
  hits: number;
  sets: number;
  deletes: number;
}

export class PrefixStats {
  /** `stats detail on|off`; counts are only recorded while on, and kept when turned off. */
  enabled = false;
  private readonly buckets: PrefixCounts[][] = [];

  constructor(private readonly hash: HashAlgorithm = 'murmur3') {}

  /** The prefix of `key` (latin1, one char per byte), or undefined when it has no delimiter. */
  private find(key: string): PrefixCounts | undefined {
    const end = key.indexOf(PREFIX_DELIMITER);
    if (end < 0) return undefined;
    const prefix = key.slice(0, end);
    const slot = keyHash(this.hash, prefix) % PREFIX_HASH_SIZE;
    const bucket = (this.buckets[slot] ??= []);
    let entry = bucket.find((e) => e.prefix === prefix);
    if (entry === undefined) {
      entry = { prefix, gets: 0, hits: 0, sets: 0, deletes: 0 };
      bucket.unshift(entry);
    }
    return entry;
  }

  recordGet(key: string, hit: boolean): void {
    if (!this.enabled) return;
    const e = this.find(key);
    if (e === undefined) return;
    e.gets++;
    if (hit) e.hits++;
  }

  recordSet(key: string): void {
    if (!this.enabled) return;
    const e = this.find(key);
    if (e !== undefined) e.sets++;
  }

  recordDelete(key: string): void {
    if (!this.enabled) return;
    const e = this.find(key);
    if (e !== undefined) e.deletes++;
  }

  clear(): void {
    this.buckets.length = 0;
  }

  /** The dump text, END line included, as `stats detail dump` sends it. */
  dump(): string {
    let text = '';
    for (const bucket of this.buckets) {
      if (bucket === undefined) continue;
      for (const e of bucket) text += `PREFIX ${e.prefix} get ${e.gets} hit ${e.hits} set ${e.sets} del ${e.deletes}\r\n`;
    }
    return text + 'END\r\n';
  }
}
