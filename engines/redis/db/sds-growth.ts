// The spare room redis-server's sds keeps after a string grows in place (APPEND, SETRANGE, SETBIT,
// BITFIELD): sdsMakeRoomFor doubles the length asked for below 1 MB and adds 1 MB above, and jemalloc
// rounds the allocation up. MEMORY USAGE reads the allocation (memory-usage.ts). Worked out only when
// a command grows a string, so nothing is added to any other path.
import type { StrObj } from './objects.ts';
import { encodingOf } from './objects.ts';
import { BIG_ARG, jemallocSize, sdsHeader } from './memory-usage.ts';

const SDS_MAX_PREALLOC = 1024 * 1024;

/** sdsTypeMaxSize: the most an sds of this header can record as its allocation. */
const typeMax = (hdr: number): number => (hdr === 3 ? 255 : hdr === 5 ? 65535 : hdr === 9 ? 2 ** 32 - 1 : Number.MAX_SAFE_INTEGER);

/** An sds's allocation (zmalloc_size), header size and the capacity its header records. */
export interface SdsRoom {
  alloc: number;
  hdr: number;
  cap: number;
}

/** sdsnewlen's sds for a string of len bytes (type 5 records no capacity: it has no room to spare). */
export function exactSds(len: number): SdsRoom {
  const hdr = sdsHeader(len);
  const alloc = jemallocSize(hdr + len + 1);
  return { alloc, hdr, cap: hdr === 1 ? len : Math.min(alloc - hdr - 1, typeMax(hdr)) };
}

/** The sds a command changing o in place starts from. */
export function sdsOf(o: StrObj): SdsRoom {
  const len = o.v.length;
  if (o.enc === 'raw') return o.sdsAlloc !== undefined && o.sdsHdr !== undefined && o.sdsCap !== undefined ? { alloc: o.sdsAlloc, hdr: o.sdsHdr, cap: o.sdsCap } : exactSds(len);
  // An embstr or int is copied out (dbUnshareStringValue) at its length.
  if (encodingOf(o) !== 'raw') return exactSds(len);
  // A raw value SET (or a load) stored: a big one is the query buffer, made for its length and
  // CRLF; tryObjectEncoding trimmed it to its length when more than a tenth was spare.
  let room = exactSds(len);
  if (len >= BIG_ARG) {
    const hdr = sdsHeader(len + 2);
    const alloc = jemallocSize(hdr + len + 3);
    room = { alloc, hdr, cap: Math.min(alloc - hdr - 1, typeMax(hdr)) };
  }
  if (room.cap - len > Math.floor(len / 10)) room = { alloc: jemallocSize(room.hdr + len + 1), hdr: room.hdr, cap: len };
  return room;
}

/** sdsMakeRoomFor (greedy) on an sds of len bytes asked for addlen more. */
export function makeRoom(room: SdsRoom, len: number, addlen: number): SdsRoom {
  if (addlen <= 0 || room.cap - len >= addlen) return room;
  const newLen = len + addlen;
  const want = newLen < SDS_MAX_PREALLOC ? newLen * 2 : newLen + SDS_MAX_PREALLOC;
  const hdr = Math.max(3, sdsHeader(want));
  const alloc = jemallocSize(hdr + want + 1);
  return { alloc, hdr, cap: Math.min(alloc - hdr - 1, typeMax(hdr)) };
}

/** Records the sds behind o (read by MEMORY USAGE while o stays raw). */
export function setSds(o: StrObj, room: SdsRoom): void {
  o.sdsAlloc = room.alloc;
  o.sdsHdr = room.hdr;
  o.sdsCap = room.cap;
}

/** sdsMakeRoomFor as o grows to newLen bytes (sdscatlen, sdsgrowzero); call it before changing o.v. */
export function growSds(o: StrObj, newLen: number): void {
  setSds(o, makeRoom(sdsOf(o), o.v.length, newLen - o.v.length));
}

/** The sds allocation of a raw string grown in place, or null when it is sdsnewlen's for its length. */
export function grownSds(o: StrObj): number | null {
  if (o.enc !== 'raw' || o.sdsAlloc === undefined || o.sdsHdr === undefined) return null;
  return o.sdsHdr + o.v.length + 1 <= o.sdsAlloc ? o.sdsAlloc : null;
}
