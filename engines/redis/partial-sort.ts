// SORT ... BY pattern LIMIT sorts only the range it returns, with the partial quicksort Redis ships
// (pqsort: Bentley & McIlroy's qsort that skips parts wholly outside the range). It is not stable, so
// elements that compare equal (ALPHA weights that are equal or missing) come out in the order its
// swaps leave them: following the same swaps is the only way to return what redis-server returns.
// Written as steps for runSliced: a million elements would hold the shared event loop for seconds.

/** Comparisons between two yields. */
const COMPARISONS_PER_STEP = 128;

/**
 * Sorts `a` in place by `cmp` as Redis's pqsort(a, n, cmp, lrange, rrange) does: every position in
 * lrange..rrange (inclusive) ends up holding what a full sort would put there, in pqsort's order.
 */
export function* partialSortInSteps<T>(a: T[], cmp: (x: T, y: T) => number, lrange: number, rrange: number): Generator<void> {
  let budget = COMPARISONS_PER_STEP;
  const c = (i: number, j: number): number => {
    budget--;
    return cmp(a[i] as T, a[j] as T);
  };
  const swap = (i: number, j: number): void => {
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  };
  const vecswap = (i: number, j: number, n: number): void => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const med3 = (x: number, y: number, z: number): number => (c(x, y) < 0 ? (c(y, z) < 0 ? y : c(x, z) < 0 ? z : x) : c(y, z) > 0 ? y : c(x, z) < 0 ? x : z);
  // Parts of [from, from + n) are independent of each other, so pending ones wait on a stack in
  // place of pqsort's recursion; the result does not depend on the order they are done in.
  const outside = (from: number, n: number): boolean => (lrange < from && rrange < from) || (lrange >= from + n && rrange >= from + n);
  const pending: [number, number][] = [[0, a.length]];
  for (;;) {
    const part = pending.pop();
    if (part === undefined) return;
    const [lo, n] = part;
    if (n < 7) {
      yield* insertion(lo, n);
      continue;
    }
    let pm = lo + (n >> 1);
    if (n > 7) {
      let pl = lo;
      let pn = lo + n - 1;
      if (n > 40) {
        const d = n >> 3;
        pl = med3(pl, pl + d, pl + 2 * d);
        pm = med3(pm - d, pm, pm + d);
        pn = med3(pn - 2 * d, pn - d, pn);
      }
      pm = med3(pl, pm, pn);
    }
    swap(lo, pm);
    let pa = lo + 1;
    let pb = pa;
    let pc = lo + n - 1;
    let pd = pc;
    let swapped = false;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = c(pb, lo)) <= 0) {
        if (r === 0) {
          swapped = true;
          swap(pa++, pb);
        }
        pb++;
        if (budget <= 0) yield* refill();
      }
      while (pb <= pc && (r = c(pc, lo)) >= 0) {
        if (r === 0) {
          swapped = true;
          swap(pc, pd--);
        }
        pc--;
        if (budget <= 0) yield* refill();
      }
      if (pb > pc) break;
      swap(pb++, pc--);
      swapped = true;
    }
    // No swap at all: the part looked sorted, pqsort finishes it by insertion.
    if (!swapped) {
      yield* insertion(lo, n);
      continue;
    }
    const pn = lo + n;
    let r = Math.min(pa - lo, pb - pa);
    vecswap(lo, pb - r, r);
    r = Math.min(pd - pc, pn - pd - 1);
    vecswap(pb, pn - r, r);
    const left = pb - pa;
    if (left > 1 && !outside(lo, left)) pending.push([lo, left]);
    const right = pd - pc;
    if (right > 1 && !outside(pn - right, right)) pending.push([pn - right, right]);
  }

  function* refill(): Generator<void> {
    yield;
    budget = COMPARISONS_PER_STEP;
  }

  function* insertion(lo: number, n: number): Generator<void> {
    for (let m = lo + 1; m < lo + n; m++) {
      for (let l = m; l > lo && c(l - 1, l) > 0; l--) swap(l, l - 1);
      if (budget <= 0) yield* refill();
    }
  }
}
