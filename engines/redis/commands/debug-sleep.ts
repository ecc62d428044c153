// DEBUG SLEEP stalls redis-server as a whole. Here many nodes share one event loop, so only this node
// sleeps: its clients' commands wait (as under CLIENT PAUSE ALL), the caller gets +OK when the time is up,
// and every other node and the API keep serving meanwhile.
import type { Client } from '../client.ts';
import type { Engine } from '../engine.ts';
import { recordCommandTime } from '../dispatch.ts';

/** The pauses DEBUG SLEEP set inside a transaction, which hold the node once EXEC has answered. */
const execSleeps = new WeakSet<object>();

/** Whether the node is held by a sleep a transaction asked for (its blocked clients wait for the end). */
export function sleepAfterExec(e: Engine): boolean {
  return e.pause !== null && execSleeps.has(e.pause);
}

export function debugSleep(c: Client, ms: number): void {
  const e = c.engine;
  // strtod semantics: junk or a negative number sleeps for no time at all.
  if (!(ms > 0)) {
    c.w.ok();
    return;
  }
  const until = e.clock.now() + ms;
  // Inside a transaction the rest of it still runs now, and its lookups expire keys as redis-server's
  // do after a sleep there (by EXEC's time): the hold is a command's, not CLIENT PAUSE's.
  const pause = { until: Math.max(until, e.pause?.until ?? 0), writesOnly: false, command: e.execDepth !== 0 };
  e.pause = pause;
  if (e.execDepth !== 0) {
    // A transaction runs whole: the node (its caller included) waits once it ends, and the command
    // counts the time asked for in its stats and the slow log.
    e.sleptInExec += ms;
    execSleeps.add(pause);
    setTimeout(() => {
      if (e.pause !== pause) return;
      // Keys the transaction readied are served now, after the sleep, as redis-server serves them once
      // EXEC (sleep included) returns: a key that expired meanwhile leaves its waiters blocked.
      if (e.ks.ready.size !== 0) e.serveBlocked();
      e.unpause();
      e.tracking.wakeUp();
    }, ms).unref();
    c.w.ok();
    return;
  }
  // Blocked clients' timeouts wait for the sleep to end, as redis-server checks them only when awake.
  e.sleepingUntil = Math.max(e.sleepingUntil, until);
  const sleeping = e.sleepingUntil;
  e.block(c, [], 0, { tryServe: () => false, onTimeout: () => c.w.ok(), busy: true });
  const state = c.blocked;
  const started = performance.now();
  c.timeDeferred = true;
  const wake = (): void => {
    const took = performance.now() - started;
    // libuv fires timers by the loop time cached at the start of its turn: up to a millisecond early by
    // performance.now(). redis-server sleeps at least the time asked for, and INFO shows it.
    if (took < ms) {
      setTimeout(wake, Math.max(1, Math.ceil(ms - took))).unref();
      return;
    }
    // redis-server's DEBUG SLEEP is one long command: the latency monitor and INFO see it as such.
    e.latency.addIfNeeded('command', took, e.config.latencyMonitorThreshold, e.clock.now());
    const def = e.lookup('debug');
    if (def !== undefined) recordCommandTime(e, def, took * 1000);
    // The wall-clock timer ends the sleep even under a test's manual clock; a later, longer pause stays.
    if (e.sleepingUntil === sleeping) e.sleepingUntil = 0;
    if (c.blocked === state && state !== null) {
      state.onTimeout();
      e.unblock(c);
      e.resume(c);
    }
    if (e.pause === pause) e.unpause();
    e.expireBlockedTimeouts(e.clock.now());
    e.tracking.wakeUp();
  };
  setTimeout(wake, ms).unref();
}
