// Runs many seeds against a pair of servers and reports each difference with its shrunk reproduction.
import { runSequence, shrink, showCommand, type Difference, type Ports } from './compare.ts';
import { generate, type Sequence } from './generator.ts';

export interface Finding {
  seed: number;
  repro: Sequence;
  diff: Difference;
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
  log?: (line: string) => void;
}

export async function fuzz(ports: Ports, opts: FuzzOptions): Promise<FuzzReport> {
  const report: FuzzReport = { sequences: 0, commands: 0, findings: [] };
  for (const seed of opts.seeds) {
    const seq = generate(seed, opts.length);
    const r = await runSequence(ports, seq);
    report.sequences++;
    report.commands += r.ran;
    if (!r.diff) continue;
    let finding: Finding = { seed, repro: { ...seq, steps: seq.steps.slice(0, r.diff.index + 1) }, diff: r.diff };
    if (opts.shrink && r.diff.index >= 0) {
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
  if (f.repro.proto === 3) lines.push('  HELLO 3');
  for (const cmd of f.repro.steps) lines.push(`  ${showCommand(cmd)}`);
  lines.push(`  ours:  ${f.diff.ours}`, `  redis: ${f.diff.real}`);
  return lines.join('\n');
}
