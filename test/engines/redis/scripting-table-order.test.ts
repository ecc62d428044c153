// Scripts see Lua 5.1's table order, against redis-server 7.0: what `pairs` visits and in which
// order (array part, then hash nodes as 5.1 places them after collisions, deletions and rehashes),
// what cjson.encode and cmsgpack.pack write for objects, where `#t` stops on a table with holes,
// and the order of the `redis` table's own fields.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const KEYS_OF = " local r = {'#' .. #t} for k, v in pairs(t) do r[#r+1] = type(k) .. ':' .. tostring(k) end return r";

const FIXED = [
  'return cjson.encode({a=1,b=2,c=3,d=4,e=5})',
  'local t = {} t.z=1 t.y=2 t.x=3 t.w=4 t.v=5' + KEYS_OF,
  'local t = {x=1, 10, 20, [5]=3, [2.5]=1, [true]=1, [-1]=0, [0]=0}' + KEYS_OF,
  "local t = {} for i=1,200 do t['k'..i]=i end for i=1,200,3 do t['k'..i]=nil end for i=1,50 do t['n'..i]=i end" + KEYS_OF,
  'local function f(...) return {...} end local t = f(1, 2, 3, 4, 5) t.x = 1 t[9] = 1' + KEYS_OF,
  "local t = {} for i=1,120 do t[i]=i end t.x=1 t[130]=1 t[125]=nil" + KEYS_OF,
  'local t = {1, 2, nil, 4}' + KEYS_OF,
  'local t = {nil, nil, 3}' + KEYS_OF,
  'local t = {} t[1]=1 t[2]=2 t[4]=4 t[8]=8 t[3]=nil' + KEYS_OF,
  'local t = {a=1, b=2} t.a=nil t.c=3 t.a=4' + KEYS_OF,
  "local t = {} for _, k in ipairs({'q','w','e','r','t','y'}) do t[k] = true end for k in pairs(t) do t[k] = nil end t.u = 1" + KEYS_OF,
  'return cjson.encode(cjson.decode(\'{"zeta":1,"alpha":{"b":1,"a":2,"c":[1,2,{"y":1,"x":2}]},"mid":true}\'))',
  "return cmsgpack.pack({b=1, a=2, c=3, dd=4, [10]=5})",
  'local r = {} for k in pairs(redis) do r[#r+1] = k end return r',
  // Distinct keys whose bytes read alike in unpadded hex (fengari's string key: "|123", "|ff1") stay apart.
  'local t = {} t["\\1\\35"] = 1 t["\\255\\1"] = 2 return {tostring(t["\\18\\3"]), tostring(t["\\15\\241"]), t["\\1\\35"], t["\\255\\1"]}',
  'local t = {} t[string.rep("\\1", 20) .. "\\35"] = 1 t[string.rep("\\1", 19) .. "\\18\\3"] = 2' + KEYS_OF,
  'local t = {} local a, b = string.rep("é", 12) .. "\\1\\35", string.rep("é", 12) .. "\\18\\3" t[a] = 1 return {tostring(t[b]), t[a], #a}',
];

/** Seeded scripts that build tables by constructors, assignments and deletions of every key kind. */
function randomScripts(seed: number, n: number): string[] {
  let s = seed;
  const rnd = (m: number): number => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % m;
  };
  const name = (): string => {
    let out = '';
    for (let i = 0, l = 1 + rnd(12); i < l; i++) out += String.fromCharCode(97 + rnd(26));
    return out;
  };
  const key = (): string => {
    const r = rnd(10);
    if (r < 5) return `'${name()}'`;
    if (r < 7) return String(1 + rnd(20));
    if (r < 8) return String(rnd(1000) - 500);
    if (r < 9) return (rnd(10000) / 7).toFixed(3);
    return rnd(2) ? 'true' : 'false';
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let body = 'local t = {}';
    const kind = rnd(4);
    if (kind === 0) body = `local t = {${Array.from({ length: rnd(12) }, (_, j) => (rnd(3) ? `[${key()}]=${j}` : `${j}`)).join(',')}}`;
    else if (kind === 1) for (let j = 0, m = 1 + rnd(40); j < m; j++) body += ` t[${key()}]=${rnd(6) ? j : 'nil'}`;
    else if (kind === 2) {
      for (let j = 0, m = 1 + rnd(30); j < m; j++) body += ` t[${1 + rnd(30)}]=${j}`;
      for (let j = 0, m = rnd(10); j < m; j++) body += ` t[${1 + rnd(30)}]=nil`;
    } else {
      body = `local t = {${Array.from({ length: rnd(8) }, () => `${name()}=1`).join(',')}}`;
      for (let j = 0, m = rnd(10); j < m; j++) body += ` t.${name()}=2`;
    }
    out.push(body + KEYS_OF);
  }
  return out;
}

describe.skipIf(!available)('Lua table order as redis-server 7.0 (Lua 5.1)', () => {
  const pair = serverPair();
  let a: Redis;
  let b: Redis;

  beforeAll(async () => {
    a = new Redis(pair.ours.port, '127.0.0.1');
    b = new Redis(pair.real.port, '127.0.0.1');
  });

  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
  });

  const both = async (script: string): Promise<[unknown, unknown]> => {
    const run = (r: Redis) => r.callBuffer('EVAL', script, '0').then((x) => JSON.stringify(x), (e: Error) => `error: ${e.message}`);
    return Promise.all([run(a), run(b)]);
  };

  it('pairs, cjson.encode, cmsgpack.pack, # and the redis table give redis-server replies', async () => {
    for (const script of FIXED) {
      const [x, y] = await both(script);
      expect({ script, reply: x }).toEqual({ script, reply: y });
    }
  });

  it('tables built at random (constructors, assignments, deletions, every key kind) iterate as on redis-server', async () => {
    for (const script of randomScripts(20261127, 150)) {
      const [x, y] = await both(script);
      expect({ script, reply: x }).toEqual({ script, reply: y });
    }
  });
});
