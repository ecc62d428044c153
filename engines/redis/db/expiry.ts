// Active expiry: each cron tick walks keys with a TTL (resuming where the last tick stopped) and
// deletes the expired ones, repeating while many were expired, but never past its share of the tick.
import type { Database, Keyspace } from './keyspace.ts';
import { limits } from '../limits.ts';

const cursors = new WeakMap<Database, Iterator<[string, number]>>();

function nextEntry(db: Database): [string, number] | null {
  let it = cursors.get(db);
  for (let round = 0; round < 2; round++) {
    if (it === undefined) {
      it = db.expires.entries();
      cursors.set(db, it);
    }
    // Map iterators stay valid while the map changes, so one can be kept across ticks.
    const r = it.next();
    if (!r.done) return r.value;
    it = undefined;
    cursors.delete(db);
  }
  return null;
}

export function activeExpireCycle(ks: Keyspace, hz: number): void {
  const budgetMs = (1000 / hz) * (limits.ACTIVE_EXPIRE_TIME_PERC / 100);
  const started = performance.now();
  for (const db of ks.dbs) {
    if (db.expires.size === 0) continue;
    for (;;) {
      const now = ks.clock.now();
      const n = Math.min(limits.ACTIVE_EXPIRE_KEYS_PER_LOOP, db.expires.size);
      let expired = 0;
      for (let i = 0; i < n; i++) {
        const e = nextEntry(db);
        if (e === null) break;
        if (e[1] <= now && db.expireIfNeeded(e[0])) expired++;
      }
      if (expired * 4 <= n || db.expires.size === 0) break;
      if (performance.now() - started > budgetMs) return;
    }
  }
}
