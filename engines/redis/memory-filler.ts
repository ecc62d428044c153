// Fills a server's memory with filler keys (the emulator's fill-memory fault), so that the next writes
// meet eviction or -OOM as on a full node. The values are repeated strings: V8 keeps those as ropes,
// so the engine counts their length while the process spends little real memory on them.
import { newString } from './db/objects.ts';
import type { Engine } from './engine.ts';

export const FILLER_PREFIX = '__elasticache-local:fill:';
const FILLER_BYTES = 256 * 1024 * 1024;
const KEYS_PER_TURN = 16;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Adds filler keys in db 0 until used memory reaches `targetBytes`; answers how many it added. */
export async function fillMemory(engine: Engine, targetBytes: number): Promise<number> {
  const db = engine.ks.dbs[0];
  if (db === undefined) return 0;
  let added = 0;
  for (let n = 0; engine.usedMemory() < targetBytes; n++) {
    const key = `${FILLER_PREFIX}${n}`;
    if (db.dict.getRaw(key) !== undefined) continue;
    const size = Math.min(FILLER_BYTES, Math.max(1024, targetBytes - engine.usedMemory()));
    const before = engine.usedMemory();
    db.set(key, newString('x'.repeat(size), 'raw'));
    added++;
    // Accounting that does not grow would loop for ever: stop instead.
    if (engine.usedMemory() <= before) break;
    if (added % KEYS_PER_TURN === 0) await turn();
  }
  return added;
}

/** Removes the filler keys again (those eviction left). */
export async function releaseMemory(engine: Engine): Promise<void> {
  const db = engine.ks.dbs[0];
  if (db === undefined) return;
  for (let n = 0, misses = 0; misses < 1000; n++) {
    if (db.delete(`${FILLER_PREFIX}${n}`)) misses = 0;
    else misses++;
    if (n % KEYS_PER_TURN === 0) await turn();
  }
}
