// Random members for SRANDMEMBER, HRANDFIELD, ZRANDMEMBER and SPOP. A count near a collection of a million
// elements means a million picks: they are made and written in steps that runSliced spreads over slices,
// since the event loop they would hold serves every node.
import type { Client } from '../client.ts';
import { fail } from '../errors.ts';
import { runSliced } from '../sliced.ts';

/** Replies with repeats are materialised in memory; beyond this a huge negative count would exhaust the heap. */
const MAX_RANDOM_REPLY = 10_000_000;

/** A collection's table: its size, its keys (members or fields) and a uniformly random one of them. */
export interface Drawable {
  readonly size: number;
  keys(): Iterable<string>;
  randomKey(): string | undefined;
}

/** A uniformly random key, drawn from the table's parts without walking the whole of it. */
export function randomOne(t: Drawable): string | undefined {
  return t.randomKey();
}

/**
 * Replies `count` distinct picks (all of them when count >= the size) or -count picks with repeats, each written by `write` after `header` learnt how many there are; a
 * big count runs in slices.
 */
export function replyRandom(c: Client, t: Drawable, count: number, header: (n: number) => void, write: (key: string) => void): void {
  header(count < 0 ? -count : Math.min(count, t.size));
  runSliced(c, pickSteps(t, count, write), () => undefined);
}

/**
 * Picks drawn one by one (each a walk of about 1/256 of a split table) while they are few against the size,
 * as redis-server draws them one by one from its dict; past that a copy of the keys is cheaper.
 */
const DRAW_FROM = 8;

function* pickSteps(t: Drawable, count: number, write: (key: string) => void): Generator<void> {
  if (count < -MAX_RANDOM_REPLY) fail('ERR value is out of range');
  const size = t.size;
  if (count >= size) {
    for (const x of t.keys()) {
      write(x);
      yield;
    }
    return;
  }
  const few = Math.abs(count) * DRAW_FROM <= size;
  if (few && count < 0) {
    for (let i = 0; i < -count; i++) {
      write(t.randomKey() as string);
      yield;
    }
    return;
  }
  if (few) {
    // Distinct picks by drawing again on a repeat: with count at most an eighth of the size, few repeats.
    const seen = new Set<string>();
    while (seen.size < count) {
      const k = t.randomKey() as string;
      if (seen.has(k)) continue;
      seen.add(k);
      write(k);
      yield;
    }
    return;
  }
  const pool: string[] = [];
  for (const x of t.keys()) {
    pool.push(x);
    yield;
  }
  const n = pool.length;
  if (count >= 0) {
    // A partial Fisher-Yates shuffle: the first `count` places end up a uniform sample.
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (n - i));
      const picked = pool[j] as string;
      pool[j] = pool[i] as string;
      pool[i] = picked;
      write(picked);
      yield;
    }
    return;
  }
  for (let i = 0; i < -count; i++) {
    write(pool[Math.floor(Math.random() * n)] as string);
    yield;
  }
}
