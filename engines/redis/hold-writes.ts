// Holding a node's writes for a moment, as CLIENT PAUSE WRITE does: for work spread over slices that
// needs the values it reads to stay put (a snapshot copying one big value, replicas taking copies of
// the values they shared with their primary). Reads and writes already paused go on as they were.
import type { Engine } from './engine.ts';

/** Longest such a hold lasts, should the work that holds it stop midway. */
const HOLD_LIMIT_MS = 60_000;

/** Holds the writes of each of `engines` (those not paused already) until the returned release runs. */
export function holdWrites(engines: Iterable<Engine>): () => void {
  const held: [Engine, NonNullable<Engine['pause']>][] = [];
  for (const e of engines) {
    if (e.pause !== null || held.some(([h]) => h === e)) continue;
    const hold = { until: e.clock.now() + HOLD_LIMIT_MS, writesOnly: true };
    e.pause = hold;
    held.push([e, hold]);
  }
  return () => {
    for (const [e, hold] of held) {
      // Ended, should a hold taken over it later put it back (sliced.ts pauseAll).
      hold.until = 0;
      if (e.pause !== hold) continue;
      e.pause = null;
      // Writes that waited run once the holder's turn is over.
      setImmediate(() => e.pause === null && e.unpause());
    }
  };
}

/** `engine` and the primaries it follows on this thread, nearest first. */
export function withPrimaries(engine: Engine): Engine[] {
  const chain: Engine[] = [];
  for (let e: Engine | null = engine; e !== null && !chain.includes(e); e = e.replication.primary) chain.push(e);
  return chain;
}
