// A group's pending entries list is a Map by id text, in no order: XPENDING and XAUTOCLAIM walk it in id
// order, which over a million entries means a sort of seconds. It is made here in steps for runSliced.
import { sortInSteps } from '../sort-in-steps.ts';
import { cmpId, type PendingEntry } from '../types/stream.ts';

/** Entries copied out of the map per step. */
const COLLECTED_PER_STEP = 256;

/** Fills `out` with the entries of `pel` that `keep` accepts, in id order, one bounded piece per step. */
export function* pelInOrderSteps(pel: Iterable<PendingEntry>, keep: (p: PendingEntry) => boolean, out: PendingEntry[]): Generator<void> {
  let n = 0;
  // Entries read in order (XREADGROUP adds them so) are often met in order: then the merge passes of the
  // sort, 20 M id comparisons over a million, are not needed.
  let sorted = true;
  for (const p of pel) {
    if (keep(p)) {
      const prev = out[out.length - 1];
      if (sorted && prev !== undefined && cmpId(prev.id, p.id) > 0) sorted = false;
      out.push(p);
    }
    if (++n % COLLECTED_PER_STEP === 0) yield;
  }
  if (!sorted) yield* sortInSteps(out, (x, y) => cmpId(x.id, y.id));
}
