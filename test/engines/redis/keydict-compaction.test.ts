// The key table compacts a few hundred slots per change instead of all at once (a million slots took
// 150 ms and more in one go, holding every node): while a compaction is under way, SCAN still returns
// every key present for the whole scan, iteration keeps insertion order, and metadata follows its key.
import { describe, expect, it } from 'vitest';
import { KeyDict } from '../../../engines/redis/db/keydict.ts';
import { cpuMs } from '../../support/loop-hold.ts';

/** A small deterministic generator, so a failure repeats. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

describe('KeyDict compaction in steps', () => {
  it('keeps SCAN, order and LRU right under random deletes and adds across many compactions', () => {
    for (const seed of [1, 2, 3]) {
      const rnd = random(seed);
      const d = new KeyDict();
      const live: string[] = [];
      let next = 0;
      const add = () => {
        const k = `k${next++}`;
        const i = d.add(k, `v${k}`);
        d.setLru(i, next);
        live.push(k);
      };
      for (let i = 0; i < 5000; i++) add();
      const stay = new Set(live.filter(() => rnd() < 0.1));
      const seen = new Set<string>();
      let cursor = 0;
      do {
        cursor = d.scan(cursor, 7, (k) => seen.add(k));
        for (let j = 0; j < 30; j++) {
          const at = Math.floor(rnd() * live.length);
          const k = live[at] as string;
          if (stay.has(k)) continue;
          expect(d.delete(k)).toBe(true);
          live.splice(at, 1);
        }
        if (rnd() < 0.5) add();
      } while (cursor !== 0);
      for (const k of stay) expect(seen.has(k), `seed ${seed}: ${k}`).toBe(true);
      const order = [...d.entries()].map(([k]) => k);
      expect(order).toEqual(live);
      for (const [k, , i] of d.entries()) expect(d.lruAt(i)).toBe(Number(k.slice(1)) + 1);
      expect(d.size).toBe(live.length);
    }
  });

  it('deleting most of a million keys never spends long on a few deletes', () => {
    const d = new KeyDict();
    const N = 1_000_000;
    for (let i = 0; i < N; i++) d.add(`key:${i}`, 'v');
    // CPU time per hundred deletes: reading it per delete would cost more than the deletes.
    let worst = 0;
    for (let i = 0; i < 0.9 * N; i += 100) {
      const t0 = cpuMs();
      for (let j = i; j < i + 100; j++) d.delete(`key:${j}`);
      worst = Math.max(worst, cpuMs() - t0);
    }
    expect(d.size).toBe(N / 10);
    expect([...d.entries()][0]?.[0]).toBe(`key:${0.9 * N}`);
    // A whole compaction of the table took 150 ms at rest and more under load; a step is microseconds.
    expect(worst).toBeLessThan(50);
  }, 60_000);
  it('the slot add() returns holds the key it added, also when that add ends a compaction', () => {
    // Callers use the slot at once (metadata, memory): a compaction step run after appending could move
    // the new slot down and truncate past it (a SET after a shard dropped its moved keys threw).
    for (const n of [300, 1000, 5000]) {
      const d = new KeyDict();
      for (let i = 0; i < n; i++) d.add(`old:${i}`, 'x');
      // Just past half the slots empty: a compaction starts, and the adds below carry it to its end.
      for (let i = 0; i <= n / 2; i++) d.delete(`old:${i}`);
      for (let i = 0; i < n; i++) {
        const value = `v${i}`;
        const slot = d.add(`new:${i}`, value);
        expect(d.raw(slot), `n=${n}, add ${i}`).toBe(value);
      }
      expect(d.size).toBe(n + n / 2 - 1);
    }
  });
});
