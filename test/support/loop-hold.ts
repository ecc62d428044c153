// How long this process's event loop is held, counted in the CPU time the process used rather than in wall
// time. Every node of a test shares this loop, so a command that runs whole holds it for its own CPU time on
// any machine; a wall-clock delay also counts the time the OS left the process off the CPU, which on a
// loaded 2-core machine (load 10-20) reaches hundreds of ms on its own, and made stall bounds flaky.
// process.cpuUsage also counts V8's helper threads (parallel GC), so a figure may exceed the loop's own
// share by that much: a bound on it is still far below what a command run whole shows.

import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
/**
 * A full collection now (V8's gc(), reachable from a new context once the flag is on). Called before a
 * watch, so the garbage of a measurement's own setup (a million-key fill, an earlier bench section) is not
 * collected inside it as a pause the measured work did not cause.
 */
export const fullGc = vm.runInNewContext('gc') as () => void;

/** CPU time (user + system) this process has used so far, in ms. */
export function cpuMs(): number {
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
