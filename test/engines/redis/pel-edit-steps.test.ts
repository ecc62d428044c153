// PelEdit.prepare makes a claim of a whole PEL ready in bounded steps: it once looked every change up in
// the group's PEL in one step (a million lookups held the event loop 359 ms in an XAUTOCLAIM of 1M). The
// work of each step is counted in lookups and copied entries of the group's maps, not in time.
import { describe, expect, it } from 'vitest';
import { PelEdit } from '../../../engines/redis/commands/pel-edit.ts';
import { idText, type ConsumerGroup, type PendingEntry } from '../../../engines/redis/types/stream.ts';

/** A Map that counts the lookups and the entries iterated since `reset`. */
class CountingMap<K, V> extends Map<K, V> {
  work = 0;
  override get(k: K): V | undefined {
    this.work++;
    return super.get(k);
  }
  override *[Symbol.iterator](): MapIterator<[K, V]> {
    for (const x of super.entries()) {
      this.work++;
      yield x;
    }
  }
}

const N = 50_000;

function group(): { g: ConsumerGroup; pel: CountingMap<string, PendingEntry> } {
  const pel = new CountingMap<string, PendingEntry>();
  const mine = new Map<string, PendingEntry>();
  for (let i = 1; i <= N; i++) {
    const p: PendingEntry = { id: { ms: BigInt(i), seq: 0n }, consumer: 'c', deliveredAt: 0, deliveries: 1 };
    pel.set(idText(p.id), p);
    mine.set(idText(p.id), p);
  }
  const g: ConsumerGroup = { name: 'g', lastId: { ms: BigInt(N), seq: 0n }, entriesRead: BigInt(N), pending: pel, consumers: new Map() };
  g.consumers.set('c', { name: 'c', seenAt: 0, activeAt: 0, pending: mine });
  return { g, pel };
}

describe('PelEdit.prepare', () => {
  it('claims a whole PEL for another consumer a bounded piece per step, and puts it in place at the end', () => {
    const { g, pel } = group();
    const live = g.pending;
    const edit = new PelEdit(g, 'c2');
    for (const [k, p] of live) edit.give(p.id, k, 5, p.deliveries + 1);
    pel.work = 0;
    const steps = edit.prepare();
    let worst = 0;
    let r = steps.next();
    for (; r.done !== true; r = steps.next()) {
      worst = Math.max(worst, pel.work);
      pel.work = 0;
    }
    worst = Math.max(worst, pel.work);
    expect(worst).toBeLessThanOrEqual(512);
    expect(g.pending).toBe(live);
    const c2 = { name: 'c2', seenAt: 0, activeAt: 0, pending: new Map<string, PendingEntry>() };
    r.value(() => (g.consumers.set('c2', c2), c2));
    expect(g.pending.size).toBe(N);
    expect(c2.pending.size).toBe(N);
    expect(g.consumers.get('c')?.pending.size).toBe(0);
    expect(g.pending.get('7-0')).toEqual({ id: { ms: 7n, seq: 0n }, consumer: 'c2', deliveredAt: 5, deliveries: 2 });
  });
});
