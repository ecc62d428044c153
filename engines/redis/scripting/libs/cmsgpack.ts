// cmsgpack (lua-cmsgpack as bundled with Redis): pack(...) encodes each argument, unpack(s)
// returns every value in s, unpack_one/unpack_limit decode from an offset. Whole numbers encode
// as the smallest integer type, other numbers as float32 when exact else float64; tables whose
// keys are 1..n are arrays, others maps; nesting deeper than 16 encodes as nil.
import { laux, latin1ToLua, lua, pushOwnedString, type LuaState } from '../lua.ts';
import { runInSteps, runStepsOf, type Steps } from '../lib-slices.ts';
import { ByteSink, checkInteger51, optInteger51, registerLib } from './util.ts';

/** Values decoded, or table operations of pack, per step (lib-slices.ts). */
const STEP_VALUES = 4096;

const MAX_NESTING = 16;
const f32 = new Float32Array(1);
const dv = new DataView(new ArrayBuffer(8));

function encodeNumber(out: ByteSink, n: number): void {
  // IS_INT64_EQUIVALENT: (int64_t)n == n, so -2^63 is an integer and 2^63 a double.
  if (Number.isInteger(n) && n >= -(2 ** 63) && n < 2 ** 63) {
    if (n >= 0) {
      if (n < 128) out.byte(n);
      else if (n < 256) out.bytes(Uint8Array.of(0xcc, n));
      else if (n < 65536) out.bytes(Uint8Array.of(0xcd, n >> 8, n & 0xff));
      else if (n < 4294967296) {
        out.byte(0xce);
        dv.setUint32(0, n);
        out.bytes(new Uint8Array(dv.buffer, 0, 4).slice());
      } else {
        out.byte(0xcf);
        dv.setBigUint64(0, BigInt(n));
        out.bytes(new Uint8Array(dv.buffer, 0, 8).slice());
      }
    } else if (n >= -32) out.byte(n & 0xff);
    else if (n >= -128) out.bytes(Uint8Array.of(0xd0, n & 0xff));
    else if (n >= -32768) {
      out.byte(0xd1);
      dv.setInt16(0, n);
      out.bytes(new Uint8Array(dv.buffer, 0, 2).slice());
    } else if (n >= -2147483648) {
      out.byte(0xd2);
      dv.setInt32(0, n);
      out.bytes(new Uint8Array(dv.buffer, 0, 4).slice());
    } else {
      out.byte(0xd3);
      dv.setBigInt64(0, BigInt(n));
      out.bytes(new Uint8Array(dv.buffer, 0, 8).slice());
    }
    return;
  }
  f32[0] = n;
  if (f32[0] === n) {
    out.byte(0xca);
    dv.setFloat32(0, n);
    out.bytes(new Uint8Array(dv.buffer, 0, 4).slice());
  } else {
    out.byte(0xcb);
    dv.setFloat64(0, n);
    out.bytes(new Uint8Array(dv.buffer, 0, 8).slice());
  }
}

function header(out: ByteSink, n: number, fix: number, fixMax: number, c16: number, c32: number): void {
  if (n < fixMax) out.byte(fix | n);
  else if (n <= 0xffff) out.bytes(Uint8Array.of(c16, n >> 8, n & 0xff));
  else {
    out.byte(c32);
    dv.setUint32(0, n);
    out.bytes(new Uint8Array(dv.buffer, 0, 4).slice());
  }
}

/**
 * A table being encoded: `scan` looks for lua-cmsgpack's array (only positive integer keys, exactly 1..n),
 * `count` counts a map's keys, then its elements are written; `phase` is where the element stands (read,
 * its key or value written, popped). A nested table is a frame of its own: the walk is an explicit stack,
 * in steps of a bounded number of operations, so packing a million elements yields between steps.
 */
interface PackFrame {
  abs: number;
  level: number;
  kind: 'scan' | 'count' | 'array' | 'map';
  phase: 0 | 1 | 2;
  n: number;
  max: number;
  i: number;
}

