// The random differential's generated scripts (tools/redis-fuzz/lua-gen.ts) never fill a table with
// itself: returned, a cyclic table is endless nesting, which redis-server 7.0.15 writes out until it
// is killed (seed 118508's `for i = 1, 5 do v1[i] = v1 end return v1` took down the run).
import { describe, expect, it } from 'vitest';
import { evalScript } from '../../../tools/redis-fuzz/lua-gen.ts';
import { generate } from '../../../tools/redis-fuzz/generator.ts';
import { mulberry32 } from './random.ts';

const FILL = /local (v\d+) = \{\}\nfor i = 1, \d do \1\[[^\]]*\] = (.*) end/g;

function selfFills(script: string): string[] {
  const out: string[] = [];
  for (const m of script.matchAll(FILL)) if (new RegExp(`\\b${m[1]}\\b`).test(m[2] as string)) out.push(m[0]);
  return out;
}

describe('fuzz harness: generated scripts', () => {
  it('fill no table with itself (20,000 scripts and seed 118508)', () => {
    const r = mulberry32(9);
    const found: string[] = [];
    let fills = 0;
    for (let i = 0; i < 20000; i++) {
      const s = evalScript(r, () => ['GET', 'k']);
      fills += [...s.matchAll(FILL)].length;
      found.push(...selfFills(s));
    }
    expect(fills).toBeGreaterThan(1000);
    const seq = generate(118508, 150);
    for (const step of seq.steps) for (const a of step) found.push(...selfFills(a));
    expect(found).toEqual([]);
  });
});
