// objectComputeSize of a stream in redis-server 7.0: the stream struct, its radix tree as
// streamRadixTreeMemoryUsage counts it (which drops the rax struct: `size =` where `+=` was meant),
// the listpacks' allocations (the first SAMPLES of them averaged, plus the last one), and per
// consumer group its struct, PEL tree and NACKs, per consumer its struct, name and PEL tree.
// Not matched: a stream loaded from RDB (DEBUG RELOAD, RESTORE) or copied, which ours lays out again
// from its live entries under today's node limits, where redis-server keeps the saved listpacks.
import type { NodeLimits, Stream, StreamId, StreamNode } from '../types/stream.ts';
import { countRax, nodeBytes } from '../types/stream.ts';
import { jemallocSize, ROBJ } from './memory-usage.ts';
import { PER_STEP, type Steps } from '../../slices.ts';

const STREAM = 80;
const STREAM_CG = 40;
const STREAM_NACK = 24;
const STREAM_CONSUMER = 24;
/** sizeof(raxNode) plus the "30 longs" of overhead Redis adds per node. */
const RAX_NODE = 4 + 8 * 30;
/** Past this many PEL ids the node count is estimated, so MEMORY USAGE stays one short turn. */
const EXACT_PEL = 4096;

function idKey(id: StreamId): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(id.ms, 0);
  b.writeBigUInt64BE(id.seq, 8);
  return b;
}

/** Nodes of a rax holding these stream IDs (unordered). */
function raxNodes(ids: Iterable<StreamId>, count: number): number {
  if (count === 0) return 1;
  // A rax of dense sequential IDs has about two nodes per key past the shared prefix.
  if (count > EXACT_PEL) return 2 * count;
  const keys = [...ids].map(idKey).sort(Buffer.compare);
  return countRax(keys, 0);
}

const raxUsage = (numele: number, numnodes: number): number => numele * 16 + numnodes * RAX_NODE;

/** zmalloc_size of a node's listpack: lpNew's capacity until it outgrows it, then its size's class. */
function listpackAlloc(n: StreamNode): number {
  const bytes = nodeBytes(n);
  const cap = n.prealloc === undefined ? 0 : jemallocSize(Math.max(n.prealloc, 7));
  return bytes <= cap ? cap : jemallocSize(bytes);
}

/** In steps: SAMPLES 0 sizes every node's listpack. */
export function* streamSize(s: Stream, limits: NodeLimits, samples: number): Steps<number> {
  const nodes = s.nodes(limits);
  let size = ROBJ + STREAM + raxUsage(nodes.length, s.raxNodeCount(limits));
  let lp = 0;
  let k = 0;
  for (; k < nodes.length && k < samples; k++) {
    lp += listpackAlloc(nodes[k] as StreamNode);
    if (k % PER_STEP === PER_STEP - 1) yield;
  }
  if (nodes.length <= k) size += lp;
  else size += Math.trunc(lp / k) * (nodes.length - 1) + listpackAlloc(nodes[nodes.length - 1] as StreamNode);
  for (const g of s.groups.values()) {
    size += STREAM_CG + raxUsage(g.pending.size, raxNodes((function* () { for (const p of g.pending.values()) yield p.id; })(), g.pending.size));
    size += STREAM_NACK * g.pending.size;
    for (const c of g.consumers.values()) {
      size += STREAM_CONSUMER + Buffer.byteLength(c.name, 'latin1');
      size += raxUsage(c.pending.size, raxNodes((function* () { for (const p of c.pending.values()) yield p.id; })(), c.pending.size));
    }
  }
  return size;
}
