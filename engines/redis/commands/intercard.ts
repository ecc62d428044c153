// SINTERCARD and ZINTERCARD count in slices (see runSliced): one member of the smallest input per step,
// stopping at LIMIT as redis-server does. Nothing is built, so a million-member intersection costs no memory.

/** A set's members, or a sorted set's member-to-score dictionary: only membership matters here. */
type Members = ReadonlySet<string> | ReadonlyMap<string, unknown>;

export function* interCardSteps(inputs: (Members | null)[], limit: number, count: { n: number }): Generator<void> {
  if (inputs.some((s) => s === null)) return;
  const [first, ...rest] = (inputs as Members[]).slice().sort((x, y) => x.size - y.size);
  if (first === undefined) return;
  for (const m of first.keys()) {
    if (rest.every((s) => s.has(m)) && ++count.n === limit) return;
    yield;
  }
}
