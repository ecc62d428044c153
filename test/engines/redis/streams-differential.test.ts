// Streams against real redis-server 7.0: scripted cases byte-for-byte, then a seeded random mix of
// every X* command. Explicit IDs keep entries deterministic; idle times and delivery times (which
// depend on when each server ran the command) are masked before comparing.
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { mulberry32, pick } from './random.ts';

const available = realRedisAvailable();

const BASICS = `
XADD s 1-1 a 1
XADD s 1-2 b 2
XADD s 2-* c 3
XADD s 2-* c 4
XADD s 0-0 x y
XADD s 1-1 x y
XADD s NOMKSTREAM 5-0 f v
XADD nope NOMKSTREAM 5-0 f v
XADD s MAXLEN 2 6-0 f v
XADD s MAXLEN = 2 7-0 f v
XADD s MAXLEN ~ 2 8-0 f v
XADD s MAXLEN 2 LIMIT 10 9-0 f v
XADD s MAXLEN ~ 2 LIMIT 10 9-0 f v
XADD s MAXLEN 1 MINID 1 10-0 f v
XADD s LIMIT 5 10-0 f v
XADD s LIMIT 0 10-0 f v
XADD s MINID 8 10-0 f v
XADD s MAXLEN -1 11-0 f v
XADD s MAXLEN abc 11-0 f v
XADD s MINID abc 11-0 f v
XADD s MINID - 11-0 f v
XADD s 11-0
XADD s 11-0 f
XADD s 11-x f v
XADD s + f v
XADD s 18446744073709551615-18446744073709551615 f v
XADD s 18446744073709551615-* f v
XRANGE s - +
XRANGE s (8-0 +
XRANGE s - (10-0
XRANGE s (18446744073709551615-18446744073709551615 +
XRANGE s - (0-0
XRANGE s - + COUNT 1
XRANGE s - + COUNT 0
XRANGE s - + COUNT -1
XRANGE nokey - + COUNT 0
XRANGE s - + COUNT 1 COUNT 2
XRANGE s - + COUNT
XRANGE s - + FOO 1
XREVRANGE s + - COUNT 2
XREVRANGE s (18446744073709551615-18446744073709551615 -
XREVRANGE s 9 8
XRANGE s ( +
XRANGE s (- +
XRANGE s - (+
XRANGE s 9 9
XRANGE s 10 9
XDEL s 8-0 99-0
XDEL s abc
XDEL nokey abc
XTRIM s MAXLEN 1
XTRIM s MAXLEN
XTRIM s FOO 1
XTRIM s LIMIT 1
XTRIM s MAXLEN 1 LIMIT 1
XTRIM nokey MAXLEN 1
XINFO STREAM s
XINFO STREAM nokey
SET str x
XADD str 1-1 a b
XLEN str
XRANGE str - +
XINFO STREAM str
XINFO FOO s
XSETID s 1-0
XSETID s 99999999999999999999-0
XSETID s 18446744073709551615-18446744073709551615 ENTRIESADDED 5 MAXDELETEDID 1-0
XSETID s 18446744073709551615-18446744073709551615 ENTRIESADDED -1
XSETID s 5-0 MAXDELETEDID 6-0
XSETID s 18446744073709551615-18446744073709551615 ENTRIESADDED 100 MAXDELETEDID 1-0
XSETID s 18446744073709551615-18446744073709551615 FOO
XSETID nokey 1-1
XINFO STREAM s
XADD s 1-1 f v
DEL s
XADD e 1-1 f v
XDEL e 1-1
XINFO STREAM e
XADD e 1-2 f v
XINFO STREAM e
`;

