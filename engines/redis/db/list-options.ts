// The quicklist settings a new list of an engine takes: list-max-listpack-size and list-compress-depth
// as they are when it is made (redis-server keeps them per list), and the packed threshold DEBUG
// QUICKLIST-PACKED-THRESHOLD sets (process-wide in redis-server, so one per engine here).
import type { Engine } from '../engine.ts';
import { quicklistFill } from '../rdb/quicklist-fill.ts';
import { DEFAULT_PACKED_THRESHOLD, type PackedThreshold, type QuicklistOptions } from '../types/quicklist.ts';

const thresholds = new WeakMap<Engine, PackedThreshold>();

export function packedThresholdOf(e: Engine): PackedThreshold {
  let t = thresholds.get(e);
  if (t === undefined) {
    t = { bytes: DEFAULT_PACKED_THRESHOLD };
    thresholds.set(e, t);
  }
  return t;
}

/** quicklistSetCompressDepth's range. */
const compressDepth = (n: number): number => Math.min(Math.max(n, 0), 65535);

export function listOptionsOf(e: Engine): QuicklistOptions {
  return {
    fill: quicklistFill(Number(e.config.get('list-max-listpack-size'))),
    depth: compressDepth(Number(e.config.get('list-compress-depth'))),
    packed: packedThresholdOf(e),
  };
}
