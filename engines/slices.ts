// Every node and the API share one event loop: long work (dumps, loads, checksums) runs in slices of a
// few milliseconds, yielding between them so other nodes' clients and the API are served meanwhile.

/** How long one slice may hold the event loop. */
export const SLICE_MS = 4;

/**
 * The slice of work nothing waits for (a snapshot of a live node): another node's client in this process
 * waits up to a slice for its request and another for its reply, so these are kept short; the extra
 * turns cost a few microseconds each.
 */
export const BACKGROUND_SLICE_MS = 1;

/** Runs `work` for at most SLICE_MS; true once it is finished. */
export function slice(work: Iterator<unknown>): boolean {
  const end = performance.now() + SLICE_MS;
  for (let n = 0; ; n++) {
    if (work.next().done === true) return true;
    // Reading the clock every step would cost as much as a small step.
    if ((n & 63) === 63 && performance.now() >= end) return false;
  }
}

/** Lets every ready socket and timer of the process run before the next slice. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Feeds every item of `it` to `each`, a slice at a time. */
export async function drainSliced<T>(it: Iterator<T>, each: (item: T) => void, budgetMs = SLICE_MS): Promise<void> {
  for (;;) {
    const end = performance.now() + budgetMs;
    do {
      const r = it.next();
      if (r.done === true) return;
      each(r.value);
    } while (performance.now() < end);
    await yieldToLoop();
  }
}

/** Calls `step(offset, end)` over [0, total) in pieces of `piece`, a slice at a time. */
export async function rangeSliced(total: number, piece: number, step: (from: number, to: number) => void, budgetMs = SLICE_MS): Promise<void> {
  function* pieces(): Generator<[number, number]> {
    for (let i = 0; i < total; i += piece) yield [i, Math.min(total, i + piece)];
  }
  await drainSliced(pieces(), ([from, to]) => step(from, to), budgetMs);
}

/**
 * Work done a bounded piece per step, ending in a result: a caller that must not yield runs it whole
 * (runSteps), one that may spreads the steps over slices (drainSliced, the Redis engine's runSliced).
 */
export type Steps<T> = Generator<void, T, undefined>;

/** Runs every step of `work` now and gives its result. */
export function runSteps<T>(work: Steps<T>): T {
  for (;;) {
    const r = work.next();
    if (r.done === true) return r.value;
  }
}

/** Elements a step of such work handles: a few microseconds of work, so a slice checks its clock often enough. */
export const PER_STEP = 64;

/** `f` of each of `items`, `per` of them a step. */
export function* eachInSteps<T>(items: Iterable<T>, f: (x: T) => void, per = PER_STEP): Steps<void> {
  let n = 0;
  for (const x of items) {
    f(x);
    if (++n % per === 0) yield;
  }
}

/** `f` of each of `items`, collected, `per` of them a step. */
export function* mapInSteps<T, U>(items: Iterable<T>, f: (x: T) => U, per = PER_STEP): Steps<U[]> {
  const out: U[] = [];
  yield* eachInSteps(items, (x) => out.push(f(x)), per);
  return out;
}
