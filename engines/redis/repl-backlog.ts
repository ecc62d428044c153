// What redis-server 7.0 keeps once its first replica attached: the replication backlog. Creating it draws a
// new replication ID (INFO's master_replid changes, replid2 stays zero), and from then on the replication
// offset counts the stream's bytes across replicas that come and go (a second SYNC keeps the ID and goes on
// from the same offset). It holds the stream's last repl-backlog-size bytes (in whole blocks, as 7.0's), so a replica whose link broke
// continues from where it was (PSYNC answered +CONTINUE) instead of loading the whole dataset again. It
// lives on with no replica for repl-backlog-ttl seconds; then it is freed and the replication ID changes.
// A bare engine's SYNC clients open it (repl-feed.ts); nodes never do: their replicas are in-process
// (replication.ts) and the API refuses SYNC.
import type { Engine } from './engine.ts';
import { changeReplId } from './repl-id.ts';

/** 7.0's replBufBlock: a block of the shared replication buffer. */
interface Block {
  buf: Buffer;
  used: number;
}

export interface Backlog {
  /** Bytes written to the stream so far: INFO's master_repl_offset. */
  offset: number;
  /** The stream's latest bytes in 7.0's blocks, oldest first: whole blocks are dropped past repl-backlog-size. */
  readonly blocks: Block[];
  /** Bytes the blocks hold: INFO's repl_backlog_histlen. */
  histlen: number;
}

const backlogs = new WeakMap<Engine, Backlog>();
/** The offset a freed backlog had reached: master_repl_offset stays, and a new backlog goes on from it. */
const freedAt = new WeakMap<Engine, number>();

export function backlogOf(e: Engine): Backlog | undefined {
  return backlogs.get(e);
}

/** INFO's master_repl_offset (and ROLE's) for a primary's SYNC clients: kept once the backlog is freed. */
export function streamOffsetOf(e: Engine): number {
  return backlogs.get(e)?.offset ?? freedAt.get(e) ?? 0;
}

/** The engine's backlog, made (with a new replication ID) when this is its first replica. */
export function openBacklog(e: Engine): Backlog {
  let b = backlogs.get(e);
  if (b === undefined) {
    changeReplId(e);
    b = { offset: freedAt.get(e) ?? 0, blocks: [], histlen: 0 };
    backlogs.set(e, b);
  }
  return b;
}

/**
 * A replica's full sync from its primary at `offset`: its backlog starts again there, holding the primary's
 * stream as it relays it (the replication ID is the primary's, set by the caller).
 */
export function restartBacklog(e: Engine, offset: number): Backlog {
  const b: Backlog = { offset, blocks: [], histlen: 0 };
  backlogs.set(e, b);
  return b;
}

/** repl-backlog-ttl passed with no replica: the history goes, and with it the ID replicas could continue under. */
export function freeBacklog(e: Engine): void {
  const b = backlogs.get(e);
  if (b === undefined) return;
  freedAt.set(e, b.offset);
  backlogs.delete(e);
  changeReplId(e);
}

/** repl-backlog-size, never under 16 KB (config.ts raises it as 7.0's resizeReplicationBacklog does). */
export function backlogSize(e: Engine): number {
  return e.config.replBacklogSize;
}

/** PROTO_REPLY_CHUNK_BYTES, the least a new block is asked for, and sizeof(replBufBlock), its header. */
const CHUNK = 16384;
const HEADER = 40;

/** What jemalloc hands out for `n` bytes of 16 KB or more: four size classes per doubling. */
function jemallocUsable(n: number): number {
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/**
 * Bytes written to the stream, counted in the offset and kept as 7.0's feedReplicationBuffer keeps them: the
 * last block is filled first, then new blocks of what jemalloc gives for max(the rest, 16 KB), capped at
 * repl-backlog-size / 16 (so a big write spreads over blocks that can go one by one). 7.0 trims before
 * every sleep of its event loop: after each command here.
 */
export function appendBacklog(e: Engine, b: Backlog, bytes: Buffer): void {
  b.offset += bytes.length;
  b.histlen += bytes.length;
  let at = 0;
  const tail = b.blocks[b.blocks.length - 1];
  if (tail !== undefined && tail.used < tail.buf.length) {
    const n = Math.min(tail.buf.length - tail.used, bytes.length);
    bytes.copy(tail.buf, tail.used, 0, n);
    tail.used += n;
    at = n;
  }
  const limit = Math.max(Math.floor(backlogSize(e) / 16), CHUNK);
  while (at < bytes.length) {
    const size = jemallocUsable(Math.min(Math.max(bytes.length - at, CHUNK), limit) + HEADER) - HEADER;
    const block = { buf: Buffer.allocUnsafe(size), used: Math.min(size, bytes.length - at) };
    bytes.copy(block.buf, 0, at, at + block.used);
    b.blocks.push(block);
    at += block.used;
  }
  trimBacklog(e, b);
}

/** 7.0's incrementalTrimReplicationBacklog: whole blocks go from the front while the rest still exceeds the size. */
export function trimBacklog(e: Engine, b: Backlog): void {
  const size = backlogSize(e);
  while (b.histlen > size && b.blocks.length > 1 && b.histlen - (b.blocks[0] as Block).buf.length > size) b.histlen -= (b.blocks.shift() as Block).used;
}

/** What the backlog's blocks take (INFO memory's mem_replication_backlog). */
export function backlogMemory(b: Backlog): number {
  let n = 0;
  for (const x of b.blocks) n += x.buf.length;
  return n;
}

/** INFO's repl_backlog_first_byte_offset and repl_backlog_histlen: what of the stream the backlog still holds. */
export function backlogSpan(b: Backlog): [first: number, histlen: number] {
  return [b.offset - b.histlen + 1, b.histlen];
}

/**
 * The stream from `psyncOffset` (the first byte a replica lacks) to now, or null when the backlog no longer
 * holds that byte or never will: 7.0's masterTryPartialResynchronization range, first byte to offset + 1.
 */
export function backlogFrom(b: Backlog, psyncOffset: number): Buffer | null {
  const [first, histlen] = backlogSpan(b);
  if (psyncOffset < first || psyncOffset > first + histlen) return null;
  const all = Buffer.concat(b.blocks.map((x) => x.buf.subarray(0, x.used)));
  return all.subarray(psyncOffset - first);
}