class Encoder {
  private readonly frames: PackFrame[] = [];
  private arg = 1;

  constructor(
    private readonly L: LuaState,
    private readonly args: number,
    readonly out: ByteSink,
  ) {}

  /** At most STEP_VALUES operations; true once every argument is written. */
  step(): boolean {
    for (let k = 0; k < STEP_VALUES; k++) {
      const f = this.frames[this.frames.length - 1];
      if (f === undefined) {
        if (this.arg > this.args) return true;
        this.value(this.arg++, 0);
      } else this.advance(f);
    }
    return false;
  }

  /** Writes the value at `idx` (absolute), or opens a frame for a table. */
  private value(idx: number, level: number): void {
    const { L, out } = this;
    const t = lua.lua_type(L, idx);
    if (t === lua.LUA_TSTRING) {
      const s = lua.lua_tolstring(L, idx) as Uint8Array;
      const n = s.length;
      if (n < 32) out.byte(0xa0 | n);
      else if (n <= 0xff) out.bytes(Uint8Array.of(0xd9, n));
      else header(out, n, 0, 0, 0xda, 0xdb);
      out.bytes(s);
    } else if (t === lua.LUA_TBOOLEAN) out.byte(lua.lua_toboolean(L, idx) ? 0xc3 : 0xc2);
    else if (t === lua.LUA_TNUMBER) encodeNumber(out, lua.lua_tonumber(L, idx));
    else if (t === lua.LUA_TTABLE && level < MAX_NESTING) {
      // Each level holds a key and a value on the stack: past the 20 slots a JS function starts
      // with, fengari would write over the frames above it.
      laux.luaL_checkstack(L, 3, null);
      lua.lua_pushnil(L);
      this.frames.push({ abs: idx, level, kind: 'scan', phase: 0, n: 0, max: 0, i: 0 });
    } else out.byte(0xc0);
  }

  private advance(f: PackFrame): void {
    const { L, out } = this;
    switch (f.kind) {
      case 'scan': {
        if (lua.lua_next(L, f.abs) === 0) {
          if (f.max === f.n) {
            header(out, f.n, 0x90, 16, 0xdc, 0xdd);
            f.kind = 'array';
          } else this.startCount(f);
          return;
        }
        lua.lua_pop(L, 1);
        const k = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -1) : 0;
        if (!Number.isInteger(k) || k < 1) {
          lua.lua_pop(L, 1);
          this.startCount(f);
          return;
        }
        f.max = Math.max(f.max, k);
        f.n++;
        return;
      }
      case 'count':
        if (lua.lua_next(L, f.abs) !== 0) {
          lua.lua_pop(L, 1);
          f.n++;
          return;
        }
        header(out, f.n, 0x80, 16, 0xde, 0xdf);
        f.kind = 'map';
        lua.lua_pushnil(L);
        return;
      case 'array':
        if (f.phase === 0) {
          if (f.i >= f.n) {
            this.frames.pop();
            return;
          }
          lua.lua_rawgeti(L, f.abs, ++f.i);
          f.phase = 1;
          this.value(lua.lua_gettop(L), f.level + 1);
        } else {
          lua.lua_pop(L, 1);
          f.phase = 0;
        }
        return;
      case 'map':
        if (f.phase === 0) {
          if (lua.lua_next(L, f.abs) === 0) {
            this.frames.pop();
            return;
          }
          f.phase = 1;
          this.value(lua.lua_gettop(L) - 1, f.level + 1);
        } else if (f.phase === 1) {
          f.phase = 2;
          this.value(lua.lua_gettop(L), f.level + 1);
        } else {
          lua.lua_pop(L, 1);
          f.phase = 0;
        }
    }
  }

  private startCount(f: PackFrame): void {
    f.kind = 'count';
    f.n = 0;
    lua.lua_pushnil(this.L);
  }
}

class Truncated extends Error {}
class BadFormat extends Error {}

