// Lua 5.1's table layout, kept beside every fengari table, so that `next`/`pairs` (and with them
// cjson.encode and cmsgpack.pack) visit keys in the order Redis's Lua 5.1 visits them, and `#t`
// finds the border 5.1 finds. fengari (Lua 5.3 in JS) keeps keys in insertion order; 5.1 visits its
// array part, then its hash nodes by slot, and a key's slot follows from its hash, the node count and
// the history of collisions and rehashes (ltable.c of 5.1.5, replayed here on each new key).
// Keys hashed by address in C (tables, functions, coroutines) get a per-object number instead:
// their order is arbitrary on Redis too.

const MAXBITS = 26;
const MAXASIZE = 2 ** MAXBITS;

interface TValue {
  type: number;
  value: unknown;
  ttisnil(): boolean;
  tsvalue(): { realstring: Uint8Array; hash: string | null; h51?: number };
}
interface Entry {
  key: TValue;
  value: TValue;
}
interface LState {
  ci: { callstatus: number; l_code: { opcode: number; B: number; C: number }[] | null; l_savedpc: number };
  stack: TValue[];
}
interface FTable {
  strong: Map<unknown, Entry>;
  s51?: Layout;
}

/** What placing a key needs: fengari's map key, 5.1's raw hash and how it is reduced, its number value. */
interface Key {
  hk: unknown;
  h: number;
  /** hashmod (numbers, pointers) rather than hashpow2 (strings, booleans). */
  mod: boolean;
  num: number | null;
}

