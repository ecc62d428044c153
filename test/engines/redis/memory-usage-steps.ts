// Runs a MEMORY USAGE scenario on both servers of a pair: each command on both, and at each
// { check } the figures of those keys with each SAMPLES variant; returns what differs.
import { RawClient } from './helpers.ts';
import type { ServerPair } from './server-pair.ts';

export type MemoryStep = string[] | { check: string[] };

export async function memoryDiffs(pair: ServerPair, steps: MemoryStep[], variants: string[][]): Promise<string[]> {
  const a = await RawClient.connect(pair.ours.port);
  const b = await RawClient.connect(pair.real.port);
  try {
    const diffs: string[] = [];
    let check = 0;
    for (const step of steps) {
      if (Array.isArray(step)) {
        const [x, y] = await Promise.all([a.call(...step), b.call(...step)]);
        if (x !== y) diffs.push(`${step.slice(0, 3).join(' ')}: ours ${x.slice(0, 60)} redis ${y.slice(0, 60)}`);
        continue;
      }
      check++;
      for (const key of step.check) {
        for (const extra of variants) {
          const [x, y] = await Promise.all([a.call('MEMORY', 'USAGE', key, ...extra), b.call('MEMORY', 'USAGE', key, ...extra)]);
          if (x !== y) diffs.push(`check ${check} ${key} ${extra.join(' ')}: ours ${x.trim()} redis ${y.trim()}`);
        }
      }
    }
    return diffs;
  } finally {
    a.close();
    b.close();
  }
}
