// What redis-server 7.0 keeps once its first replica attached: the replication backlog. Creating it draws a
// new replication ID (INFO's master_replid changes, replid2 stays zero), and from then on the replication
// offset counts the stream's bytes across replicas that come and go (a second SYNC keeps the ID and goes on
// from the same offset). A bare engine's SYNC clients open it (repl-feed.ts); nodes never do: their
// replicas are in-process (replication.ts) and the API refuses SYNC.
import { parseMemory } from './config.ts';
import type { Engine } from './engine.ts';
import { changeReplId } from './repl-id.ts';

export interface Backlog {
  /** The replication offset when the backlog was made (its first byte is the next one). */
  readonly start: number;
  /** Bytes written to the stream so far: INFO's master_repl_offset. */
  offset: number;
}

const backlogs = new WeakMap<Engine, Backlog>();

export function backlogOf(e: Engine): Backlog | undefined {
  return backlogs.get(e);
}

/** The engine's backlog, made (with a new replication ID) when this is its first replica. */
export function openBacklog(e: Engine): Backlog {
  let b = backlogs.get(e);
  if (b === undefined) {
    changeReplId(e);
    b = { start: 0, offset: 0 };
    backlogs.set(e, b);
  }
  return b;
}

/** INFO's repl_backlog_first_byte_offset and repl_backlog_histlen: what of the stream the backlog still holds. */
export function backlogSpan(e: Engine, b: Backlog): [first: number, histlen: number] {
  const size = parseMemory(String(e.config.get('repl-backlog-size') ?? '1mb')) ?? 1048576;
  const histlen = Math.min(b.offset - b.start, size);
  return [b.offset - histlen + 1, histlen];
}
