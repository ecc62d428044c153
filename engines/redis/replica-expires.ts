// A writable replica's own keys with a TTL (replica-read-only no), as 7.0's slaveKeysWithExpire: a replica
// never expires its primary's keys (their deletion comes down the stream), but a key one of its own
// clients gave a TTL would live for ever, so these are remembered and expired by the replica's cron
// (expireSlaveKeys). INFO stats shows how many are tracked (slave_expires_tracked_keys).
import type { CommandDef } from './command-table.ts';
import { keyPositions } from './command-table.ts';
import type { Engine } from './engine.ts';

const tracked = new WeakMap<Engine, Map<string, [db: number, key: string]>>();

/** After a write of a replica's own client: the keys it left with a TTL are remembered. */
export function rememberOwnExpires(e: Engine, def: CommandDef, args: string[], db: number): void {
  const d = e.ks.db(db);
  if (d.expires.size === 0) return;
  for (const p of keyPositions(def, args)) {
    const key = args[p] as string;
    if (!d.expires.has(key)) continue;
    let m = tracked.get(e);
    if (m === undefined) tracked.set(e, (m = new Map()));
    m.set(`${db}\0${key}`, [db, key]);
  }
}

/** The replica's cron: tracked keys whose TTL passed are deleted (an `expired` event, INFO expired_keys). */
export function expireOwnKeys(e: Engine): void {
  const m = tracked.get(e);
  if (m === undefined || m.size === 0) return;
  // Promoted: its keys expire as any primary's, nothing is left to track.
  if (e.replication.primary === null) {
    m.clear();
    return;
  }
  const now = e.clock.now();
  for (const [id, [db, key]] of m) {
    const at = e.ks.db(db).expires.get(key);
    if (at === undefined) m.delete(id);
    else if (at <= now) {
      e.ks.db(db).expireNow(key);
      m.delete(id);
    }
  }
}

export function ownExpiresTracked(e: Engine): number {
  return tracked.get(e)?.size ?? 0;
}

/** A full sync replaces the dataset: what was tracked is gone with it. */
export function forgetOwnExpires(e: Engine): void {
  tracked.get(e)?.clear();
}
