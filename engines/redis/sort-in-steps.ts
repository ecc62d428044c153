// Sorting a million elements takes seconds of comparisons (SORT ALPHA), longer than any node may hold the
// event loop every node shares. This merge sort does the same work in small steps that runSliced spreads
// over slices; it is stable, like the Array.prototype.sort it stands in for.

/** Elements sorted by Array.prototype.sort in one step before merging starts. */
const RUN = 256;
/** Elements merged per step: small enough that runSliced's clock check (every 64 steps) stays within a slice. */
const MERGED_PER_STEP = 128;

/** Sorts `a` in place by `cmp`, one bounded piece of work per step. */
export function* sortInSteps<T>(a: T[], cmp: (x: T, y: T) => number): Generator<void> {
  const n = a.length;
  for (let i = 0; i < n; i += RUN) {
    const run = a.slice(i, i + RUN).sort(cmp);
    for (let j = 0; j < run.length; j++) a[i + j] = run[j] as T;
    yield;
  }
  if (n <= RUN) return;
  let src = a;
  let dst = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (k < hi) {
        const stop = Math.min(hi, k + MERGED_PER_STEP);
        for (; k < stop; k++) {
          // Taking from the left run on ties keeps the sort stable.
          if (j >= hi || (i < mid && cmp(src[i] as T, src[j] as T) <= 0)) dst[k] = src[i++] as T;
          else dst[k] = src[j++] as T;
        }
        yield;
      }
    }
    [src, dst] = [dst, src];
  }
  if (src !== a) {
    for (let k = 0; k < n; k += MERGED_PER_STEP) {
      const stop = Math.min(n, k + MERGED_PER_STEP);
      for (let m = k; m < stop; m++) a[m] = src[m] as T;
      yield;
    }
  }
}