/** A table being filled while decoding: how many values (a map's keys and values apart) it still takes. */
interface Open {
  map: boolean;
  left: number;
  /** Array index last set; for a map, whether its key is on the stack waiting for the value (left counts pairs). */
  i: number;
  key: boolean;
}

/**
 * Decodes values from `b` as lua-cmsgpack does, with an explicit stack of open tables instead of
 * recursion, in steps of a bounded number of values: unpacking a million elements yields between steps
 * (lib-slices.ts). The tables are made and filled in the same order as a recursive decode would.
 */
class Decoder implements Steps {
  private readonly open: Open[] = [];
  values = 0;

  /** `base`: the stack's top before the call; `withOffset`: the results start with the next offset (unpack_one/_limit). */
  constructor(
    private readonly L: LuaState,
    private readonly b: Uint8Array,
    public pos: number,
    private readonly limit: number,
    private readonly base: number,
    private readonly withOffset: boolean,
  ) {}

  /** A step of the call (lib-slices.ts): lua-cmsgpack's errors for a truncated or malformed input. */
  step(): boolean {
    try {
      return this.decode();
    } catch (err) {
      const L = this.L;
      lua.lua_settop(L, this.base);
      if (err instanceof Truncated) return laux.luaL_error(L, latin1ToLua('Missing bytes in input.'));
      if (err instanceof BadFormat) return laux.luaL_error(L, latin1ToLua('Bad data format in input.'));
      throw err;
    }
  }

  done(): number {
    if (!this.withOffset) return this.values;
    lua.lua_pushnumber(this.L, this.pos >= this.b.length ? -1 : this.pos);
    lua.lua_insert(this.L, this.base + 1);
    return this.values + 1;
  }

  /** Decodes up to STEP_VALUES values; true once `limit` values (0: all of b) are on the stack. */
  private decode(): boolean {
    for (let k = 0; k < STEP_VALUES; k++) {
      if (this.open.length === 0 && (this.pos >= this.b.length || (this.limit !== 0 && this.values >= this.limit))) return true;
      const n = this.token();
      if (n !== 0) continue;
      this.place();
    }
    return false;
  }

