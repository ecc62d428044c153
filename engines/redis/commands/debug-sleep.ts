// DEBUG SLEEP stalls redis-server as a whole. Here many nodes share one event loop, so only this node
// sleeps: its clients' commands wait (as under CLIENT PAUSE ALL), the caller gets +OK when the time is up,
// and every other node and the API keep serving meanwhile.
import type { Client } from '../client.ts';

export function debugSleep(c: Client, ms: number): void {
  const e = c.engine;
  // strtod semantics: junk or a negative number sleeps for no time at all.
  if (!(ms > 0) || e.execDepth !== 0) {
    c.w.ok();
    return;
  }
  const until = e.clock.now() + ms;
  const pause = { until: Math.max(until, e.pause?.until ?? 0), writesOnly: false };
  e.pause = pause;
  e.block(c, [], ms, { tryServe: () => false, onTimeout: () => c.w.ok() });
  setTimeout(() => {
    // The wall-clock timer ends the sleep even under a test's manual clock; a later, longer pause stays.
    if (e.pause === pause) e.unpause();
  }, ms).unref();
}