interface Layout {
  asize: number;
  /** Node count; 0 is 5.1's dummy node. */
  size: number;
  info: (Key | undefined)[];
  next: number[];
  lastfree: number;
  /** Node of every key in the hash part, live or not (5.1 keeps a nil-valued key in its node). */
  pos: Map<unknown, number>;
  /** The coroutine whose table constructor made the table: its SETLIST grows the array part first. */
  creator: LState | null;
  /** Made by fillSequence (KEYS, ARGV), and whether any store reached the table since (refillSequence). */
  sequence: boolean;
  stored: boolean;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function numKey(n: number): Key {
  if (n === 0) return { hk: n, h: 0, mod: true, num: n };
  f64[0] = n;
  return { hk: n, h: ((u32[0] as number) + (u32[1] as number)) >>> 0, mod: true, num: n };
}

/** luaS_newlstr's hash: seeded with the length, at most 32 sampled bytes from the end. */
function stringHash(s: Uint8Array): number {
  const l = s.length;
  let h = l >>> 0;
  const step = (l >> 5) + 1;
  for (let l1 = l; l1 >= step; l1 -= step) h = (h ^ (((h << 5) >>> 0) + (h >>> 2) + (s[l1 - 1] as number))) >>> 0;
  return h;
}

const pointerIds = new WeakMap<object, number>();
let nextPointerId = 1;
function pointerHash(o: unknown): number {
  if (typeof o !== 'object' && typeof o !== 'function') return 0;
  if (o === null) return 0;
  let id = pointerIds.get(o);
  if (id === undefined) pointerIds.set(o, (id = (nextPointerId++ * 40) >>> 0));
  return id;
}

function ceilLog2(x: number): number {
  if (x <= 1) return 0;
  if (x <= 2 ** 31) return 32 - Math.clz32(x - 1);
  let l = 0;
  while (2 ** l < x) l++;
  return l;
}

function fb2int(x: number): number {
  const e = (x >> 3) & 31;
  return e === 0 ? x : ((x & 7) + 8) * 2 ** (e - 1);
}

function live(t: FTable, k: Key | undefined): boolean {
  return k !== undefined && t.strong.has(k.hk);
}

function mainPosition(lay: Layout, k: Key): number {
  return k.mod ? k.h % ((lay.size - 1) | 1) : k.h & (lay.size - 1);
}

function arrayIndex(k: Key): number {
  const n = k.num;
  return n !== null && Number.isInteger(n) && n > 0 && n <= MAXASIZE ? n : 0;
}

/**
 * What a table without a hash part holds (most tables: arrays, KEYS, ARGV, replies): shared, as a
 * key is only ever placed in a node of a hash part, so nothing writes to these.
 */
const NO_NODES: readonly never[] = [];
const NO_POS: ReadonlyMap<unknown, number> = new Map();

function setNodeVector(lay: Layout, size: number): void {
  if (size === 0) {
    lay.size = 0;
    lay.info = NO_NODES as unknown as (Key | undefined)[];
    lay.next = NO_NODES as unknown as number[];
    lay.lastfree = 0;
    lay.pos = NO_POS as Map<unknown, number>;
    return;
  }
  lay.size = 2 ** ceilLog2(size);
  lay.info = new Array<Key | undefined>(lay.size);
  lay.next = new Array<number>(lay.size).fill(-1);
  lay.lastfree = lay.size;
  lay.pos = new Map();
}

function newLayout(asize: number, nhash: number, creator: LState | null): Layout {
  const lay: Layout = { asize, size: 0, info: NO_NODES as unknown as (Key | undefined)[], next: NO_NODES as unknown as number[], lastfree: 0, pos: NO_POS as Map<unknown, number>, creator, sequence: false, stored: false };
  setNodeVector(lay, nhash);
  return lay;
}

/**
 * The layout 5.1 reaches when the first key goes into an empty table with no array part (other than index 1,
 * an append): newkey finds no free node, rehash counts one key that does not fill half of any array size,
 * and the hash part becomes one node holding it. Written directly, as {ok=...}, {err=...} and `local t = {}
 * t.x = v` all come here.
 */
function firstHashKey(lay: Layout, k: Key): void {
  lay.size = 1;
  lay.info = [k];
  lay.next = [-1];
  lay.lastfree = 1;
  lay.pos = new Map([[k.hk, 0]]);
}

/** luaH_set without the store: finds the key's slot, making one (newkey) when it has none. */
function place(t: FTable, lay: Layout, k: Key): void {
  const ai = arrayIndex(k);
  if ((ai !== 0 && ai <= lay.asize) || lay.pos.has(k.hk)) return;
  newKey(t, lay, k);
}

function freePosition(lay: Layout): number {
  while (lay.lastfree > 0) {
    lay.lastfree--;
    if (lay.info[lay.lastfree] === undefined) return lay.lastfree;
  }
  return -1;
}

function newKey(t: FTable, lay: Layout, k: Key): void {
  let mp = lay.size === 0 ? -1 : mainPosition(lay, k);
  if (mp < 0 || live(t, lay.info[mp])) {
    const n = freePosition(lay);
    if (n < 0) {
      rehash(t, lay, k);
      place(t, lay, k);
      return;
    }
    const colliding = lay.info[mp] as Key;
    const other = mainPosition(lay, colliding);
    if (other !== mp) {
      // The colliding key is out of its main position: it moves to the free node.
      let prev = other;
      while (lay.next[prev] !== mp) prev = lay.next[prev] as number;
      lay.next[prev] = n;
      lay.info[n] = colliding;
      lay.next[n] = lay.next[mp] as number;
      lay.pos.set(colliding.hk, n);
      lay.next[mp] = -1;
      lay.info[mp] = undefined;
    } else {
      lay.next[n] = lay.next[mp] as number;
      lay.next[mp] = n;
      mp = n;
    }
  }
  const old = lay.info[mp];
  if (old !== undefined && lay.pos.get(old.hk) === mp) lay.pos.delete(old.hk);
  lay.info[mp] = k;
  lay.pos.set(k.hk, mp);
}

function countInt(k: Key, nums: number[]): number {
  const i = arrayIndex(k);
  if (i === 0) return 0;
  nums[ceilLog2(i)]!++;
  return 1;
}

function numUseArray(t: FTable, lay: Layout, nums: number[]): number {
  let ause = 0;
  let i = 1;
  for (let lg = 0, ttlg = 1; lg <= MAXBITS; lg++, ttlg *= 2) {
    let lc = 0;
    let lim = ttlg;
    if (lim > lay.asize) {
      lim = lay.asize;
      if (i > lim) break;
    }
    for (; i <= lim; i++) if (t.strong.has(i)) lc++;
    nums[lg]! += lc;
    ause += lc;
  }
  return ause;
}

/** computesizes: the largest power of two n with more than n/2 integer keys in 1..n. */
function computeSizes(nums: number[], narray: number): [size: number, inArray: number] {
  let a = 0;
  let na = 0;
  let n = 0;
  for (let i = 0, twotoi = 1; twotoi / 2 < narray; i++, twotoi *= 2) {
    if ((nums[i] as number) > 0) {
      a += nums[i] as number;
      if (a > twotoi / 2) {
        n = twotoi;
        na = a;
      }
    }
    if (a === narray) break;
  }
  return [n, na];
}

/** rehash's counts of integer keys by power of two, reused (rehash does not nest). */
const NUMS = new Array<number>(MAXBITS + 1).fill(0);

function rehash(t: FTable, lay: Layout, extra: Key): void {
  const nums = NUMS.fill(0);
  let nasize = numUseArray(t, lay, nums);
  let total = nasize;
  for (let i = lay.size - 1; i >= 0; i--) {
    const k = lay.info[i];
    if (k === undefined || !live(t, k)) continue;
    nasize += countInt(k, nums);
    total++;
  }
  nasize += countInt(extra, nums);
  total++;
  const [size, inArray] = computeSizes(nums, nasize);
  resize(t, lay, size, total - inArray);
}

function resize(t: FTable, lay: Layout, nasize: number, nhsize: number): void {
  const oldasize = lay.asize;
  const oldInfo = lay.info;
  if (nasize > oldasize) lay.asize = nasize;
  setNodeVector(lay, nhsize);
  if (nasize < oldasize) {
    lay.asize = nasize;
    for (let i = nasize; i < oldasize; i++) if (t.strong.has(i + 1)) place(t, lay, numKey(i + 1));
  }
  for (let i = oldInfo.length - 1; i >= 0; i--) {
    const k = oldInfo[i];
    if (k !== undefined && live(t, k)) place(t, lay, k);
  }
}

/** 5.1's luaH_getn over fengari's entries, with 5.1's array size. */
function length(t: FTable, lay: Layout): number {
  // No closure for the lookups: one made per call costs more than the search (`#t` in every BullMQ script).
  const keys = t.strong;
  let j = lay.asize;
  if (j > 0 && !keys.has(j)) {
    let i = 0;
    while (j - i > 1) {
      const m = Math.floor((i + j) / 2);
      if (!keys.has(m)) j = m;
      else i = m;
    }
    return i;
  }
  if (lay.size === 0) return j;
  let i = j;
  j++;
  while (keys.has(j)) {
    i = j;
    j *= 2;
    if (j > 2147483647) {
      i = 1;
      while (keys.has(i)) i++;
      return i - 1;
    }
  }
  while (j - i > 1) {
    const m = Math.floor((i + j) / 2);
    if (!keys.has(m)) j = m;
    else i = m;
  }
  return i;
}

/**
 * Fills the table `t` (just made by lua_newtable, empty) with items[0..n-1] at 1..n and gives it the layout that
 * lua_rawseti of 1, 2, ..., n in turn leaves in 5.1 (luaCreateArray's KEYS and ARGV): each new index rehashes the
 * array part to the next power of two and no hash part is made, so the replay per key is skipped.
 */
/**
 * Puts items in place of the values of a table fillSequence made, when it is as fillSequence left it: no store
 * (rawset, assignment, table.insert/remove/sort: every store passes luaH_setint or luaH_setfrom), no metatable,
 * the same count. Then it reads exactly as a new one would (values, `#`, pairs order); false otherwise.
 */
/**
 * Stores key -> value in a table just made and still empty, as its first key: fengari's own store, then the layout
 * firstHashKey gives (what lua_setfield on it leaves, without the lookups of a store through the API).
 */
export let setFirstKey: (L: unknown, table: unknown, key: unknown, value: unknown) => void;
export let refillSequence: (t: unknown, items: readonly string[], toValue: (s: string) => unknown) => boolean;
export let fillSequence: (t: unknown, items: readonly string[], value: { value: unknown }, toValue: (s: string) => unknown) => void;

export function patchTables(req: NodeRequire): void {
  const ltable = req('fengari/src/ltable.js') as Record<string, (...a: never[]) => unknown>;
  const lobject = req('fengari/src/lobject.js') as { setobj2s(L: LState, i: number, v: TValue): void };
  const lstring = req('fengari/src/lstring.js') as { luaS_hashlongstr(ts: unknown): string };
  const ldebug = req('fengari/src/ldebug.js') as { luaG_runerror(L: LState, msg: Uint8Array): never };
  const lstate = req('fengari/src/lstate.js') as { CIST_LUA: number };
  const lopcodes = req('fengari/src/lopcodes.js') as { OpCodesI: Record<string, number> };
  const defs = req('fengari/src/defs.js') as { constant_types: Record<string, number>; to_luastring(s: string): Uint8Array };
  const T = defs.constant_types as Record<string, number>;
  const { OP_NEWTABLE, OP_SETLIST, OP_EXTRAARG } = lopcodes.OpCodesI as Record<string, number>;
  const orig = {
    new: ltable.luaH_new as unknown as (L: LState) => FTable,
    setint: ltable.luaH_setint as unknown as (t: FTable, key: number, v: TValue) => void,
    setfrom: ltable.luaH_setfrom as unknown as (L: LState, t: FTable, k: TValue, v: TValue) => void,
    next: ltable.luaH_next as unknown as (L: LState, t: FTable, i: number) => boolean,
    getn: ltable.luaH_getn as unknown as (t: FTable) => number,
  };
  const invalidNext = defs.to_luastring("invalid key to 'next'");

  /** The instruction a Lua frame of L is executing, or undefined in a JS function. */
  const current = (L: LState, back = 1): { opcode: number; B: number; C: number } | undefined => {
    const ci = L.ci;
    if ((ci.callstatus & lstate.CIST_LUA) === 0 || ci.l_code === null) return undefined;
    return ci.l_code[ci.l_savedpc - back];
  };

  /** fengari's map key for k; undefined for lightuserdata, which has no place here (the table then keeps fengari's order). */
  const mapKey = (k: TValue): unknown => {
    switch (k.type) {
      case T.LUA_TSHRSTR:
      case T.LUA_TLNGSTR:
        return lstring.luaS_hashlongstr(k.tsvalue());
      case T.LUA_TLIGHTUSERDATA:
        return undefined;
      default:
        return k.value;
    }
  };

  const keyOf = (k: TValue, hk: unknown): Key => {
    switch (k.type) {
      case T.LUA_TNUMFLT:
      case T.LUA_TNUMINT:
        return numKey(k.value as number);
      case T.LUA_TSHRSTR:
      case T.LUA_TLNGSTR: {
        const ts = k.tsvalue();
        ts.h51 ??= stringHash(ts.realstring);
        return { hk, h: ts.h51, mod: false, num: null };
      }
      case T.LUA_TBOOLEAN:
        return { hk, h: k.value ? 1 : 0, mod: false, num: null };
      default:
        return { hk, h: pointerHash(k.value), mod: true, num: null };
    }
  };

  /** Slot after which `next` continues: array slots first, then nodes; -1 for a key the table never had. */
  const slotOf = (lay: Layout, hk: unknown): number => {
    if (typeof hk === 'number' && Number.isInteger(hk) && hk > 0 && hk <= lay.asize) return hk;
    const p = lay.pos.get(hk);
    return p === undefined ? -1 : lay.asize + p + 1;
  };

  setFirstKey = (L, table, key, value) => {
    const t = table as FTable;
    const k = key as TValue;
    orig.setfrom(L as LState, t, k, value as TValue);
    // As every store through the API: the table's cache of absent metamethods starts over.
    (t as FTable & { flags: number }).flags = 0;
    const hk = mapKey(k);
    const lay = t.s51;
    if (lay === undefined || hk === undefined) return;
    firstHashKey(lay, keyOf(k, hk));
  };

  fillSequence = (table, items, value, toValue) => {
    const t = table as FTable;
    const n = items.length;
    // fengari's setint copies `value` into a TValue of its own: one scratch TValue serves every item.
    for (let i = 0; i < n; i++) {
      value.value = toValue(items[i] as string);
      orig.setint(t, i + 1, value as TValue);
    }
    const lay = newLayout(n === 0 ? 0 : 2 ** ceilLog2(n), 0, null);
    lay.sequence = true;
    t.s51 = lay;
  };

  refillSequence = (table, items, toValue) => {
    const t = table as FTable & { metatable: unknown };
    const lay = t.s51;
    const n = items.length;
    if (lay === undefined || !lay.sequence || lay.stored || t.metatable !== null || t.strong.size !== n) return false;
    for (let i = 0; i < n; i++) (t.strong.get(i + 1) as Entry).value.value = toValue(items[i] as string);
    return true;
  };

  ltable.luaH_new = ((L: LState) => {
    const t = orig.new(L);
    const ins = current(L);
    t.s51 = ins !== undefined && ins.opcode === OP_NEWTABLE ? newLayout(fb2int(ins.B), fb2int(ins.C), L) : newLayout(0, 0, null);
    return t;
  }) as never;

  ltable.luaH_setint = ((t: FTable, key: number, v: TValue) => {
    const lay = t.s51;
    if (lay !== undefined && lay.sequence) lay.stored = true;
    if (lay !== undefined && lay.creator !== null && key > lay.asize) {
      // A constructor's SETLIST (with a multiple-results tail) grows the array part to its last index first.
      const ins = current(lay.creator);
      const prev = current(lay.creator, 2);
      if (ins?.opcode === OP_SETLIST || (ins?.opcode === OP_EXTRAARG && prev?.opcode === OP_SETLIST)) resize(t, lay, key, lay.size);
    }
    orig.setint(t, key, v);
    if (lay === undefined || slotOf(lay, key) >= 0) return;
    // An append to a table that is all array (1..asize present, no hash part: a reply, t[#t+1] = v, table.insert)
    // rehashes in 5.1 to an array of the next power of two and no nodes: that result without the count.
    if (lay.size === 0 && key === lay.asize + 1 && t.strong.size === key) {
      lay.asize = 2 ** ceilLog2(key);
      return;
    }
    if (lay.size === 0 && lay.asize === 0 && t.strong.size === 1) firstHashKey(lay, numKey(key));
    else newKey(t, lay, numKey(key));
  }) as never;

  ltable.luaH_setfrom = ((L: LState, t: FTable, k: TValue, v: TValue) => {
    orig.setfrom(L, t, k, v);
    const lay = t.s51;
    if (lay === undefined) return;
    if (lay.sequence) lay.stored = true;
    const hk = mapKey(k);
    if (hk === undefined) delete t.s51;
    else if (slotOf(lay, hk) < 0) {
      // As in luaH_setint: an append to a table that is all array.
      if (lay.size === 0 && hk === lay.asize + 1 && t.strong.size === hk) lay.asize = 2 ** ceilLog2(hk);
      else if (lay.size === 0 && lay.asize === 0 && t.strong.size === 1) firstHashKey(lay, keyOf(k, hk));
      else newKey(t, lay, keyOf(k, hk));
    }
  }) as never;

  ltable.luaH_next = ((L: LState, t: FTable, keyI: number) => {
    const lay = t.s51;
    if (lay === undefined) return orig.next(L, t, keyI);
    const k = L.stack[keyI] as TValue;
    let slot = 0;
    if (!k.ttisnil()) {
      slot = slotOf(lay, mapKey(k));
      if (slot < 0) return ldebug.luaG_runerror(L, invalidNext);
    }
    for (; slot < lay.asize; slot++) {
      const e = t.strong.get(slot + 1);
      if (e !== undefined) return found(L, keyI, e);
    }
    for (let n = slot - lay.asize; n < lay.size; n++) {
      const info = lay.info[n];
      const e = info === undefined ? undefined : t.strong.get(info.hk);
      if (e !== undefined) return found(L, keyI, e);
    }
    return false;
  }) as never;

  const found = (L: LState, keyI: number, e: Entry): boolean => {
    lobject.setobj2s(L, keyI, e.key);
    lobject.setobj2s(L, keyI + 1, e.value);
    return true;
  };

  ltable.luaH_getn = ((t: FTable) => (t.s51 === undefined ? orig.getn(t) : length(t, t.s51))) as never;
}