  /** A whole value is on top of the stack: into its table, or one more decoded value at the top level. */
  private place(): void {
    const L = this.L;
    for (;;) {
      const f = this.open[this.open.length - 1];
      if (f === undefined) {
        this.values++;
        return;
      }
      if (!f.map) lua.lua_rawseti(L, -2, ++f.i);
      else if (!f.key) {
        f.key = true;
        return;
      } else {
        lua.lua_rawset(L, -3);
        f.key = false;
      }
      if (--f.left > 0) return;
      this.open.pop();
    }
  }

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw new Truncated();
  }

  /** Pushes the next value, or the table it opens: the number of values that table still takes (0 for a whole value). */
  private token(): number {
    const { L, b } = this;
    this.need(1);
    const c = b[this.pos++] as number;
    // Room for this value and, in a map, its key (see encode).
    laux.luaL_checkstack(L, 3, null);
    if (c < 0x80) return this.num(c, 0);
    if (c >= 0xe0) return this.num(c - 256, 0);
    if ((c & 0xe0) === 0xa0) return this.str(c & 0x1f);
    if ((c & 0xf0) === 0x90) return this.table(false, c & 0x0f);
    if ((c & 0xf0) === 0x80) return this.table(true, c & 0x0f);
    switch (c) {
      case 0xc0:
        lua.lua_pushnil(L);
        return 0;
      case 0xc2:
      case 0xc3:
        lua.lua_pushboolean(L, c === 0xc3);
        return 0;
      case 0xcc:
      case 0xd0:
        this.need(1);
        return this.num(c === 0xcc ? this.view().getUint8(0) : this.view().getInt8(0), 1);
      case 0xcd:
      case 0xd1:
        this.need(2);
        return this.num(c === 0xcd ? this.view().getUint16(0) : this.view().getInt16(0), 2);
      case 0xce:
      case 0xd2:
        this.need(4);
        return this.num(c === 0xce ? this.view().getUint32(0) : this.view().getInt32(0), 4);
      case 0xcf:
      case 0xd3:
        this.need(8);
        // Redis's cmsgpack reads a uint 64 as int64_t too: 0xffffffffffffffff is -1.
        return this.num(Number(this.view().getBigInt64(0)), 8);
      case 0xca:
        this.need(4);
        return this.num(this.view().getFloat32(0), 4);
      case 0xcb:
        this.need(8);
        return this.num(this.view().getFloat64(0), 8);
      case 0xd9:
      case 0xc4:
        this.need(1);
        return this.str(b[this.pos++] as number);
      case 0xda:
      case 0xc5:
        return this.str(this.u16());
      case 0xdb:
      case 0xc6:
        return this.str(this.u32());
      case 0xdc:
        return this.table(false, this.u16());
      case 0xdd:
        return this.table(false, this.u32());
      case 0xde:
        return this.table(true, this.u16());
      case 0xdf:
        return this.table(true, this.u32());
      default:
        throw new BadFormat();
    }
  }

  // A method, not a closure field: run through tsx, every closure made (one per decoder) also costs a defineProperty (its name).
  private view(): DataView {
    return new DataView(this.b.buffer, this.b.byteOffset + this.pos);
  }

  private num(v: number, size: number): number {
    lua.lua_pushnumber(this.L, v);
    this.pos += size;
    return 0;
  }

  private str(n: number): number {
    this.need(n);
    pushOwnedString(this.L, this.b.slice(this.pos, this.pos + n));
    this.pos += n;
    return 0;
  }

  private table(map: boolean, n: number): number {
    lua.lua_createtable(this.L, map ? 0 : n, map ? n : 0);
    if (n > 0) this.open.push({ map, left: n, i: 0, key: false });
    return n;
  }

  private u16(): number {
    const b = this.b;
    this.need(2);
    this.pos += 2;
    return ((b[this.pos - 2] as number) << 8) | (b[this.pos - 1] as number);
  }

  private u32(): number {
    const b = this.b;
    this.need(4);
    this.pos += 4;
    return (((b[this.pos - 4] as number) << 24) >>> 0) + (((b[this.pos - 3] as number) << 16) | ((b[this.pos - 2] as number) << 8) | (b[this.pos - 1] as number));
  }
}

/** Decodes up to `limit` values (0: all) from `offset`; pushes the next offset then the values. */
function unpackFrom(L: LuaState, limit: number, offset: number, withOffset: boolean): number {
  const s = laux.luaL_checklstring(L, 1);
  // lua-cmsgpack's checks, its first message showing the length where it means the limit.
  if (offset < 0 || limit < 0) return laux.luaL_error(L, latin1ToLua(`Invalid request to unpack with offset of ${offset} and limit of ${s.length}.`));
  if (offset > s.length) return laux.luaL_error(L, latin1ToLua(`Start offset ${offset} greater than input length ${s.length}.`));
  return runStepsOf(L, new Decoder(L, s, offset, limit, lua.lua_gettop(L), withOffset));
}

export function installCmsgpack(L: LuaState): void {
  registerLib(L, 'cmsgpack', {
    pack: (S) => {
      const n = lua.lua_gettop(S);
      if (n === 0) return laux.luaL_argerror(S, 0, latin1ToLua('MessagePack pack needs input.'));
      const e = new Encoder(S, n, new ByteSink());
      return runInSteps(S, () => e.step(), () => (pushOwnedString(S, e.out.result().slice()), 1));
    },
    unpack: (S) => unpackFrom(S, 0, 0, false),
    // lua_cmsgpack reads the offset with luaL_optinteger: a table there is an error, '1' is 1.
    unpack_one: (S) => unpackFrom(S, 1, optInteger51(S, 2, 0), true),
    unpack_limit: (S) => unpackFrom(S, checkInteger51(S, 2), optInteger51(S, 3, 0), true),
  });
}
