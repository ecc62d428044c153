// maxmemory enforcement: sample keys per the policy (approximated LRU/LFU like Redis) and evict the
// best candidate until used memory fits, or report that nothing can be evicted.
import type { Config } from '../config.ts';
import type { Keyspace } from './keyspace.ts';
import type { KeyDict } from './keydict.ts';
import { SLICE_MS } from '../../slices.ts';

interface Candidate {
  db: number;
  key: string;
  score: number; // higher = better to evict
}

function sampleScore(ks: Keyspace, policy: string, d: KeyDict, i: number, ttl: number | undefined, now: number): number {
  if (policy.endsWith('-lru')) return now - d.lruAt(i);
  if (policy.endsWith('-lfu')) return 255 - ks.lfuNow(d, i, now);
  if (policy === 'volatile-ttl') return -(ttl ?? 0);
  return Math.random();
}

/** Keyspaces with eviction going on in later turns. */
const evicting = new WeakSet<Keyspace>();

/**
 * Goes on evicting a turn at a time, as redis-server's evictionTimeProc: not while the node is paused (a sliced
 * command or CLIENT PAUSE holds it) or a script or MULTI runs, where redis-server evicts nothing either.
 */
function evictLater(ks: Keyspace, cfg: Config, baseline: number, onEvict: (db: number, key: string) => void): void {
  if (evicting.has(ks)) return;
  evicting.add(ks);
  const again = () => {
    evicting.delete(ks);
    if ((ks.expiryPaused !== null && ks.expiryPaused()) || ks.scriptTime !== null) {
      evicting.add(ks);
      setTimeout(again, 1).unref();
      return;
    }
    ks.settleMemory();
    freeMemory(ks, cfg, baseline, onEvict);
  };
  setTimeout(again, 0).unref();
}

/**
 * Evicts until under maxmemory; false when over the limit and nothing can be evicted. Past SLICE_MS the rest is
 * evicted in later turns and the answer is true, as redis-server 7.0's EVICT_RUNNING (its limit is ~500 us at the
 * default tenacity): evicting a million keys held every node 1.6 s.
 */
export function freeMemory(ks: Keyspace, cfg: Config, baseline: number, onEvict: (db: number, key: string) => void): boolean {
  if (cfg.maxmemory <= 0) return true;
  const policy = cfg.maxmemoryPolicy;
  const until = performance.now() + SLICE_MS;
  let n = 0;
  while (baseline + ks.usedMemory > cfg.maxmemory) {
    if (policy === 'noeviction') return false;
    if ((++n & 63) === 0 && performance.now() > until) {
      evictLater(ks, cfg, baseline, onEvict);
      return true;
    }
    const volatile = policy.startsWith('volatile-');
    const now = ks.clock.now();
    let best: Candidate | null = null;
    for (const db of ks.dbs) {
      const pool = volatile ? db.expires.size : db.size;
      if (pool === 0) continue;
      for (let i = 0; i < cfg.maxmemorySamples; i++) {
        let key: string;
        if (volatile) {
          key = db.expires.pick() as string;
        } else {
          const k = db.dict.random();
          if (k === null) break;
          key = k;
        }
        const slot = db.dict.index(key);
        if (slot === undefined) continue;
        const score = sampleScore(ks, policy, db.dict, slot, db.expires.get(key), now);
        if (best === null || score > best.score) best = { db: db.id, key, score };
      }
    }
    if (best === null) return false;
    const db = ks.db(best.db);
    db.delete(best.key);
    ks.stats.evicted++;
    onEvict(best.db, best.key);
  }
  return true;
}
