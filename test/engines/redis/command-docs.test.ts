// COMMAND INFO, DOCS, LIST, COUNT, GETKEYS and GETKEYSANDFLAGS against redis-server 7.0, for every
// command the engine implements (their order inside a reply is Redis's random dict order, so
// subcommands are compared sorted; containers are compared on the subcommands we implement).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { differential, RawClient, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** A parsed reply: maps become [key, value][] under `map`, sets keep their tag so RESP3 shapes count. */
type V = string | number | null | { err: string } | { simple: string } | V[] | { set: V[] } | { map: [V, V][] };

function parse(b: string, p = 0): [V, number] {
  const nl = b.indexOf('\r\n', p);
  const t = b[p];
  const line = b.slice(p + 1, nl);
  let q = nl + 2;
  if (t === '+') return [{ simple: line }, q];
  if (t === '-') return [{ err: line }, q];
  if (t === ':') return [Number(line), q];
  if (t === '_') return [null, q];
  if (t === '$') return Number(line) < 0 ? [null, q] : [b.slice(q, q + Number(line)), q + Number(line) + 2];
  const n = Number(line);
  if (n < 0) return [null, q];
  const items: V[] = [];
  for (let i = 0; i < (t === '%' ? 2 * n : n); i++) {
    const [v, next] = parse(b, q);
    items.push(v);
    q = next;
  }
  if (t === '~') return [{ set: items }, q];
  if (t === '%') return [{ map: Array.from({ length: n }, (_, i) => [items[2 * i] as V, items[2 * i + 1] as V]) }, q];
  return [items, q];
}

const key = (v: V): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** COMMAND INFO entry with its subcommands limited to `keep` and sorted. */
function normInfo(entry: V, keep: Set<string>): V {
  // A command without subcommands has an empty set there in RESP3, compared as it is.
  if (!Array.isArray(entry) || !Array.isArray(entry[9])) return entry;
  const subs = (entry[9] as V[]).filter((s) => keep.has((s as V[])[0] as string)).map((s) => normInfo(s, keep));
  subs.sort((a, b) => key((a as V[])[0] as V).localeCompare(key((b as V[])[0] as V)));
  return [...entry.slice(0, 9), subs];
}

/** COMMAND DOCS body (map, or flat array in RESP2) with its subcommands limited and sorted. */
function normDocs(body: V, keep: Set<string>): V {
  const pairs: [V, V][] = Array.isArray(body) ? Array.from({ length: body.length / 2 }, (_, i) => [body[2 * i] as V, body[2 * i + 1] as V]) : (body as { map: [V, V][] }).map;
  return pairs.map(([k, v]) => {
    if (k !== 'subcommands') return [k, v];
    const subs = Array.isArray(v) ? Array.from({ length: v.length / 2 }, (_, i) => [v[2 * i] as V, v[2 * i + 1] as V] as [V, V]) : (v as { map: [V, V][] }).map;
    const kept = subs.filter(([n]) => keep.has(n as string)).map(([n, d]) => [n, normDocs(d, keep)] as V);
    return [k, kept.sort((a, b) => key((a as V[])[0] as V).localeCompare(key((b as V[])[0] as V)))];
  });
}

interface DocArg {
  name: string;
  type: string;
  token?: string;
  flags?: string[];
  arguments?: DocArg[];
}

/** A call built from a command's documented arguments: `optional` decides the optional ones, `pick` which branch of a oneof. */
function callFrom(args: DocArg[], optional: boolean, pick: 'first' | 'last'): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a.flags?.includes('optional') && !optional) continue;
    if (a.token !== undefined) out.push(a.token);
    switch (a.type) {
      case 'key':
        out.push(`{k}${a.name}${out.length}`);
        break;
      case 'integer':
        out.push('1');
        break;
      case 'double':
        out.push('1.5');
        break;
      case 'unix-time':
        out.push('100');
        break;
      case 'pure-token':
        break;
      case 'oneof': {
        const subs = a.arguments ?? [];
        out.push(...callFrom([(pick === 'first' ? subs[0] : subs[subs.length - 1]) as DocArg], optional, pick));
        break;
      }
      case 'block':
        out.push(...callFrom(a.arguments ?? [], optional, pick));
        break;
      default:
        out.push('v');
    }
  }
  return out;
}

const data = JSON.parse(readFileSync(new URL('../../../engines/redis/command-docs.json', import.meta.url), 'utf8')) as {
  commands: Record<string, { docs: { arguments?: DocArg[] } }>;
};

