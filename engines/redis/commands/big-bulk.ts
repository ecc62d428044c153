// A reply of a big string (GET of 100 MB) is one copy into the reply buffer, fresh memory every time: about
// 50 ms of CPU per 100 MB on the machines this runs on, plus the collection of the buffer afterwards, and
// every node shares the loop (issue 12). Past BIG_BULK the copy is made a piece a step instead, between
// which runSliced lets the other nodes run and sends what was written so far. The value is a JS string,
// which nothing can change under the steps, and the node is held meanwhile as for any command in slices.
import type { Client } from '../client.ts';
import type { ReplyWriter } from '../resp/writer.ts';
import { replySliced } from '../sliced.ts';

/** Values shorter than this are written at once: a copy of 1 MB takes well under a millisecond. */
export const BIG_BULK = 1 << 20;
/** Bytes a step copies: slice() reads its clock every 64 steps, so 64 of them stay within a slice. */
const PIECE = 1 << 16;

/** The bulk reply of `s` a piece a step. */
export function* bulkSteps(w: ReplyWriter, s: string): Generator<void> {
  w.bulkHead(s.length);
  // A flat string's slice shares its characters (no copy); a rope (after APPEND) is flattened by the first.
  for (let at = 0; at < s.length; at += PIECE) {
    w.latin1Piece(s.slice(at, at + PIECE));
    yield;
  }
  w.crlf();
}

/** c.w.bulkOrNil(s), in steps when `s` is big. */
export function replyBulk(c: Client, s: string | null): void {
  if (s === null || s.length < BIG_BULK) c.w.bulkOrNil(s);
  else replySliced(c, bulkSteps(c.w, s));
}

/** The bulk reply of the bytes `b` a piece a step (DUMP of a big value). */
export function* bufferBulkSteps(w: ReplyWriter, b: Buffer): Generator<void> {
  w.bulkHead(b.length);
  for (let at = 0; at < b.length; at += PIECE) {
    w.raw(b.subarray(at, Math.min(b.length, at + PIECE)));
    yield;
  }
  w.crlf();
}
