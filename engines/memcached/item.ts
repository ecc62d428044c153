import { ITEM_CAS_SIZE, ITEM_HEADER_SIZE, SLAB_CHUNK_MIN, SLAB_GROWTH_FACTOR, SLAB_PAGE_SIZE } from './limits.ts';

export interface Item {
  /** Key bytes as a latin1 string: one char per byte, so binary keys round-trip. */
  readonly key: string;
  value: Buffer;
  flags: number;
  /** Absolute Unix seconds; 0 = never expires. */
  exptime: number;
  cas: number;
  /** Unix seconds of the last store or bump: drives `la`, `age` and delayed flush. */
  time: number;
  /** Unix seconds when the item last moved to the LRU head. */
  bumped: number;
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
}

/** memcached's ntotal: header + CAS + key + NUL + value + CRLF (+ 4 bytes when flags are non-zero). */
export function itemSize(keyLength: number, valueLength: number, flags: number): number {
  return ITEM_HEADER_SIZE + ITEM_CAS_SIZE + keyLength + 1 + valueLength + 2 + (flags !== 0 ? 4 : 0);
}

/** Slab chunk sizes as memcached computes them with the default factor, for `stats slabs`/`stats items`. */
export function slabClassSizes(itemSizeMax: number): number[] {
  const sizes: number[] = [];
  const chunkMax = Math.min(itemSizeMax / 2, 512 * 1024);
  let size = SLAB_CHUNK_MIN;
  while (size <= chunkMax / SLAB_GROWTH_FACTOR && sizes.length < 62) {
    if (size % 8) size += 8 - (size % 8);
    sizes.push(size);
    size = Math.floor(size * SLAB_GROWTH_FACTOR);
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