const GROUPS = `
XADD s 1-1 a 1
XADD s 1-2 b 2
XADD s 2-0 c 3
XADD s 3-0 d 4
XGROUP CREATE s g 0
XGROUP CREATE s g 0
XGROUP CREATE s g2 $ ENTRIESREAD 2
XGROUP CREATE s g3 0 ENTRIESREAD -5
XGROUP CREATE s g3 0 ENTRIESREAD abc
XGROUP CREATE nokey g 0
XGROUP CREATE nokey g 0 MKSTREAM
XGROUP CREATE nokey g 0 MKSTREAM
XGROUP CREATE s g4 badid
XGROUP CREATE s g5 0 FOO
XINFO GROUPS s
XREADGROUP GROUP g alice COUNT 2 STREAMS s >
XINFO GROUPS s
XREADGROUP GROUP g bob STREAMS s >
XREADGROUP GROUP g bob STREAMS s >
XREADGROUP GROUP g alice STREAMS s 0
XREADGROUP GROUP g alice STREAMS s 1-1
XREADGROUP GROUP g alice COUNT 1 STREAMS s 0
XREADGROUP GROUP g nobody STREAMS s 0
XREADGROUP GROUP nog alice STREAMS s >
XREADGROUP GROUP g alice STREAMS s
XREADGROUP GROUP g alice STREAMS s nokey > >
XREADGROUP GROUP g alice STREAMS s +
XREADGROUP GROUP g alice STREAMS s $
XREADGROUP GROUP g alice NOACK STREAMS s >
XREADGROUP GROUP g
XREADGROUP STREAMS s >
XPENDING s g
XPENDING s g IDLE 100000000 - + 10
XPENDING s g - + -1
XPENDING s g - + 0
XPENDING s g - +
XPENDING s g - + abc
XPENDING s g ( + 10
XPENDING s nog
XPENDING nokey g
XPENDING s g IDLE abc - + 10
XPENDING s g IDLE 10
XPENDING s g - + 10 nobody
XINFO GROUPS s
XDEL s 2-0
XINFO GROUPS s
XREADGROUP GROUP g bob STREAMS s 0
XACK s g 1-1 1-2
XACK s g 1-1
XACK s g abc
XACK s nog 1-1
XACK nokey g 1-1
XACK s g 1-1 abc
XCLAIM s g carol 0 2-0 3-0 JUSTID
XCLAIM s g carol 0 1-1 FORCE JUSTID
XCLAIM s g carol 0 9-9 FORCE JUSTID
XCLAIM s g carol 0 3-0 RETRYCOUNT 7 JUSTID
XCLAIM s g carol 0 3-0 TIME 0 JUSTID
XCLAIM s g carol 0 3-0 IDLE -5 JUSTID
XCLAIM s g carol 0 3-0 LASTID 99-0 JUSTID
XCLAIM s g carol 100000000 3-0
XINFO GROUPS s
XCLAIM s g carol 0 3-0 BOGUS
XCLAIM s g carol abc 3-0
XCLAIM s g carol -1 3-0 JUSTID
XCLAIM s g carol 0 badid
XCLAIM s g carol 0 + JUSTID
XCLAIM s nog carol 0 3-0
XCLAIM s g carol 0 3-0 RETRYCOUNT abc
XCLAIM s g carol 0 3-0 RETRYCOUNT
XCLAIM s g carol 0 3-0 IDLE abc
XCLAIM s g carol 0 3-0 TIME abc
XAUTOCLAIM s g dave 0 0 COUNT 1
XAUTOCLAIM s g dave 0 0
XAUTOCLAIM s g dave 100000000 0
XAUTOCLAIM s g dave 0 0 JUSTID
XAUTOCLAIM s g dave 0 0 COUNT 0
XAUTOCLAIM s g dave 0 0 COUNT 100000000000000000000
XAUTOCLAIM s g dave 0 badid
XAUTOCLAIM s g dave 0 (18446744073709551615-18446744073709551615
XAUTOCLAIM s g dave abc 0
XAUTOCLAIM s g dave -1 0 JUSTID
XAUTOCLAIM s nog dave 0 0
XAUTOCLAIM s g dave 0 0 FOO
XGROUP CREATECONSUMER s g erin
XGROUP CREATECONSUMER s g erin
XGROUP CREATECONSUMER s nog erin
XGROUP CREATECONSUMER nokey2 g erin
XGROUP DELCONSUMER s g dave
XGROUP DELCONSUMER s g nobody
XGROUP DELCONSUMER s nog nobody
XGROUP SETID s g 0
XGROUP SETID s g 0 ENTRIESREAD 1
XGROUP SETID s g $ ENTRIESREAD -3
XGROUP SETID s g $ ENTRIESREAD 99
XGROUP SETID s g 1-1 ENTRIESREAD
XGROUP SETID s g - FOO 1
XGROUP SETID s nog 0
XGROUP SETID nokey2 g 0
XINFO GROUPS s
XGROUP SETID s g 0
XREADGROUP GROUP g erin STREAMS s >
XPENDING s g
XGROUP DESTROY s g
XGROUP DESTROY s g
XGROUP DESTROY nokey2 g
XGROUP FOO
XGROUP
XGROUP HELP
XGROUP HELP x
XINFO HELP
XINFO GROUPS nokey2
XINFO CONSUMERS s nog
XINFO STREAM s FOO
XINFO STREAM s FULL COUNT
XINFO STREAM s FULL FOO 1
XINFO STREAM s FULL COUNT abc
XREAD STREAMS s 0
XREAD COUNT 1 STREAMS s 0
XREAD COUNT 0 STREAMS s 0
XREAD STREAMS s +
XREAD STREAMS s $
XREAD STREAMS s >
XREAD STREAMS s nokey 0 0
XREAD STREAMS nokey s 0 0
XREAD STREAMS s
XREAD STREAMS
XREAD BLOCK -1 STREAMS s 0
XREAD BLOCK abc STREAMS s 0
XREAD BLOCK 1.5 STREAMS s 0
XREAD COUNT abc STREAMS s 0
XREAD COUNT -1 STREAMS s 0
XREAD NOACK STREAMS s 0
XREAD GROUP g a STREAMS s 0
XREAD FOO STREAMS s 0
XREAD STREAMS str 0
SET str x
XREAD STREAMS str 0
XREADGROUP GROUP g a STREAMS str >
MULTI
XREAD BLOCK 0 STREAMS s $
XREADGROUP GROUP g2 a BLOCK 0 STREAMS s >
EXEC
`;

