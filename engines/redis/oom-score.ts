// oom-score-adj in a bare engine, which owns its process as redis-server does (a node shares the
// emulator's process with every other node, so there the parameter is only stored). As redis-server's
// setOOMScoreAdj: the score found when the engine takes control is the base that `relative` (and `yes`)
// add to, and it is written back when oom-score-adj goes back to no.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Config } from './config.ts';
import { fail } from './errors.ts';

const PROC_FILE = '/proc/self/oom_score_adj';
const KEYS = ['oom-score-adj', 'oom-score-adj-values'];

/** The process's score before this engine changed it, or null while it has not (process-wide, as Redis's statics). */
let base: number | null = null;

/** Applies the parameters after CONFIG SET changed `keys`; throws CONFIG SET's error when the score cannot be written. */
export function applyOomScore(cfg: Config, keys: readonly string[], replica: boolean): void {
  const touched = keys.find((k) => KEYS.includes(k));
  if (touched === undefined) return;
  const mode = cfg.get('oom-score-adj') ?? 'no';
  try {
    let score: number;
    if (mode !== 'no') {
      base ??= Number.parseInt(readFileSync(PROC_FILE, 'latin1'), 10);
      const values = (cfg.get('oom-score-adj-values') ?? '0 200 800').split(' ').map(Number);
      score = (values[replica ? 1 : 0] as number) + (mode === 'absolute' ? 0 : base);
      score = Math.min(1000, Math.max(-1000, score));
    } else if (base !== null) {
      score = base;
      base = null;
    } else return;
    writeFileSync(PROC_FILE, `${score}\n`);
  } catch {
    fail(`ERR CONFIG SET failed (possibly related to argument '${touched}') - Failed to set current oom_score_adj. Check server logs.`);
  }
}
