// Runs a sequence on both servers side by side and finds the first step whose outcome differs;
// shrinks a failing sequence to a short one that still differs at the same command.
import { XRESTORE } from './families-more.ts';
import type { Sequence } from './generator.ts';
import { Session } from './session.ts';
import { skiplistAgrees, SKIPLIST_MEMORY } from './normalize-wide.ts';

export interface Difference {
  index: number;
  cmd: string[];
  ours: string;
  real: string;
}

export interface RunResult {
  /** Steps sent to each server (up to and including a difference). */
  ran: number;
  diff: Difference | null;
}

export interface Ports {
  ours: number;
  real: number;
  /** Hears of each step before it is sent (the watchdog that reports a stalled run). */
  onStep?: (seed: number, step: number, cmd: readonly string[]) => void;
}

/** A server gave no reply at all (it crashed or hangs): the rest of the run needs it back first. */
export function stoppedAnswering(d: Difference): boolean {
  return /<no reply|<subscriber silent>|<main neither answered/.test(`${d.ours}\n${d.real}`);
}

export async function runSequence(ports: Ports, seq: Sequence): Promise<RunResult> {
  const opened = await Promise.allSettled([Session.open(ports.ours, seq.proto, seq.monitor), Session.open(ports.real, seq.proto, seq.monitor)]);
  const [a, b] = opened.map((o) => (o.status === 'fulfilled' ? o.value : null));
  if (!a || !b) {
    a?.session.close();
    b?.session.close();
    throw (opened.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason;
  }
  try {
    if (a.hello !== b.hello) return { ran: 0, diff: { index: -1, cmd: ['HELLO', '3'], ours: a.hello ?? '', real: b.hello ?? '' } };
    for (let i = 0; i < seq.steps.length; i++) {
      const cmd = seq.steps[i] as string[];
      ports.onStep?.(seq.seed, i, cmd);
      // Both servers restore what redis-server dumped: our loader meets redis-server's encodings.
      // Both peers DUMP, so CLIENT LIST shows the same last command on each.
      const sent = cmd[0] === XRESTORE ? ['RESTORE', cmd[2] as string, '0', (await Promise.all([b.session.dump(cmd[1] as string), a.session.dump(cmd[1] as string)]))[0], ...cmd.slice(3)] : cmd;
      const [x, y] = await Promise.all([a.session.step(sent), b.session.step(sent)]);
      if (!sameOutcome(x.text, y.text)) return { ran: i + 1, diff: { index: i, cmd, ours: x.text, real: y.text } };
      if (x.dead) return { ran: i + 1, diff: null };
    }
    return { ran: seq.steps.length, diff: null };
  } finally {
    a.session.close();
    b.session.close();
  }
}

const SKIPLIST_FIGURE = new RegExp(`${SKIPLIST_MEMORY}(\\d+)`, 'g');

/** Outcomes agree when equal, or equal but for skiplist MEMORY USAGE figures that skiplistAgrees. */
export function sameOutcome(ours: string, real: string): boolean {
  if (ours === real) return true;
  const a = [...ours.matchAll(SKIPLIST_FIGURE)].map((m) => Number(m[1]));
  const b = [...real.matchAll(SKIPLIST_FIGURE)].map((m) => Number(m[1]));
  if (a.length === 0 || a.length !== b.length) return false;
  if (ours.replace(SKIPLIST_FIGURE, SKIPLIST_MEMORY) !== real.replace(SKIPLIST_FIGURE, SKIPLIST_MEMORY)) return false;
  return a.every((n, i) => skiplistAgrees(n, b[i] as number));
}

const nameOf = (cmd: readonly string[]): string => (cmd[0] ?? '').toUpperCase();

/**
 * Delta debugging over the steps: drop chunks (halves, then quarters, ...) while the sequence
 * still differs at a command of the same name. Bounded by maxRuns sequence runs.
 */
export async function shrink(ports: Ports, seq: Sequence, diff: Difference, maxRuns = 400): Promise<{ seq: Sequence; diff: Difference; runs: number }> {
  const target = nameOf(diff.cmd);
  let best = { ...seq, steps: seq.steps.slice(0, diff.index + 1) };
  let bestDiff = diff;
  let runs = 0;
  const stillFails = async (steps: string[][]): Promise<Difference | null> => {
    runs++;
    const r = await runSequence(ports, { ...seq, steps });
    return r.diff && nameOf(r.diff.cmd) === target ? r.diff : null;
  };
  let chunk = Math.max(1, Math.floor(best.steps.length / 2));
  while (runs < maxRuns) {
    let removed = false;
    for (let start = 0; start < best.steps.length && runs < maxRuns; ) {
      const candidate = best.steps.slice(0, start).concat(best.steps.slice(start + chunk));
      const d = candidate.length > 0 ? await stillFails(candidate) : null;
      if (d) {
        best = { ...best, steps: candidate.slice(0, d.index + 1) };
        bestDiff = d;
        removed = true;
      } else start += chunk;
    }
    if (!removed) {
      if (chunk === 1) break;
      chunk = Math.max(1, Math.floor(chunk / 2));
    }
  }
  return { seq: best, diff: bestDiff, runs };
}

/** A step as one line a person can paste into redis-cli (quoted where needed, bytes escaped). */
export function showCommand(cmd: readonly string[]): string {
  return cmd
    .map((a) => {
      if (/^[\x21-\x7e]+$/.test(a) && !/["'\\]/.test(a)) return a;
      return `"${[...a].map((ch) => {
        const c = ch.charCodeAt(0);
        if (ch === '"' || ch === '\\') return `\\${ch}`;
        if (ch === '\n') return '\\n';
        if (ch === '\r') return '\\r';
        return c < 0x20 || c > 0x7e ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
      }).join('')}"`;
    })
    .join(' ');
}