/** redis-server's own node layout decides what approximate trimming removes. */
function nodeLayout(): string[][] {
  const out: string[][] = [['CONFIG', 'SET', 'stream-node-max-entries', '10']];
  for (let j = 1; j <= 100; j++) out.push(['XADD', 's', `${j}-0`, 'xitem', 'v']);
  out.push(['XADD', 's', 'MAXLEN', '~', '55', 'LIMIT', '30', '101-0', 'xitem', 'v'], ['XLEN', 's']);
  out.push(['XADD', 's', 'MAXLEN', '~', '55', 'LIMIT', '30', '102-0', 'xitem', 'v'], ['XLEN', 's'], ['XINFO', 'STREAM', 's']);
  out.push(['XDEL', 's', '50-0', '51-0', '60-0'], ['XTRIM', 's', 'MAXLEN', '45'], ['XINFO', 'STREAM', 's']);
  out.push(['XTRIM', 's', 'MINID', '~', '75'], ['XINFO', 'STREAM', 's'], ['XTRIM', 's', 'MINID', '77'], ['XINFO', 'STREAM', 's']);
  out.push(['CONFIG', 'SET', 'stream-node-max-entries', '100']);
  for (let j = 1; j < 300; j++) out.push(['XADD', 't', `${j}-${j * 7}`, `f${j % 3}`, 'v'.repeat(j % 50), 'n', String(j * 1000)]);
  out.push(['XINFO', 'STREAM', 't'], ['XTRIM', 't', 'MAXLEN', '~', '100'], ['XINFO', 'STREAM', 't'], ['XTRIM', 't', 'MAXLEN', '~', '10', 'LIMIT', '0'], ['XINFO', 'STREAM', 't']);
  out.push(['CONFIG', 'SET', 'stream-node-max-bytes', '100']);
  for (let j = 1; j < 50; j++) out.push(['XADD', 'u', `${j * 1000000}-${j}`, `field${j % 2}`, 'x'.repeat(j % 20), '123456789', '-5']);
  out.push(['XINFO', 'STREAM', 'u'], ['XTRIM', 'u', 'MAXLEN', '~', '20'], ['XINFO', 'STREAM', 'u'], ['XDEL', 'u', '30000000-30'], ['XINFO', 'STREAM', 'u']);
  out.push(['CONFIG', 'SET', 'stream-node-max-bytes', '4096']);
  return out;
}

type R = string | null | R[];

/** Parses one RESP2/RESP3 reply into nested arrays (maps flattened), every scalar as text. */
function parseReply(text: string): R {
  let pos = 0;
  const line = (): string => {
    const nl = text.indexOf('\r\n', pos);
    const l = text.slice(pos, nl);
    pos = nl + 2;
    return l;
  };
  const one = (): R => {
    const l = line();
    const t = l[0] as string;
    const rest = l.slice(1);
    if (t === '$' || t === '=' || t === '!') {
      const n = Number(rest);
      if (n < 0) return null;
      const s = text.slice(pos, pos + n);
      pos += n + 2;
      return s;
    }
    if (t === '*' || t === '~' || t === '%' || t === '>') {
      let n = Number(rest);
      if (n < 0) return null;
      if (t === '%') n *= 2;
      const out: R[] = [];
      for (let i = 0; i < n; i++) out.push(one());
      return out;
    }
    if (t === '_') return null;
    return `${t}${rest}`;
  };
  return one();
}

