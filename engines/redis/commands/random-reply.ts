// Random members for SRANDMEMBER, HRANDFIELD, ZRANDMEMBER and SPOP. A count near a collection of a million
// elements means a million picks: they are made and written in steps that runSliced spreads over slices,
// since the event loop they would hold serves every node.
import type { Client } from '../client.ts';
import { fail } from '../errors.ts';
import { runSliced } from '../sliced.ts';

/** Replies with repeats are materialised in memory; beyond this a huge negative count would exhaust the heap. */
const MAX_RANDOM_REPLY = 10_000_000;

/** The element at a uniformly random position, walked to: copying a million members for one pick costs more. */
export function randomOne<T>(items: Iterable<T>, size: number): T | undefined {
  let left = Math.floor(Math.random() * size);
  for (const x of items) if (left-- === 0) return x;
  return undefined;
}

/**
 * Replies `count` distinct picks (all of them when count >= the size) or -count picks with repeats, each written by `write` after `header` learnt how many there are; a
 * big count runs in slices.
 */
export function replyRandom<T>(c: Client, items: Iterable<T>, size: number, count: number, header: (n: number) => void, write: (item: T) => void): void {
  header(count < 0 ? -count : Math.min(count, size));
  runSliced(c, pickSteps(items, size, count, write), () => undefined);
}

function* pickSteps<T>(items: Iterable<T>, size: number, count: number, write: (item: T) => void): Generator<void> {
  if (count < -MAX_RANDOM_REPLY) fail('ERR value is out of range');
  if (count >= size) {
    for (const x of items) {
      write(x);
      yield;
    }
    return;
  }
  const pool: T[] = Array.isArray(items) ? (count >= 0 ? items.slice() : items) : [];
  if (!Array.isArray(items)) {
    for (const x of items) {
      pool.push(x);
      yield;
    }
  }
  const n = pool.length;
  if (count >= 0) {
    // A partial Fisher-Yates shuffle: the first `count` places end up a uniform sample.
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (n - i));
      const picked = pool[j] as T;
      pool[j] = pool[i] as T;
      pool[i] = picked;
      write(picked);
      yield;
    }
    return;
  }
  for (let i = 0; i < -count; i++) {
    write(pool[Math.floor(Math.random() * n)] as T);
    yield;
  }
}
