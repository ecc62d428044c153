// The reply every SCAN-family command gives: [next cursor, [elements...]]. SCAN and HSCAN/SSCAN/ZSCAN
// share this writer so the shape is decided in one place.
import type { Client } from '../client.ts';

/** Bulks written per step when the page is written in steps. */
const BULKS_PER_STEP = 16;

/** The whole reply in one go, for pages short enough not to hold the loop. */
export function writeScanReply(c: Client, next: number, items: string[]): void {
  c.w.array(2);
  c.w.bulk(String(next));
  c.w.bulks(items);
}

/**
 * The same reply, yielding every BULKS_PER_STEP elements: a COUNT as big as the keyspace (or the
 * collection) makes a page of a million elements, too many to write in one turn.
 */
export function* scanReplySteps(c: Client, next: number, items: string[]): Generator<void> {
  c.w.array(2);
  c.w.bulk(String(next));
  c.w.array(items.length);
  for (let k = 0; k < items.length; k++) {
    c.w.bulk(items[k] as string);
    if (k % BULKS_PER_STEP === BULKS_PER_STEP - 1) yield;
  }
}
