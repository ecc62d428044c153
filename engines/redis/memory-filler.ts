// The emulator's fill-memory fault: the node's used memory raised to a target, so that the next writes
// meet eviction or -OOM as on a full node. It is held as a ballast the engine adds to its accounting
// rather than as keys, so the application's SCAN, DBSIZE and snapshots show only its own data.
import type { Engine } from './engine.ts';

/** Raises used memory to `targetBytes` (never lowers it by this); 0 releases the ballast. */
export function fillMemory(engine: Engine, targetBytes: number): void {
  if (targetBytes <= 0) {
    engine.memoryBallast = 0;
    return;
  }
  engine.memoryBallast = 0;
  // Reached with the data alone: clients' buffers come and go, and a full node must stay full meanwhile.
  const used = engine.usedMemory();
  engine.memoryBallast = Math.max(0, targetBytes - (used - engine.clientMemory.counted - engine.clientMemory.aside));
}
