// What redis-server 7.0 keeps once its first replica attached: the replication backlog. Creating it draws a
// new replication ID (INFO's master_replid changes, replid2 stays zero), and from then on the replication
// offset counts the stream's bytes across replicas that come and go (a second SYNC keeps the ID and goes on
// from the same offset). It holds the stream's last repl-backlog-size bytes, so a replica whose link broke
// continues from where it was (PSYNC answered +CONTINUE) instead of loading the whole dataset again. It
// lives on with no replica for repl-backlog-ttl seconds; then it is freed and the replication ID changes.
// A bare engine's SYNC clients open it (repl-feed.ts); nodes never do: their replicas are in-process
// (replication.ts) and the API refuses SYNC.
import { parseMemory } from './config.ts';
import type { Engine } from './engine.ts';
import { changeReplId } from './repl-id.ts';

export interface Backlog {
  /** The replication offset when the backlog was made (its first byte is the next one). */
  readonly start: number;
  /** Bytes written to the stream so far: INFO's master_repl_offset. */
  offset: number;
  /** The stream's latest bytes, oldest first: whole writes, at least repl-backlog-size bytes of them once there are that many. */
  readonly chunks: Buffer[];
  /** Their length. */
  held: number;
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
    const at = freedAt.get(e) ?? 0;
    b = { start: at, offset: at, chunks: [], held: 0 };
    backlogs.set(e, b);
  }
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

export function backlogSize(e: Engine): number {
  return parseMemory(String(e.config.get('repl-backlog-size') ?? '1mb')) ?? 1048576;
}

/** Bytes written to the stream: counted in the offset and kept, the oldest dropped past repl-backlog-size. */
export function appendBacklog(e: Engine, b: Backlog, bytes: Buffer): void {
  b.offset += bytes.length;
  b.chunks.push(bytes);
  b.held += bytes.length;
  const size = backlogSize(e);
  while (b.chunks.length > 1 && b.held - (b.chunks[0] as Buffer).length >= size) b.held -= (b.chunks.shift() as Buffer).length;
}

/** INFO's repl_backlog_first_byte_offset and repl_backlog_histlen: what of the stream the backlog still holds. */
export function backlogSpan(e: Engine, b: Backlog): [first: number, histlen: number] {
  const histlen = Math.min(b.offset - b.start, backlogSize(e));
  return [b.offset - histlen + 1, histlen];
}

/**
 * The stream from `psyncOffset` (the first byte a replica lacks) to now, or null when the backlog no longer
 * holds that byte or never will: 7.0's masterTryPartialResynchronization range, first byte to offset + 1.
 */
export function backlogFrom(e: Engine, b: Backlog, psyncOffset: number): Buffer | null {
  const [first, histlen] = backlogSpan(e, b);
  if (psyncOffset < first || psyncOffset > first + histlen) return null;
  const all = b.chunks.length === 1 ? (b.chunks[0] as Buffer) : Buffer.concat(b.chunks);
  return all.subarray(psyncOffset - (b.offset - b.held + 1));
}
