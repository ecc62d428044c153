// INFO's dump_payload_sanitizations: how many packed containers redis-server 7.0 checked deeply
// while loading (rdb/reader.ts SanitizeTally says which). sanitize-dump-payload decides when the
// deep check runs: `yes` for every load (RESTORE, DEBUG RELOAD), `clients` for a RESTORE of a client
// whose user is not skip-sanitize-payload (never while loading a file, nor for the primary's link),
// `no` never, whatever the user's flags. The count lives beside the engine, as CONFIG RESETSTAT
// clears it with the other counters.
import type { Client } from './client.ts';
import type { Engine } from './engine.ts';
import type { SanitizeTally } from './rdb/reader.ts';

const counts = new WeakMap<Engine, number>();

export function sanitizations(e: Engine): number {
  return counts.get(e) ?? 0;
}

export function resetSanitizations(e: Engine): void {
  counts.delete(e);
}

/** Whether a load runs the deep check: from a file (`c` null) or a client's RESTORE. */
export function deepCheck(e: Engine, c: Client | null): boolean {
  const mode = e.config.get('sanitize-dump-payload');
  if (mode === 'yes') return true;
  if (mode !== 'clients' || c === null) return false;
  // The replication link (client id 0) is the primary's: redis-server skips its RESTOREs.
  return c.id !== 0 && c.user.sanitize !== 'skip-sanitize-payload';
}

/** Adds what a load counted, when it ran the deep check. */
export function countSanitized(e: Engine, c: Client | null, tally: SanitizeTally): void {
  if (tally.containers > 0 && deepCheck(e, c)) counts.set(e, sanitizations(e) + tally.containers);
}