describe.skipIf(!available)('COMMAND metadata as redis-server 7.0', () => {
  const pair = serverPair();
  let a: RawClient;
  let b: RawClient;
  let names: string[];
  beforeAll(async () => {
    a = await RawClient.connect(pair.ours.port);
    b = await RawClient.connect(pair.real.port);
    names = (parse(await a.call('COMMAND', 'LIST'))[0] as string[]).filter((n) => n in data.commands);
  });
  afterAll(async () => {
    a?.close();
    b?.close();
  });

  it('COMMAND COUNT is the number of commands implemented, and each is one COMMAND entry', async () => {
    const count = parse(await a.call('COMMAND', 'COUNT'))[0];
    expect(count).toBe(pair.ours.server.engine.table.size);
    expect((parse(await a.call('COMMAND'))[0] as V[]).length).toBe(count);
    const all = parse(await a.call('COMMAND', 'LIST'))[0] as string[];
    const realAll = new Set(parse(await b.call('COMMAND', 'LIST'))[0] as string[]);
    // Nothing beyond 7.0: the Redis 7.2 CLIENT subcommands (SETINFO, NO-TOUCH) are a Valkey node's only.
    expect(all.filter((n) => !realAll.has(n))).toEqual([]);
  });

  for (const proto of [2, 3] as const) {
    it(`COMMAND INFO and COMMAND DOCS of every implemented command (RESP${proto})`, async () => {
      const keep = new Set(names);
      await a.call('HELLO', String(proto));
      await b.call('HELLO', String(proto));
      const diffs: string[] = [];
      for (const n of names) {
        const [x, y] = [parse(await a.call('COMMAND', 'INFO', n))[0] as V[], parse(await b.call('COMMAND', 'INFO', n))[0] as V[]];
        if (key(normInfo(x[0] as V, keep)) !== key(normInfo(y[0] as V, keep))) diffs.push(`INFO ${n}: ${key(x)} vs ${key(y)}`);
        const [dx, dy] = [parse(await a.call('COMMAND', 'DOCS', n))[0], parse(await b.call('COMMAND', 'DOCS', n))[0]];
        const body = (d: V): V => (Array.isArray(d) ? (d[1] as V) : ((d as { map: [V, V][] }).map[0] as [V, V])[1]);
        if (key(normDocs(body(dx), keep)) !== key(normDocs(body(dy), keep))) diffs.push(`DOCS ${n}: ${key(dx).slice(0, 300)} vs ${key(dy).slice(0, 300)}`);
      }
      expect(diffs).toEqual([]);
    });
  }

  it('COMMAND GETKEYS and GETKEYSANDFLAGS of calls built from every command\'s documented arguments', async () => {
    const calls: string[][] = [];
    for (const n of names) {
      const prefix = n.split('|');
      const args = data.commands[n]?.docs.arguments ?? [];
      for (const [opt, pick] of [[true, 'first'], [false, 'first'], [true, 'last']] as const) calls.push([...prefix, ...callFrom(args, opt, pick)]);
    }
    const diffs: string[] = [];
    for (const call of calls) {
      for (const sub of ['GETKEYS', 'GETKEYSANDFLAGS']) {
        const [x, y] = [await a.call('COMMAND', sub, ...call), await b.call('COMMAND', sub, ...call)];
        if (x !== y) diffs.push(`${sub} ${call.join(' ')}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
      }
    }
    expect(diffs).toEqual([]);
  });

  it('GETKEYSANDFLAGS edge cases: numkeys that are not numbers, keywords, errors', async () => {
    const cmds = script(`
      COMMAND GETKEYSANDFLAGS ZUNIONSTORE d 1x k
      COMMAND GETKEYSANDFLAGS ZUNIONSTORE d abc k
      COMMAND GETKEYSANDFLAGS ZUNIONSTORE d 0 k
      COMMAND GETKEYSANDFLAGS ZUNIONSTORE d -1 k
      COMMAND GETKEYSANDFLAGS ZUNIONSTORE d 3 a b
      COMMAND GETKEYSANDFLAGS ZUNIONSTORE d " 2" a b
      COMMAND GETKEYSANDFLAGS ZINTERCARD 01 a
      COMMAND GETKEYSANDFLAGS EVAL s 0
      COMMAND GETKEYSANDFLAGS EVAL s 2 a
      COMMAND GETKEYSANDFLAGS EVAL s 1 a b c
      COMMAND GETKEYSANDFLAGS EVAL_RO s 1 a
      COMMAND GETKEYSANDFLAGS FCALL f 0 x
      COMMAND GETKEYSANDFLAGS FCALL_RO f 2 a b
      COMMAND GETKEYSANDFLAGS SORT k BY x STORE d GET # LIMIT 0 1 STORE e
      COMMAND GETKEYSANDFLAGS SORT k STORE
      COMMAND GETKEYSANDFLAGS SORT_RO k BY x
      COMMAND GETKEYSANDFLAGS MIGRATE h p "" 0 5 KEYS a b
      COMMAND GETKEYSANDFLAGS MIGRATE h p k 0 5 KEYS a b
      COMMAND GETKEYSANDFLAGS MIGRATE h p "" 0 5 AUTH keys KEYS a
      COMMAND GETKEYSANDFLAGS MIGRATE h p "" 0 5 AUTH2 u keys KEYS a
      COMMAND GETKEYSANDFLAGS XREAD STREAMS a b c d
      COMMAND GETKEYSANDFLAGS XREAD STREAMS a
      COMMAND GETKEYSANDFLAGS XREAD COUNT 1 BLOCK 0 STREAMS a 0
      COMMAND GETKEYSANDFLAGS XREAD STREAMS streams streams 0 0
      COMMAND GETKEYSANDFLAGS XREADGROUP GROUP g c STREAMS s 0
      COMMAND GETKEYSANDFLAGS XREADGROUP GROUP g c NOACK STREAMS a b 0 0
      COMMAND GETKEYSANDFLAGS XREADGROUP GROUP STREAMS c STREAMS a 0
      COMMAND GETKEYSANDFLAGS GEORADIUS k 0 0 1 m STORE d
      COMMAND GETKEYSANDFLAGS GEORADIUS k 0 0 1 m STORE
      COMMAND GETKEYSANDFLAGS GEORADIUS k 0 0 1 m STORE d STOREDIST e x
      COMMAND GETKEYSANDFLAGS GEORADIUSBYMEMBER k m 1 km STOREDIST d
      COMMAND GETKEYSANDFLAGS SET k v GET
      COMMAND GETKEYSANDFLAGS SET k v get EX 1
      COMMAND GETKEYSANDFLAGS SET k v GETX
      COMMAND GETKEYSANDFLAGS BITFIELD k GET u8 0
      COMMAND GETKEYSANDFLAGS BITFIELD k GET u8
      COMMAND GETKEYSANDFLAGS BITFIELD k OVERFLOW WRAP GET u8 0 SET u8 0 1
      COMMAND GETKEYSANDFLAGS BITFIELD_RO k GET u8 0
      COMMAND GETKEYSANDFLAGS LMPOP 2 a b LEFT
      COMMAND GETKEYSANDFLAGS BLMPOP 0 2 a b LEFT
      COMMAND GETKEYSANDFLAGS BZMPOP 0 x a MIN
      COMMAND GETKEYSANDFLAGS MSET a 1 b 2
      COMMAND GETKEYSANDFLAGS MSET a 1 b
      COMMAND GETKEYSANDFLAGS DEL a b c
      COMMAND GETKEYSANDFLAGS RENAME a b
      COMMAND GETKEYSANDFLAGS SMOVE a b m
      COMMAND GETKEYSANDFLAGS NOPE x
      COMMAND GETKEYSANDFLAGS CONFIG GET x
      COMMAND GETKEYSANDFLAGS CONFIG NOPE x
      COMMAND GETKEYSANDFLAGS MEMORY USAGE k
      COMMAND GETKEYSANDFLAGS XINFO STREAM k FULL
      COMMAND GETKEYSANDFLAGS OBJECT ENCODING k
      COMMAND GETKEYSANDFLAGS GET
      COMMAND GETKEYSANDFLAGS GET a b
      COMMAND GETKEYSANDFLAGS PING x
      COMMAND GETKEYSANDFLAGS PUBLISH c m
      COMMAND GETKEYSANDFLAGS SPUBLISH c m
      COMMAND GETKEYSANDFLAGS SSUBSCRIBE a b
      COMMAND GETKEYS get k
      COMMAND GETKEYS
      COMMAND GETKEYS get
      COMMAND INFO nosuch get|x config| CONFIG|GET a|b|c
      COMMAND INFO ""
      COMMAND DOCS nosuch
      COMMAND LIST x
      COMMAND LIST FILTERBY aclcat
      COMMAND LIST FILTERBY nope x
      COMMAND LIST FILTERBY module x
      COMMAND LIST FILTERBY aclcat nosuch
      COMMAND HELP
      COMMAND COUNT x
      COMMAND NOPE
    `);
    const results = await differential(pair.ours.port, pair.real.port, cmds);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  });

  it('COMMAND LIST FILTERBY ACLCAT and PATTERN list what redis-server lists, restricted to ours', async () => {
    const mine = new Set(parse(await a.call('COMMAND', 'LIST'))[0] as string[]);
    const theirs = new Set(parse(await b.call('COMMAND', 'LIST'))[0] as string[]);
    const filters = [['ACLCAT', 'hash'], ['ACLCAT', 'WRITE'], ['ACLCAT', 'scripting'], ['ACLCAT', 'connection'], ['PATTERN', 'z*'], ['PATTERN', 'CONFIG|*'], ['PATTERN', '*|help'], ['PATTERN', 'x[ai]*']];
    for (const f of filters) {
      const x = (parse(await a.call('COMMAND', 'LIST', 'FILTERBY', ...f))[0] as string[]).filter((n) => theirs.has(n)).sort();
      const y = (parse(await b.call('COMMAND', 'LIST', 'FILTERBY', ...f))[0] as string[]).filter((n) => mine.has(n)).sort();
      expect(x, f.join(' ')).toEqual(y);
    }
  });
});
