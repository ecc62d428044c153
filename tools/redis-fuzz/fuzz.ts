// Runs many seeds against a pair of servers and reports each difference with its shrunk reproduction.
import { runSequence, shrink, showCommand, stoppedAnswering, type Difference, type Ports, type RunResult } from './compare.ts';
import { generate, type Sequence } from './generator.ts';

export interface Finding {
  seed: number;
  repro: Sequence;
  diff: Difference;
  /** What the servers' check found after a step that got no reply (redis-server crashed and was restarted). */
  note?: string;
}

export interface FuzzReport {
  sequences: number;
  commands: number;
  findings: Finding[];
}

export interface FuzzOptions {
  seeds: readonly number[];
  length: number;
  shrink: boolean;
  /** Focus families to draw from (generator.ts); all when empty. */
  only?: readonly string[];
  log?: (line: string) => void;
  /**
   * Called when a server gave no reply or a sequence could not run: checks both servers and
   * brings back one that stopped answering (a crashed redis-server is started anew). Says what it
   * found, or null when both answer; throws when the run cannot go on.
   */
  recover?: () => Promise<string | null>;
}

// A server that fails this many seeds in a row is not coming back: the run ends.
const MAX_FAILED_IN_A_ROW = 3;

export async function fuzz(ports: Ports, opts: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { sequences: 0, commands: 0, findings: [] };
  let failedInARow = 0;
  for (const seed of opts.seeds) {
    const seq = generate(seed, opts.length, opts.only);
    let r: RunResult;
    try {
      r = await runSequence(ports, seq);
      failedInARow = 0;
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (!opts.recover || ++failedInARow >= MAX_FAILED_IN_A_ROW) throw err;
      const state = await opts.recover();
      const finding: Finding = { seed, repro: { ...seq, steps: [] }, diff: { index: -1, cmd: ['<sequence could not run>'], ours: why, real: state ?? 'both servers answer' } };
      report.findings.push(finding);
      opts.log?.(describe(finding));
      continue;
    }
    report.sequences++;
    report.commands += r.ran;
    if (!r.diff) continue;
    let finding: Finding = { seed, repro: { ...seq, steps: seq.steps.slice(0, r.diff.index + 1) }, diff: r.diff };
    // Shrinking would make a server that just crashed or hung do it again hundreds of times.
    const state = stoppedAnswering(r.diff) && opts.recover ? await opts.recover() : null;
    if (state !== null) finding = { ...finding, note: state };
    else if (opts.shrink && r.diff.index >= 0) {
      const s = await shrink(ports, seq, r.diff);
      finding = { seed, repro: s.seq, diff: s.diff };
    }
    report.findings.push(finding);
    opts.log?.(describe(finding));
  }
  return report;
}

export function describe(f: Finding): string {
  const lines = [`seed ${f.seed} (RESP${f.repro.proto}): differs at ${showCommand(f.diff.cmd)}`];
  if (f.repro.monitor) lines.push('  (a peer in MONITOR mode hears it)');
  if (f.repro.proto === 3) lines.push('  HELLO 3');
  for (const cmd of f.repro.steps) lines.push(`  ${showCommand(cmd)}`);
  lines.push(`  ours:  ${f.diff.ours}`, `  redis: ${f.diff.real}`);
  if (f.note) lines.push(`  (${f.note})`);
  return lines.join('\n');
}
