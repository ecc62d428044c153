// Library functions whose work grows with their input (table.concat of a million strings, string.rep of
// 100 MB, cjson and cmsgpack of big tables) are one JavaScript call each: the count hook cannot stop
// them, so they hold the event loop every node shares. Run through runInSteps, such a function does its
// work in bounded steps and, once the script's slice is over and the script may yield, yields between
// steps with a continuation (lua_yieldk), as redis.call does for a big reply; the script is suspended
// and resumed in a later turn like any other. Where it may not yield (inside MULTI, FUNCTION LOAD, a
// coroutine of the script's own) the steps run back to back.
import { lua, type LuaState } from './lua.ts';

export interface SliceHost {
  /** performance.now() at which the running script's slice ends. */
  deadline(): number;
  /** Whether L may yield now (the script's own thread, not inside MULTI); marks the yield as the host's. */
  tryYield(L: LuaState): boolean;
  /** Raises SCRIPT KILL's error in L if the script was killed: a call in steps may run for ever otherwise. */
  interrupt(L: LuaState): void;
}

let host: SliceHost | null = null;

/** Set while a script's coroutine runs (Scripting.resume), null otherwise. */
export function setSliceHost(h: SliceHost | null): void {
  host = h;
}

/** A call's work in steps: `step` until it returns true, then `done()` (the function's result count). */
export interface Steps {
  step(): boolean;
  done(): number;
}

/**
 * Calls `step` until it returns true, then returns `done()` (the function's result count). A step
 * must do bounded work (a few thousand elements or a few MB); the state lives in the caller's closure,
 * the Lua stack is kept across a yield.
 */
export function runInSteps(L: LuaState, step: () => boolean, done: () => number): number {
  return stepsUnder(host, L, { step, done });
}

/** runInSteps for an object that is its own steps (no closures made per call: cmsgpack.unpack's decoder). */
export function runStepsOf(L: LuaState, work: Steps): number {
  return stepsUnder(host, L, work);
}

function stepsUnder(h: SliceHost | null, L: LuaState, work: Steps): number {
  h?.interrupt(L);
  while (!work.step()) {
    // The continuation is made only when the call yields: most calls end in their first slice.
    if (h !== null && performance.now() >= h.deadline() && h.tryYield(L)) return lua.lua_yieldk(L, 0, 0, (S: LuaState) => stepsUnder(h, S, work));
  }
  return work.done();
}

/**
 * Runs a generator that stops every so often (fengari's pattern matcher, see fengari-source.ts) with
 * runInSteps; its return value is the function's result count.
 */
export function driveInSteps(L: LuaState, gen: Generator<void, number>): number {
  return stepsUnder(host, L, new GeneratorSteps(gen));
}

class GeneratorSteps implements Steps {
  private results = 0;

  constructor(private readonly gen: Generator<void, number>) {}

  step(): boolean {
    const r = this.gen.next();
    if (r.done !== true) return false;
    this.results = r.value;
    return true;
  }

  done(): number {
    return this.results;
  }
}
