// One clock for TTLs, active expiry, idle times and timeouts, so tests can move time instead of sleeping.
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class ManualClock implements Clock {
  constructor(private t: number = Date.now()) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

let monotonicToWallUs = performance.timeOrigin * 1000;
let lastWallUs = 0;

/**
 * Wall-clock microseconds, as gettimeofday gives Redis's TIME and MONITOR lines. The part below the millisecond
 * comes from the monotonic clock, so readings taken one after another never go backwards (libraries order by
 * it: rsmq's message ids start with TIME's microseconds). Date.now() plus performance.now()'s own fraction did:
 * the two clocks' milliseconds do not turn over together.
 */
export function wallMicros(): number {
  const monotonicUs = performance.now() * 1000;
  const wallUs = Date.now() * 1000;
  let us = Math.floor(monotonicUs + monotonicToWallUs);
  // The system clock was stepped or slewed away from the monotonic one: follow the system clock, as Redis does.
  if (us < wallUs || us >= wallUs + 1000) {
    monotonicToWallUs = wallUs - monotonicUs;
    us = wallUs;
  }
  // Re-anchoring lands on the millisecond's start: a reading already past it within that millisecond stands.
  if (us < lastWallUs && lastWallUs - us < 1000) us = lastWallUs;
  lastWallUs = us;
  return us;
}
