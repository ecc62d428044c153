import type { Segment } from './lru.ts';
import { DEFAULT_CHUNK_SIZE, DEFAULT_GROWTH_FACTOR, DEFAULT_SLAB_CHUNK_MAX, ITEM_CAS_SIZE, ITEM_HEADER_SIZE, SLAB_PAGE_SIZE } from './limits.ts';

export interface Item {
  /** Key bytes as a latin1 string: one char per byte, so binary keys round-trip. */
  readonly key: string;
  value: Buffer;
  flags: number;
  /** Absolute Unix seconds; 0 = never expires. */
  exptime: number;
  cas: number;
  /** Unix seconds of the last link or bump: drives `la`, LRU ages and delayed flush. */
  time: number;
  fetched: boolean;
  /** Read since it last moved in the LRU: gets a second chance before eviction. */
  active: boolean;
  /** Marked by meta invalidation: served with X until replaced. */
  stale: boolean;
  /** A client already got the W (recache win) flag for this item. */
  tokenSent: boolean;
  /** Stored through a meta command with the b flag: `k` echoes it back in base64. */
  binaryKey: boolean;
  size: number;
  /** The slab class whose LRU holds the item: the class of its total size (the largest when chunked). */
  clsid: number;
  /** Which of the class's LRU queues (HOT, WARM, COLD, TEMP) holds it. */
  segment: Segment;
  /** Neighbours in that queue. */
  newer: Item | null;
  older: Item | null;
  /** Slab chunks the item occupies: its own (the header of a chunked item), then value chunks. */
  chunks: number[];
}

/** memcached's ntotal: header + CAS + key + NUL + value + CRLF (+ 4 bytes when flags are non-zero). */
export function itemSize(keyLength: number, valueLength: number, flags: number, withCas = true): number {
  // Under -C memcached leaves the 8-byte CAS out of every item.
  return ITEM_HEADER_SIZE + (withCas ? ITEM_CAS_SIZE : 0) + keyLength + 1 + valueLength + 2 + (flags !== 0 ? 4 : 0);
}

export interface SlabGeometry {
  /** -n: key+value bytes the smallest chunk holds beyond the 48-byte item header. */
  chunkSize: number;
  /** -f: each class's chunk is this much larger than the previous one. */
  growthFactor: number;
  /** The largest chunk (-o slab_chunk_max); 0 = memcached's default for the item size limit. */
  slabChunkMax: number;
}

export const DEFAULT_GEOMETRY: SlabGeometry = { chunkSize: DEFAULT_CHUNK_SIZE, growthFactor: DEFAULT_GROWTH_FACTOR, slabChunkMax: 0 };

/** The largest chunk: 512 KiB (half a slab page), never more than -I, unless set. */
export function slabChunkMax(itemSizeMax: number, geometry: SlabGeometry): number {
  return geometry.slabChunkMax > 0 ? geometry.slabChunkMax : Math.min(itemSizeMax, DEFAULT_SLAB_CHUNK_MAX);
}

/** Slab chunk sizes as memcached's slabs_init computes them: 8-byte aligned, growing by -f, up to 63 classes. */
export function slabClassSizes(itemSizeMax: number, geometry: SlabGeometry = DEFAULT_GEOMETRY): number[] {
  const sizes: number[] = [];
  const chunkMax = slabChunkMax(itemSizeMax, geometry);
  let size = ITEM_HEADER_SIZE + geometry.chunkSize;
  while (size < chunkMax / geometry.growthFactor && sizes.length < 62) {
    if (size % 8) size += 8 - (size % 8);
    sizes.push(size);
    size = Math.floor(size * geometry.growthFactor);
  }
  sizes.push(chunkMax);
  return sizes;
}

export function slabClassOf(sizes: number[], ntotal: number): number {
  for (let i = 0; i < sizes.length; i++) if (ntotal <= sizes[i]!) return i + 1;
  return sizes.length;
}

export function chunksPerPage(chunkSize: number): number {
  return Math.floor(SLAB_PAGE_SIZE / chunkSize);
}
