// A client's memory as redis-server 7.0 counts it (getClientMemoryUsage): CLIENT LIST's qbuf,
// qbuf-free, argv-mem, multi-mem and tot-mem, and what maxmemory-clients weighs. Redis counts its own
// allocations; these are the same parts with its sizes, so the numbers move as redis-server's do.
import type { Client } from './client.ts';

/** What redis-server 7.0 allocates for a query buffer on a read (PROTO_IOBUF_LEN in its allocator's size class). */
const QUERY_BUFFER_READ_ALLOC = 20474;
/** The client's struct: 22000 with the read buffer and a 1 KB reply buffer, an idle client's figure. */
const CLIENT_STRUCT = 22000 - QUERY_BUFFER_READ_ALLOC - 1024;
const POINTER = 8;
/** A watched key (listNode + watchedKey), a subscription (list node or dict entry). */
const WATCHED_KEY = 24 + 32;
const SUBSCRIPTION = 32;
/** Tracking prefixes sit in a radix tree; Redis counts its nodes, about two per prefix. */
const PREFIX_NODES = 2 * 4 * POINTER;

/** Decimal digits of a length (no string made: this runs for every read the memory tally settles). */
const digits = (n: number): number => (n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : String(n).length);

/** Bytes of a request in RESP multibulk form, as it sat in the query buffer. */
function requestBytes(args: readonly string[]): number {
  let n = 3 + digits(args.length);
  for (let i = 0; i < args.length; i++) {
    const len = (args[i] as string).length;
    n += 5 + digits(len) + len;
  }
  return n;
}

/** The query buffer's content: unparsed bytes, and the request being run (Redis keeps it until it ran). */
export const queryBufferUsed = (c: Client): number => c.parser.buffered + (c.running === null ? 0 : requestBytes(c.running));

/**
 * Free bytes of the client's query buffer as redis-server 7.0 would report them: a read allocates
 * ~16k, a large bulk is given room for its whole length as soon as its header arrives (and leaves a
 * buffer of that size behind until the cron sees a smaller peak), and once the client has been idle
 * more than 2 s the cron trims the buffer to what it holds.
 */
export const queryBufferFree = (c: Client, now: number): number => freeRoom(c, queryBufferUsed(c), now);

function freeRoom(c: Client, used: number, now: number): number {
  if (Math.floor((now - c.lastInteraction) / 1000) > 2) return 0;
  const big = c.parser.bigBulkLen;
  const capacity = big >= 0 ? Math.max(QUERY_BUFFER_READ_ALLOC, big + 2) : Math.max(QUERY_BUFFER_READ_ALLOC, c.parser.bigArgRoom);
  return Math.max(0, capacity - used);
}

function argsLength(args: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < args.length; i++) n += (args[i] as string).length;
  return n;
}

/** argv-mem: the arguments of the command being run, or of the one CLIENT PAUSE holds (redis-server keeps its argv). */
export function argvMemory(c: Client): number {
  if (c.running !== null) return argsLength(c.running);
  const held = c.postponed ? c.queue[0] : undefined;
  return held === undefined ? 0 : argsLength(held);
}

/** multi-mem: queued commands with their argument pointers (7.0.15 shows no watched key there). */
export function multiMemory(c: Client): number {
  let n = 0;
  const queued = c.multi ?? c.execCommands;
  if (queued !== null) for (const args of queued) n += argsLength(args) + POINTER * args.length;
  return n;
}

/** Replies written and not yet taken by the socket. */
export const outputMemory = (c: Client): number => c.conn.writableLength + c.w.pendingBytes;

/** tot-mem. */
export function clientMemory(c: Client, now: number): number {
  const running = c.running === null ? 0 : POINTER * c.running.length;
  const subscriptions = (c.subs.size + c.psubs.size + c.ssubs.size) * SUBSCRIPTION;
  const prefixes = (c.tracking?.prefixes.length ?? 0) * PREFIX_NODES;
  const query = queryBufferUsed(c);
  return (
    CLIENT_STRUCT +
    c.replyBuffer.size +
    query +
    freeRoom(c, query, now) +
    argvMemory(c) +
    running +
    multiMemory(c) +
    // The watched keys weigh in tot-mem (and client eviction) though multi-mem does not show them.
    c.watched.size * WATCHED_KEY +
    outputMemory(c) +
    subscriptions +
    prefixes
  );
}
