// How long this process's event loop is held, counted in the CPU time the loop's own thread used rather than
// in wall time. Every node of a test shares this loop, so a command that runs whole holds it for its own CPU
// time on any machine; a wall-clock delay also counts the time the OS left the process off the CPU, which on a
// loaded 2-core machine (load 10-20) reaches hundreds of ms on its own, and made stall bounds flaky.
// It is the thread's time, not the process's: process.cpuUsage also counts V8's helper threads (concurrent
// marking and sweeping, parallel scavenges, the optimising compiler), which run beside the loop without
// holding it, and whose work lands inside whatever is being measured (at load, late): a 20 ms busy loop read
// 21-36 ms of process time here. Session 31's last CI run read 37.7 us of process time per XADD into a
// 1M-entry stream against 7.3 into 1000 entries (6-7.5 us both here, quiet or beside three memory-bound
// programs), the big heap being the one difference between the two.

import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
/**
 * A full collection now (V8's gc(), reachable from a new context once the flag is on). Called before a
 * watch, so the garbage of a measurement's own setup (a million-key fill, an earlier bench section) is not
 * collected inside it as a pause the measured work did not cause.
 */
export const fullGc = vm.runInNewContext('gc') as () => void;

const THREAD_STAT = '/proc/thread-self/schedstat';
const hasThreadStat = (() => {
  try {
    readFileSync(THREAD_STAT);
    return true;
  } catch {
    return false;
  }
})();

/**
 * CPU time the calling thread has run so far, in ms (Linux: the first field of its schedstat, in ns). The
 * kernel brings a running thread's figure up to date at each scheduler tick (4 ms here), so a difference is
 * good to a tick: fine for bounds of tens of ms and more. Elsewhere, the process's user + system time.
 */
export function cpuMs(): number {
  if (hasThreadStat) {
    const text = readFileSync(THREAD_STAT, 'latin1');
    return Number(text.slice(0, text.indexOf(' '))) / 1e6;
  }
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface LoopHold {
  /** The largest CPU time between two consecutive turns of the watch timer, in ms. */
  cpu: number;
  /** The same gap in wall time (for messages: it includes time the process was not running). */
  wall: number;
}

/** Starts watching the loop with a timer every `everyMs`; `stop()` ends it and gives the worst gap seen. */
export function watchLoop(everyMs = 5): { stop(): LoopHold } {
  const worst: LoopHold = { cpu: 0, wall: 0 };
  let cpu = cpuMs();
  let wall = performance.now();
  const sample = () => {
    const c = cpuMs();
    const w = performance.now();
    worst.cpu = Math.max(worst.cpu, c - cpu);
    worst.wall = Math.max(worst.wall, w - wall);
    cpu = c;
    wall = w;
  };
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return worst;
    },
  };
}
