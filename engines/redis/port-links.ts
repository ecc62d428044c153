// Which node follows which when one of them lives in another thread: the two are joined by a
// MessageChannel, the primary's end feeding the replica's (replication-port.ts). Both kinds of node
// (in this thread, node.ts; in a worker, threaded-node.ts) register how they take their end.
import { MessageChannel, type MessagePort } from 'node:worker_threads';

export interface PortLinker {
  /** host:port, as INFO and ROLE show the other side. */
  readonly address: string;
  /** Starts feeding a replica at the other end of `port` (a full sync first). */
  serve(port: MessagePort, replicaAddress: string): void;
  /** Follows the primary at the other end of `port`, or with null stops following and keeps the data. */
  follow(port: MessagePort | null, primaryAddress: string): void;
}

/** A Buffer over bytes that crossed a thread (structured clone makes Uint8Arrays of Buffers). */
export const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

const linkers = new WeakMap<object, PortLinker>();
const following = new WeakMap<object, object>();

export function registerLinker(node: object, linker: PortLinker): void {
  linkers.set(node, linker);
}

export function linkerOf(node: object): PortLinker | undefined {
  return linkers.get(node);
}

/** Makes `replica` follow `primary` across threads; asking again for the same pair changes nothing. */
export function linkOverPort(replica: object, primary: object): void {
  if (following.get(replica) === primary) return;
  const r = linkers.get(replica);
  const p = linkers.get(primary);
  if (r === undefined || p === undefined) throw new Error('replication between threads needs two nodes made by createRedisNode or createThreadedRedisNode');
  const { port1, port2 } = new MessageChannel();
  r.follow(port2, p.address);
  p.serve(port1, r.address);
  following.set(replica, primary);
}

/** `replica` no longer follows over a port (a promotion, or a primary in its own thread). */
export function unlinkPort(replica: object): void {
  if (!following.has(replica)) return;
  following.delete(replica);
  linkers.get(replica)?.follow(null, '');
}
