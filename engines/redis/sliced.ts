// A command whose work grows with the data (KEYS over a million keys) runs in slices of SLICE_MS, so the
// other nodes and the API, which share this event loop, keep answering. Its own node stays atomic as in
// Redis: while it runs, every other client of the node waits (as under CLIENT PAUSE ALL) and the caller
// gets its reply once the work is done. Inside MULTI or a script the work runs whole, since those must
// not yield.
import type { Client } from './client.ts';
import { SLICE_MS } from '../slices.ts';

/** Runs `work` for at most SLICE_MS; true once it is finished. */
function slice(work: Iterator<unknown>): boolean {
  const end = performance.now() + SLICE_MS;
  for (let n = 0; ; n++) {
    if (work.next().done === true) return true;
    // Reading the clock every step would cost as much as a small step.
    if ((n & 63) === 63 && performance.now() >= end) return false;
  }
}

export function runSliced(c: Client, work: Iterator<unknown>, reply: () => void): void {
  const e = c.engine;
  if (e.execDepth !== 0 || e.scripting.running !== null) {
    while (work.next().done !== true);
    reply();
    return;
  }
  // Small work finishes in its first slice and answers at once, like any command.
  if (slice(work)) {
    reply();
    return;
  }
  const before = e.pause;
  const hold = { until: Number.POSITIVE_INFINITY, writesOnly: false };
  e.pause = hold;
  e.block(c, [], 0, { tryServe: () => false, onTimeout: () => undefined });
  const release = () => {
    if (e.pause !== hold) return;
    // A CLIENT PAUSE that was on before the command keeps holding until its own end.
    if (before !== null && before.until > e.clock.now()) e.pause = before;
    else e.unpause();
  };
  const step = () => {
    if (c.closed) {
      release();
      return;
    }
    if (!slice(work)) {
      setImmediate(step);
      return;
    }
    e.unblock(c);
    reply();
    // The reply goes out before those of the clients the release lets run.
    e.queueFlush(c);
    release();
    e.resume(c);
  };
  setImmediate(step);
}
