// The key table keeps its promises across compactions: SCAN cursors stay valid, metadata follows
// its key, and bare strings account for memory exactly like string objects.
import { describe, expect, it } from 'vitest';
import { KeyDict, LFU_INIT } from '../../../engines/redis/db/keydict.ts';
import { estimateMemory, newHash, newString } from '../../../engines/redis/db/objects.ts';

function scanAll(d: KeyDict, count: number, between: (round: number) => void): Set<string> {
  const seen = new Set<string>();
  let cursor = 0;
  let round = 0;
  do {
    cursor = d.scan(cursor, count, (k) => seen.add(k));
    between(round++);
  } while (cursor !== 0);
  return seen;
}

describe('KeyDict', () => {
  it('returns every key present for a whole SCAN, across repeated compactions', () => {
    const d = new KeyDict();
    for (let i = 0; i < 2000; i++) d.add(`k${i}`, `v${i}`);
    const stay = new Set<string>();
    for (let i = 0; i < 2000; i += 7) stay.add(`k${i}`);
    let next = 2000;
    const seen = scanAll(d, 10, (round) => {
      // Delete most of the non-staying keys a few at a time (forcing compactions) and add new ones.
      for (let j = 0; j < 40; j++) {
        const victim = `k${(round * 40 + j) % 2000}`;
        if (!stay.has(victim)) d.delete(victim);
      }
      d.add(`n${next}`, `v${next}`);
      next++;
    });
    for (const k of stay) expect(seen.has(k)).toBe(true);
    expect(d.size).toBe(stay.size + (next - 2000));
  });

  it('keeps cursors increasing after clear', () => {
    const d = new KeyDict();
    for (let i = 0; i < 100; i++) d.add(`a${i}`, 'x');
    const c1 = d.scan(0, 50, () => {});
    d.clear();
    for (let i = 0; i < 100; i++) d.add(`b${i}`, 'x');
    // A cursor from before the flush resumes after the new keys' start, never re-visits old numbering.
    const fresh: string[] = [];
    d.scan(0, 1000, (k) => fresh.push(k));
    expect(fresh.length).toBe(100);
    expect(c1).toBeGreaterThan(0);
  });

  it('moves LRU/LFU state with the key when slots are compacted, and grows lazily allocated LFU arrays', () => {
    const d = new KeyDict();
    for (let i = 0; i < 300; i++) {
      const s = d.add(`k${i}`, `v${i}`);
      d.setLru(s, 1000 + i);
    }
    expect(d.lfuAt(5)).toBe(LFU_INIT);
    d.setLfu(d.index('k250') as number, 42, 7);
    for (let i = 0; i < 200; i++) d.delete(`k${i}`);
    for (let i = 300; i < 1000; i++) d.add(`k${i}`, `v${i}`);
    const s = d.index('k250') as number;
    expect(d.lruAt(s)).toBe(1250);
    expect(d.lfuAt(s)).toBe(42);
    expect(d.lfuTimeAt(s)).toBe(7);
    expect(d.lfuAt(d.index('k999') as number)).toBe(LFU_INIT);
    expect(d.metaOf('k260')).toEqual({ lru: 1260, lfu: LFU_INIT, lfuTime: 0 });
  });

  it('estimates a bare string like the equivalent object, and materialises it once', () => {
    const d = new KeyDict();
    const s = d.add('key', 'value');
    expect(d.memAt(s)).toBe(estimateMemory('key', newString('value')));
    const o = d.obj(s);
    expect(d.obj(s)).toBe(o);
    expect(o.mem).toBe(d.memAt(s));
    const h = d.add('h', newHash());
    d.setMem(h, 123);
    expect(d.memAt(h)).toBe(123);
    expect(d.random()).not.toBeNull();
  });
});
