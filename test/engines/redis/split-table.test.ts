// The tables behind key tables and big collections (split-table.ts): no Map inside passes 2^17 entries however
// big the table grows, so V8's rehash of a doubling Map stays short, and iterators kept while the table changes
// (and merges or splits under them) keep a Map iterator's guarantee.
import { describe, expect, it } from 'vitest';
import { SPLIT_AT, SplitMap, SplitSet } from '../../../engines/redis/db/split-table.ts';

const name = (i: number) => `key:${i}`;

describe('SplitMap and SplitSet', () => {
  it('hold 2^19 entries with no Map inside past 2^13, and read and delete them all back', () => {
    const m = new SplitMap<number>();
    const s = new SplitSet();
    const n = 1 << 19;
    for (let i = 0; i < n; i++) {
      m.set(name(i), i);
      s.add(name(i));
    }
    expect(m.size).toBe(n);
    expect(s.size).toBe(n);
    // 256 parts: a part passes 2^17 only once the table holds about 2^25.
    expect(m.largestPart).toBeLessThan(1 << 13);
    expect(s.largestPart).toBeLessThan(1 << 13);
    let sum = 0;
    for (let i = 0; i < n; i += 7) sum += (m.get(name(i)) as number) - i + (s.has(name(i)) ? 0 : 1);
    expect(sum).toBe(0);
    m.set(name(5), -5);
    s.add(name(5));
    expect([m.size, s.size, m.get(name(5))]).toEqual([n, n, -5]);
    for (let i = 0; i < n; i++) {
      m.delete(name(i));
      s.delete(name(i));
    }
    expect([m.size, s.size, [...m.keys()].length, [...s].length]).toEqual([0, 0, 0, 0]);
  }, 60_000);

  it('go back to one Map below a quarter of the split size', () => {
    const m = new SplitMap<number>();
    for (let i = 0; i < SPLIT_AT; i++) m.set(name(i), i);
    expect(m.largestPart).toBeLessThan(m.size);
    for (let i = 0; i < SPLIT_AT - SPLIT_AT / 4 + 1; i++) m.delete(name(i));
    expect(m.largestPart).toBe(m.size);
    expect(m.get(name(SPLIT_AT - 1))).toBe(SPLIT_AT - 1);
  });

  it('an iterator of a split table kept across a merge, a split and a clear meets every key present throughout once, no deleted key', () => {
    const m = new SplitMap<number>();
    const kept = 1000;
    for (let i = 0; i < SPLIT_AT + kept; i++) m.set(name(i), i);
    const it = m.entries();
    const seen = new Map<string, number>();
    const take = (k: number) => {
      for (let j = 0; j < k; j++) {
        const r = it.next();
        if (r.done === true) return;
        expect(seen.has(r.value[0]), r.value[0]).toBe(false);
        seen.set(r.value[0], r.value[1]);
      }
    };
    take(100);
    // Shrinks past the merge: the walk goes on over the parts it began on, with values read live.
    for (let i = kept; i < SPLIT_AT + kept; i++) m.delete(name(i));
    expect(m.largestPart).toBe(kept);
    m.delete(name(500));
    m.set(name(600), -600);
    take(200);
    // Splits again.
    for (let i = kept; i < SPLIT_AT + kept; i++) m.set(name(i), i);
    take(Infinity);
    for (let i = 0; i < kept; i++) {
      if (i === 500) expect(seen.has(name(i))).toBe(false);
      else expect(seen.get(name(i)), name(i)).toBe(i === 600 ? -600 : i);
    }
    const after = m.keys();
    after.next();
    m.clear();
    m.set('new', 1);
    expect([...after]).toEqual([]);
    // An iterator of a small table is the Map's own: the split ends it.
    const small = new SplitMap<number>();
    small.set('a', 1);
    const early = small.keys();
    for (let i = 0; i < SPLIT_AT; i++) small.set(name(i), i);
    expect(small.largestPart).toBeLessThan(SPLIT_AT);
    expect([...early]).toEqual([]);
  });

  it('a set splits and iterates as the map does; pick() finds a key of a big or small table', () => {
    const s = new SplitSet();
    for (let i = 0; i < SPLIT_AT * 2; i++) s.add(name(i));
    expect(s.largestPart).toBeLessThan(SPLIT_AT);
    expect(new Set(s).size).toBe(SPLIT_AT * 2);
    for (let k = 0; k < 100; k++) expect(s.has(s.pick() as string)).toBe(true);
    const small = new SplitMap<number>();
    expect(small.pick()).toBeUndefined();
    small.set('a', 1);
    expect(small.pick()).toBe('a');
  });
});