/** Replaces the values that depend on the moment each server ran the command. */
function maskTimes(cmd: string[], reply: string): string {
  const name = cmd.map((x) => x.toUpperCase());
  const r = parseReply(reply);
  const maskAfter = (arr: R[], keys: string[]): void => {
    for (let i = 0; i + 1 < arr.length; i += 2) if (keys.includes(arr[i] as string)) arr[i + 1] = '<time>';
  };
  if (Array.isArray(r)) {
    if (name[0] === 'XPENDING' && cmd.length >= 6) for (const row of r) if (Array.isArray(row)) row[2] = '<time>';
    if (name[0] === 'XINFO' && name[1] === 'CONSUMERS') for (const m of r) if (Array.isArray(m)) maskAfter(m, ['idle']);
    if (name[0] === 'XINFO' && name[1] === 'STREAM' && name[3] === 'FULL') {
      const groups = r[r.indexOf('groups') + 1];
      for (const g of Array.isArray(groups) ? groups : []) {
        if (!Array.isArray(g)) continue;
        for (const row of (g[g.indexOf('pending') + 1] as R[]) ?? []) if (Array.isArray(row)) row[2] = '<time>';
        for (const cons of (g[g.indexOf('consumers') + 1] as R[]) ?? []) {
          if (!Array.isArray(cons)) continue;
          maskAfter(cons, ['seen-time']);
          for (const row of (cons[cons.indexOf('pending') + 1] as R[]) ?? []) if (Array.isArray(row)) row[1] = '<time>';
        }
      }
    }
  }
  return JSON.stringify(r);
}

