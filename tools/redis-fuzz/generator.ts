// A seeded sequence of commands: families drawn by weight, a share of them mutated into wrong
// arities and odd arguments. The same seed always gives the same sequence.
import { mulberry32, pick } from '../../test/engines/redis/random.ts';
import { FAMILIES, NO_MUTATE } from './families.ts';
import { BINARY, float, int, type Rnd } from './values.ts';

export interface Sequence {
  seed: number;
  /** RESP version the sequence starts in (HELLO 3 is sent first for 3). */
  proto: 2 | 3;
  /** A connection in MONITOR mode hears the sequence (session.ts); even seeds, so no draw changes. */
  monitor: boolean;
  steps: string[][];
}

const FAMILY_NAMES = Object.keys(FAMILIES);
const TOTAL_WEIGHT = FAMILY_NAMES.reduce((s, n) => s + (FAMILIES[n]?.weight ?? 0), 0);

function family(r: Rnd): string {
  let x = r() * TOTAL_WEIGHT;
  for (const n of FAMILY_NAMES) {
    x -= FAMILIES[n]?.weight ?? 0;
    if (x < 0) return n;
  }
  return FAMILY_NAMES[0] as string;
}

// A relative expiry a mutation makes small and positive ('PSETEX k 1 v') fires between two steps at a
// moment of each server's own (seed 7397): these commands get only replacements that are no such time.
const TIMED = new Set(['SET', 'SETEX', 'PSETEX', 'GETEX', 'EXPIRE', 'PEXPIRE', 'RESTORE']);

const HARNESS_PARAMS = /^(port|bind|unixsocket|dir|maxclients|timeout|requirepass|save|appendonly|maxmemory|tls-port)$/i;

/** Wrong arities, lower-case names and odd bytes in place of an argument. */
function mutate(r: Rnd, cmd: string[]): string[] {
  const out = cmd.slice();
  const what = r();
  // COMMAND DOCS/INFO without a name lists the whole table, which differs by design (README). SPOP
  // is in NO_MUTATE: with a count below the set's size it pops random members.
  if (what < 0.25 && out.length > 1 && out[0] !== 'COMMAND') out.pop();
  else if (what < 0.45) out.push(pick(r, ['x', '', '1', 'EXTRA']));
  else if (what < 0.6) out[0] = (out[0] as string).toLowerCase();
  else if (out.length > 1) {
    const at = 1 + Math.floor(r() * (out.length - 1));
    // Every draw is made whatever the command, so the seeds' sequences stay as they were.
    const [i, f] = [int(r), float(r)];
    const timed = TIMED.has(out[0] as string);
    out[at] = pick(r, [timed ? '-1' : i, timed ? '1.5' : f, '', pick(r, BINARY), 'x'.repeat(1 + Math.floor(r() * 3))]);
    // A parameter the harness relies on keeps its refused value: `CONFIG SET port x` mutated to
    // `port 0` closed redis-server's listener (docs seeds 203712/203713).
    if (/^config$/i.test(out[0] as string) && /^set$/i.test(out[1] ?? '') && HARNESS_PARAMS.test(out[at - 1] ?? '')) out[at] = cmd[at] as string;
  }
  return out;
}

/** `only`: the focus families are drawn from these (a run aimed at some families); the rest as ever. */
export function generate(seed: number, length: number, only: readonly string[] = []): Sequence {
  const r = mulberry32(seed);
  const proto: 2 | 3 = r() < 0.35 ? 3 : 2;
  // Each sequence leans on a few families so keys reach deep states instead of staying shallow.
  const focus = [family(r), family(r)].map((f) => (only.length > 0 ? pick(r, only) : f));
  const steps: string[][] = [];
  while (steps.length < length) {
    const fam = r() < 0.6 ? pick(r, focus) : family(r);
    const gens = FAMILIES[fam]?.gens ?? [];
    let cmd = pick(r, gens)(r);
    if (r() < 0.08 && !NO_MUTATE.has(cmd[0] as string)) cmd = mutate(r, cmd);
    steps.push(cmd);
  }
  return { seed, proto, monitor: seed % 2 === 0, steps };
}
