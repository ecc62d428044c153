// XADD MAXLEN ~ on a stream of 1M entries drops a node from the front every ~100 writes: that must not
// move the whole entry array each time (it cost 3-10x a small stream's XADD per write).
import { expect, it } from 'vitest';
import { Stream } from '../../../engines/redis/types/stream.ts';
import { cpuMs } from '../../support/loop-hold.ts';
import { encodeCommand } from './helpers.ts';
import { trackedServers } from './tracked-servers.ts';

const { node, connect } = trackedServers();

/**
 * Writes a round: cpuMs (the loop thread's CPU) moves in 4 ms scheduler ticks, so a round must last far longer
 * than a tick. 5000 writes (12-18 ms) read 2.1-3.8 us a write for the same code, and a best of three picked the
 * lowest misreading (a fresh-clone run: 2.9 into 1000 entries against 9.0 into 1M).
 */
const WRITES = 40_000;

/** CPU ms per XADD MAXLEN ~ `size` into a stream already holding `size` entries, best of 3 rounds. */
async function cpuPerXadd(size: number): Promise<{ perWrite: number; length: string }> {
  const s = await node();
  const stream = new Stream();
  stream.entries = Array.from({ length: size }, (_, i) => ({ id: { ms: 1n, seq: BigInt(i) }, fields: ['f', 'v'] }));
  stream.lastId = { ms: 1n, seq: BigInt(size - 1) };
  stream.entriesAdded = BigInt(size);
  s.server.engine.ks.db(0).set('s', { type: 'stream', v: stream, mem: 0 });
  const c = await connect(s.port);
  const batch = Buffer.concat(Array.from({ length: WRITES }, () => encodeCommand(['XADD', 's', 'MAXLEN', '~', String(size), '*', 'f', 'v'])));
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = cpuMs();
    c.write(batch);
    for (let j = 0; j < WRITES; j++) await c.read();
    best = Math.min(best, (cpuMs() - t0) / WRITES);
  }
  return { perWrite: best, length: await c.call('XLEN', 's') };
}

it('XADD MAXLEN ~ into a stream of 1M entries costs about what it costs into one of 1000', async () => {
  const small = await cpuPerXadd(1000);
  const big = await cpuPerXadd(1_000_000);
  // Approximate trimming drops whole nodes only: the stream keeps at least its MAXLEN.
  expect(Number(big.length.slice(1))).toBeGreaterThanOrEqual(1_000_000);
  expect(Number(big.length.slice(1))).toBeLessThan(1_000_200);
  expect(big.perWrite, `${(small.perWrite * 1000).toFixed(1)} us into 1000 entries, ${(big.perWrite * 1000).toFixed(1)} us into 1M`).toBeLessThan(small.perWrite * 2);
});