function generate(seed: number, count: number): string[][] {
  const rnd = mulberry32(seed);
  const keys = ['s1', 's1', 's2', 'str'];
  const groups = ['g1', 'g1', 'g2'];
  const consumers = ['c1', 'c2', 'c3'];
  const k = () => pick(rnd, keys);
  const g = () => pick(rnd, groups);
  const cn = () => pick(rnd, consumers);
  const ms = () => String(1 + Math.floor(rnd() * 40));
  const id = () => pick(rnd, [`${ms()}-${Math.floor(rnd() * 3)}`, ms(), `${ms()}-${Math.floor(rnd() * 3)}`, '0-0', '0', '18446744073709551615-18446744073709551615', 'bad']);
  const bound = (start: boolean) => pick(rnd, [start ? '-' : '+', id(), `(${id()}`, id()]);
  const num = () => pick(rnd, ['0', '1', '2', '3', '5', '10', '-1', 'x']);
  const fields = () => (rnd() < 0.7 ? ['f', pick(rnd, ['1', 'v', '', 'hello'])] : ['a', '1', 'b', pick(rnd, ['2', 'xyz'])]);
  const trimSpec = (): string[] => {
    const s = pick(rnd, ['MAXLEN', 'MINID']);
    const out = [s];
    const mod = pick(rnd, ['', '~', '=']);
    if (mod !== '') out.push(mod);
    out.push(s === 'MAXLEN' ? pick(rnd, ['0', '1', '3', '8', '-1']) : id());
    if (rnd() < 0.3) out.push('LIMIT', pick(rnd, ['0', '2', '5', '-1']));
    return out;
  };
  const xaddId = () => pick(rnd, [`${ms()}-${Math.floor(rnd() * 3)}`, `${ms()}-*`, ms(), '0-0', `${ms()}-${Math.floor(rnd() * 3)}`]);
  const gens: (() => string[])[] = [
    () => ['XADD', k(), xaddId(), ...fields()],
    () => ['XADD', k(), xaddId(), ...fields()],
    () => ['XADD', k(), xaddId(), ...fields()],
    () => ['XADD', k(), ...(rnd() < 0.3 ? ['NOMKSTREAM'] : []), ...trimSpec(), xaddId(), ...fields()],
    () => ['XDEL', k(), id(), id()],
    () => ['XLEN', k()],
    () => ['XRANGE', k(), bound(true), bound(false), ...(rnd() < 0.5 ? ['COUNT', num()] : [])],
    () => ['XREVRANGE', k(), bound(false), bound(true), ...(rnd() < 0.5 ? ['COUNT', num()] : [])],
    () => ['XTRIM', k(), ...trimSpec()],
    () => ['XREAD', ...(rnd() < 0.5 ? ['COUNT', num()] : []), 'STREAMS', 's1', 's2', pick(rnd, [id(), '$', '0']), pick(rnd, [id(), '$', '0'])],
    () => ['XREADGROUP', 'GROUP', g(), cn(), ...(rnd() < 0.5 ? ['COUNT', num()] : []), ...(rnd() < 0.2 ? ['NOACK'] : []), 'STREAMS', k(), pick(rnd, ['>', '>', '0', id()])],
    () => ['XREADGROUP', 'GROUP', g(), cn(), 'STREAMS', 's1', 's2', pick(rnd, ['>', '0']), pick(rnd, ['>', '0'])],
    () => ['XACK', k(), g(), id(), id()],
    () => ['XPENDING', k(), g()],
    () => ['XPENDING', k(), g(), ...(rnd() < 0.3 ? ['IDLE', pick(rnd, ['0', '100000000'])] : []), bound(true), bound(false), num(), ...(rnd() < 0.4 ? [cn()] : [])],
    () => ['XCLAIM', k(), g(), cn(), pick(rnd, ['0', '100000000']), id(), id(), ...(rnd() < 0.5 ? ['JUSTID'] : []), ...(rnd() < 0.3 ? ['FORCE'] : []), ...(rnd() < 0.2 ? ['RETRYCOUNT', num()] : []), ...(rnd() < 0.2 ? ['LASTID', id()] : [])],
    () => ['XAUTOCLAIM', k(), g(), cn(), pick(rnd, ['0', '100000000']), bound(true), ...(rnd() < 0.6 ? ['COUNT', num()] : []), ...(rnd() < 0.5 ? ['JUSTID'] : [])],
    () => ['XGROUP', 'CREATE', k(), g(), pick(rnd, ['0', '$', id()]), ...(rnd() < 0.4 ? ['MKSTREAM'] : []), ...(rnd() < 0.3 ? ['ENTRIESREAD', num()] : [])],
    () => ['XGROUP', 'SETID', k(), g(), pick(rnd, ['0', '$', id()]), ...(rnd() < 0.4 ? ['ENTRIESREAD', num()] : [])],
    () => ['XGROUP', 'DESTROY', k(), g()],
    () => ['XGROUP', 'CREATECONSUMER', k(), g(), cn()],
    () => ['XGROUP', 'DELCONSUMER', k(), g(), cn()],
    () => ['XINFO', 'STREAM', k()],
    () => ['XINFO', 'STREAM', k(), 'FULL', ...(rnd() < 0.5 ? ['COUNT', num()] : [])],
    () => ['XINFO', 'GROUPS', k()],
    () => ['XINFO', 'CONSUMERS', k(), g()],
    () => ['XSETID', k(), id(), ...(rnd() < 0.3 ? ['ENTRIESADDED', num()] : []), ...(rnd() < 0.3 ? ['MAXDELETEDID', id()] : [])],
    () => ['DEL', k()],
  ];
  const out: string[][] = [['SET', 'str', 'x'], ['CONFIG', 'SET', 'stream-node-max-entries', pick(rnd, ['3', '5', '100'])]];
  while (out.length < count) {
    const cmd = pick(rnd, gens)();
    if (cmd[0] === 'DEL' && rnd() < 0.8) continue;
    out.push(cmd);
  }
  out.push(['XINFO', 'STREAM', 's1', 'FULL'], ['XINFO', 'STREAM', 's2', 'FULL'], ['CONFIG', 'SET', 'stream-node-max-entries', '100']);
  return out;
}

describe.skipIf(!available)('streams against redis-server 7.0', () => {
  const pair = serverPair();

  const compare = async (cmds: string[][], proto: 2 | 3) => {
    const results = await differential(pair.ours.port, pair.real.port, cmds, proto);
    return results
      .map((r, i) => ({ ...r, i, ours: maskTimes(cmds[i] as string[], r.ours), real: maskTimes(cmds[i] as string[], r.real) }))
      .filter((r) => r.ours !== r.real);
  };

  for (const proto of [2, 3] as const) {
    it(`scripted commands and errors over RESP${proto}`, async () => {
      expect(await compare(script(BASICS), proto)).toEqual([]);
      expect(await compare(script(GROUPS), proto)).toEqual([]);
    });
  }

  it('approximate trims and XINFO follow the macro-node layout', async () => {
    expect(await compare(nodeLayout(), 2)).toEqual([]);
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`random stream commands, seed ${seed}`, async () => {
      const cmds = generate(seed, 400);
      const diffs = await compare(cmds, seed % 2 === 0 ? 3 : 2);
      // The first difference with the commands that led to it on the same keys.
      const first = diffs[0];
      const context = first ? cmds.slice(Math.max(0, first.i - 30), first.i + 1).map((c) => c.join(' ')) : [];
      expect({ first, context }).toEqual({ first: undefined, context: [] });
    });
  }
});
