// cjson (lua-cjson as bundled with Redis): encode with 14 significant digits, "/" escaped, empty
// tables as objects, arrays when every key is a positive integer (excessively sparse ones refused);
// decode of JSON with cjson.null for null, numbers read by strtod (hex, Infinity and NaN too, as
// decode_invalid_numbers allows by default). Each module table (cjson, and each cjson.new()) has its
// own settings, kept from script to script as redis-server's module keeps them.
import { runInSteps } from '../lib-slices.ts';
import { laux, latin1ToLua, lstr, lua, luaToLatin1, pushOwnedString, type LuaFn, type LuaState } from '../lua.ts';
import { formatG } from '../numfmt.ts';
import { str2d51 } from '../str2d51.ts';
import { ByteSink, checkInteger51 } from './util.ts';

/** Table operations of cjson.encode, or values of cjson.decode, per step (lib-slices.ts). */
const STEP_OPS = 4096;

const NULL_KEY = lstr('__cjson_null');

/** lua-cjson's settings, with its defaults. */
class Config {
  encodeSparseConvert = false;
  encodeSparseRatio = 2;
  encodeSparseSafe = 10;
  encodeMaxDepth = 1000;
  decodeMaxDepth = 1000;
  encodeNumberPrecision = 14;
  encodeKeepBuffer = true;
  /** 0 refuses NaN and Inf, 1 writes them as C prints them ("nan" for any NaN), 2 as null. */
  encodeInvalidNumbers = 0;
  decodeInvalidNumbers = true;
}

const TOKEN_NAMES = new Map<number, string>([
  [123, 'T_OBJ_BEGIN'],
  [125, 'T_OBJ_END'],
  [91, 'T_ARR_BEGIN'],
  [93, 'T_ARR_END'],
  [34, 'T_STRING'],
  [58, 'T_COLON'],
  [44, 'T_COMMA'],
]);

class EncodeError extends Error {}

function escapeString(out: ByteSink, s: Uint8Array): void {
  out.byte(34);
  for (const c of s) {
    switch (c) {
      case 34:
        out.ascii('\\"');
        break;
      case 92:
        out.ascii('\\\\');
        break;
      case 47:
        out.ascii('\\/');
        break;
      case 8:
        out.ascii('\\b');
        break;
      case 12:
        out.ascii('\\f');
        break;
      case 10:
        out.ascii('\\n');
        break;
      case 13:
        out.ascii('\\r');
        break;
      case 9:
        out.ascii('\\t');
        break;
      default:
        if (c < 32 || c === 127) out.ascii('\\u' + c.toString(16).padStart(4, '0'));
        else out.byte(c);
    }
  }
  out.byte(34);
}

function isNull(L: LuaState, idx: number): boolean {
  if (lua.lua_type(L, idx) !== 2 /* light userdata */) return false;
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, NULL_KEY);
  const same = lua.lua_topointer(L, -1) === lua.lua_topointer(L, idx < 0 ? idx - 1 : idx);
  lua.lua_pop(L, 1);
  return same;
}

function encodeNumber(cfg: Config, n: number, out: ByteSink): void {
  if (!Number.isFinite(n)) {
    if (cfg.encodeInvalidNumbers === 0) throw new EncodeError('Cannot serialise number: must not be NaN or Inf');
    if (cfg.encodeInvalidNumbers === 2) return out.ascii('null');
    if (Number.isNaN(n)) return out.ascii('nan');
  }
  out.ascii(formatG(n, cfg.encodeNumberPrecision));
}

function typeName(L: LuaState, idx: number): string {
  return luaToLatin1(lua.lua_typename(L, lua.lua_type(L, idx)));
}

/**
 * A table being encoded: `scan` walks its keys (an array? how sparse?), then its elements are written;
 * `phase` 1 while an element's value is on the stack. Nested tables are frames of their own: an explicit
 * stack walked in steps of a bounded number of operations, so encoding a million elements yields
 * between steps (lib-slices.ts). Output and errors are those of the recursive walk it replaces.
 */
interface EncodeFrame {
  abs: number;
  depth: number;
  kind: 'scan' | 'array' | 'object';
  phase: 0 | 1;
  max: number;
  items: number;
  array: boolean;
  i: number;
}

class Encoder {
  private readonly frames: EncodeFrame[] = [];
  private started = false;
  readonly out = new ByteSink();

  constructor(
    private readonly cfg: Config,
    private readonly L: LuaState,
  ) {}

  /** At most STEP_OPS operations; true once argument 1 is written. Throws EncodeError. */
  step(): boolean {
    for (let k = 0; k < STEP_OPS; k++) {
      const f = this.frames[this.frames.length - 1];
      if (f !== undefined) this.advance(f);
      else if (this.started) return true;
      else {
        this.started = true;
        this.value(1, 0);
      }
    }
    return false;
  }

  private value(idx: number, depth: number): void {
    const { cfg, L, out } = this;
    const t = lua.lua_type(L, idx);
    if (t === lua.LUA_TSTRING) escapeString(out, lua.lua_tolstring(L, idx) as Uint8Array);
    else if (t === lua.LUA_TNUMBER) encodeNumber(cfg, lua.lua_tonumber(L, idx), out);
    else if (t === lua.LUA_TBOOLEAN) out.ascii(lua.lua_toboolean(L, idx) ? 'true' : 'false');
    else if (t === lua.LUA_TNIL) out.ascii('null');
    else if (t === lua.LUA_TTABLE) {
      // Each level holds a key and a value on the Lua stack: grow it as lua_cjson does, or fail like it.
      if (depth + 1 > cfg.encodeMaxDepth || !lua.lua_checkstack(L, 3)) throw new EncodeError(`Cannot serialise, excessive nesting (${depth + 1})`);
      lua.lua_pushnil(L);
      this.frames.push({ abs: idx, depth: depth + 1, kind: 'scan', phase: 0, max: 0, items: 0, array: true, i: 0 });
    } else if (isNull(L, idx)) out.ascii('null');
    else throw new EncodeError(`Cannot serialise ${typeName(L, idx)}: type not supported`);
  }

  private advance(f: EncodeFrame): void {
    const { cfg, L, out } = this;
    if (f.kind === 'scan') {
      if (lua.lua_next(L, f.abs) !== 0) {
        lua.lua_pop(L, 1);
        const k = lua.lua_type(L, -1) === lua.LUA_TNUMBER ? lua.lua_tonumber(L, -1) : 0;
        if (Number.isInteger(k) && k >= 1) {
          f.max = Math.max(f.max, k);
          f.items++;
        } else f.array = false;
        return;
      }
      const sparse = f.array && f.max > 0 && cfg.encodeSparseRatio > 0 && f.max > f.items * cfg.encodeSparseRatio && f.max > cfg.encodeSparseSafe;
      if (sparse && !cfg.encodeSparseConvert) throw new EncodeError('Cannot serialise table: excessively sparse array');
      if (f.array && f.max > 0 && !sparse) {
        out.byte(91);
        f.kind = 'array';
      } else {
        out.byte(123);
        f.kind = 'object';
        lua.lua_pushnil(L);
      }
      return;
    }
    if (f.phase === 1) {
      lua.lua_pop(L, 1);
      f.phase = 0;
      return;
    }
    if (f.kind === 'array') {
      if (f.i >= f.max) {
        out.byte(93);
        this.frames.pop();
        return;
      }
      if (f.i > 0) out.byte(44);
      lua.lua_rawgeti(L, f.abs, ++f.i);
    } else {
      if (lua.lua_next(L, f.abs) === 0) {
        out.byte(125);
        this.frames.pop();
        return;
      }
      if (f.i++ > 0) out.byte(44);
      const kt = lua.lua_type(L, -2);
      if (kt === lua.LUA_TSTRING) escapeString(out, lua.lua_tolstring(L, -2) as Uint8Array);
      else if (kt === lua.LUA_TNUMBER) {
        out.byte(34);
        encodeNumber(cfg, lua.lua_tonumber(L, -2), out);
        out.byte(34);
      } else throw new EncodeError(`Cannot serialise ${typeName(L, -2)}: table key must be a number or string`);
      out.byte(58);
    }
    f.phase = 1;
    this.value(lua.lua_gettop(L), f.depth);
  }
}

class DecodeError extends Error {}

/** The longest prefix strtod reads as a number (lua-cjson reads numbers with strtod). */
const STRTOD = /^[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;

function utf8(cp: number, out: ByteSink): void {
  if (cp < 0x80) out.byte(cp);
  else if (cp < 0x800) {
    out.byte(0xc0 | (cp >> 6));
    out.byte(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out.byte(0xe0 | (cp >> 12));
    out.byte(0x80 | ((cp >> 6) & 0x3f));
    out.byte(0x80 | (cp & 0x3f));
  } else {
    out.byte(0xf0 | (cp >> 18));
    out.byte(0x80 | ((cp >> 12) & 0x3f));
    out.byte(0x80 | ((cp >> 6) & 0x3f));
    out.byte(0x80 | (cp & 0x3f));
  }
}

const ESCAPES: Record<number, number> = { 34: 34, 92: 92, 47: 47, 98: 8, 102: 12, 110: 10, 114: 13, 116: 9 };

class Decoder {
  pos = 0;
  depth = 0;
  /** The tables being filled (an array's last index), and what the text holds next. */
  private readonly frames: { object: boolean; i: number }[] = [];
  private next: 'key' | 'value' | 'after' = 'value';
  readonly s: Uint8Array;
  constructor(
    readonly cfg: Config,
    readonly L: LuaState,
    text: Uint8Array,
  ) {
    // lua-cjson walks a C string: a NUL ends the document.
    const nul = text.indexOf(0);
    this.s = nul < 0 ? text : text.subarray(0, nul);
  }

  ws(): void {
    const s = this.s;
    while (this.pos < s.length && (s[this.pos] === 32 || s[this.pos] === 9 || s[this.pos] === 10 || s[this.pos] === 13)) this.pos++;
  }

  fail(what: string, found = this.tokenName()): never {
    throw new DecodeError(`Expected ${what} but found ${found} at character ${this.pos + 1}`);
  }

  private startsWith(word: string): boolean {
    return luaToLatin1(this.s.subarray(this.pos, this.pos + word.length)) === word;
  }

  /** lua-cjson's json_is_invalid_number: what strict JSON refuses (+, hex, leading zeros, inf, nan). */
  private invalidNumber(): boolean {
    const s = this.s;
    let p = this.pos;
    if (s[p] === 43) return true;
    if (s[p] === 45) p++;
    const c = s[p] ?? 0;
    if (c === 48) {
      const c2 = s[p + 1] ?? 0;
      return (c2 | 0x20) === 120 || (c2 >= 48 && c2 <= 57);
    }
    if (c <= 57) return false;
    const word = luaToLatin1(s.subarray(p, p + 3)).toLowerCase();
    return word === 'inf' || word === 'nan';
  }

  /** The length of the number token at pos, or 0 when strtod reads none. */
  private numberLength(): number {
    return STRTOD.exec(luaToLatin1(this.s.subarray(this.pos, this.pos + 400)))?.[0].length ?? 0;
  }

  /** What lua-cjson's tokenizer would make of the token at pos, by its name in error messages. */
  private tokenName(): string {
    const s = this.s;
    const c = s[this.pos];
    if (c === undefined) return 'T_END';
    const single = TOKEN_NAMES.get(c);
    if (single !== undefined) return single;
    if (c === 45 || (c >= 48 && c <= 57)) {
      if (!this.cfg.decodeInvalidNumbers && this.invalidNumber()) return 'invalid number';
      return this.numberLength() > 0 ? 'T_NUMBER' : 'invalid number';
    }
    if (this.startsWith('true') || this.startsWith('false')) return 'T_BOOLEAN';
    if (this.startsWith('null')) return 'T_NULL';
    if (this.cfg.decodeInvalidNumbers && this.invalidNumber()) return this.numberLength() > 0 ? 'T_NUMBER' : 'invalid number';
    return 'invalid token';
  }

  /** Pushes the value at pos, or opens the object or array there (false: its elements follow). */
  value(): boolean {
    const L = this.L;
    this.ws();
    const c = this.s[this.pos];
    if (c === 123) return this.open(true);
    if (c === 91) return this.open(false);
    if (c === 34) {
      lua.lua_pushstring(L, this.string('value'));
      return true;
    }
    const numeric = c === 45 || (c !== undefined && c >= 48 && c <= 57);
    if ((numeric && !(!this.cfg.decodeInvalidNumbers && this.invalidNumber())) || (!numeric && this.cfg.decodeInvalidNumbers && !this.startsWith('true') && !this.startsWith('false') && !this.startsWith('null') && this.invalidNumber())) {
      const n = this.numberLength();
      if (n === 0) this.fail('value', 'invalid number');
      lua.lua_pushnumber(L, str2d51(this.s.subarray(this.pos, this.pos + n)) ?? NaN);
      this.pos += n;
      return true;
    }
    if (numeric) this.fail('value', 'invalid number');
    for (const [word, push] of [
      ['true', () => lua.lua_pushboolean(L, true)],
      ['false', () => lua.lua_pushboolean(L, false)],
      ['null', () => lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, NULL_KEY)],
    ] as const) {
      if (this.startsWith(word)) {
        this.pos += word.length;
        push();
        return true;
      }
    }
    return this.fail('value');
  }

  /** A string token; errors name what was expected (a value or an object key). */
  string(expected: string): Uint8Array {
    const s = this.s;
    const out = new ByteSink();
    this.pos++;
    for (;;) {
      if (this.pos >= s.length) this.fail(expected, 'unexpected end of string');
      const c = s[this.pos] as number;
      if (c === 34) break;
      if (c !== 92) {
        out.byte(c);
        this.pos++;
        continue;
      }
      const e = s[this.pos + 1] ?? 0;
      if (e === 117) {
        if (!this.unicodeEscape(out)) this.fail(expected, 'invalid unicode escape code');
        continue;
      }
      const plain = ESCAPES[e];
      if (plain === undefined) this.fail(expected, 'invalid escape code');
      out.byte(plain);
      this.pos += 2;
    }
    this.pos++;
    return out.result().slice();
  }

  private hex4(at: number): number {
    const h = luaToLatin1(this.s.subarray(at, at + 4));
    return /^[0-9a-fA-F]{4}$/.test(h) ? parseInt(h, 16) : -1;
  }

  /** lua-cjson's json_append_unicode_escape: a surrogate pair joined, a lone surrogate refused. */
  private unicodeEscape(out: ByteSink): boolean {
    let cp = this.hex4(this.pos + 2);
    if (cp < 0) return false;
    let len = 6;
    if ((cp & 0xfc00) === 0xdc00) return false;
    if ((cp & 0xfc00) === 0xd800) {
      if (this.s[this.pos + 6] !== 92 || this.s[this.pos + 7] !== 117) return false;
      const lo = this.hex4(this.pos + 8);
      if (lo < 0 || (lo & 0xfc00) !== 0xdc00) return false;
      cp = (((cp & 0x3ff) << 10) | (lo & 0x3ff)) + 0x10000;
      len = 12;
    }
    utf8(cp, out);
    this.pos += len;
    return true;
  }

  enter(): void {
    if (++this.depth > this.cfg.decodeMaxDepth || !lua.lua_checkstack(this.L, 20)) throw new DecodeError(`Found too many nested data structures (${this.depth}) at character ${this.pos + 1}`);
  }

  /**
   * Opens an object or array: true when it is empty (whole already), else its frame is pushed and
   * step() reads its elements. An explicit stack instead of recursion, so a document of a million
   * values is read in steps (lib-slices.ts), tables made and filled in the same order.
   */
  private open(object: boolean): boolean {
    this.enter();
    this.pos++;
    lua.lua_newtable(this.L);
    this.ws();
    if (this.s[this.pos] === (object ? 125 : 93)) {
      this.pos++;
      this.depth--;
      return true;
    }
    this.frames.push({ object, i: 0 });
    this.next = object ? 'key' : 'value';
    return false;
  }

  /** At most STEP_OPS values; true once the document is read whole. Throws DecodeError. */
  step(): boolean {
    const L = this.L;
    for (let k = 0; k < STEP_OPS; k++) {
      if (this.next === 'key') {
        this.ws();
        if (this.s[this.pos] !== 34) this.fail('object key string');
        lua.lua_pushstring(L, this.string('object key string'));
        this.ws();
        if (this.s[this.pos] !== 58) this.fail('colon');
        this.pos++;
        this.next = 'value';
        continue;
      }
      if (this.next === 'value') {
        if (!this.value()) continue;
        this.next = 'after';
      }
      // A whole value is on top: into its table, or it was the document.
      const f = this.frames[this.frames.length - 1];
      if (f === undefined) {
        this.ws();
        if (this.pos < this.s.length) this.fail('the end');
        return true;
      }
      if (f.object) lua.lua_rawset(L, -3);
      else lua.lua_rawseti(L, -2, ++f.i);
      this.ws();
      const c = this.s[this.pos++];
      if (c === (f.object ? 125 : 93)) {
        this.depth--;
        this.frames.pop();
        continue;
      }
      if (c !== 44) {
        this.pos--;
        this.fail(f.object ? 'comma or object end' : 'comma or array end');
      }
      this.next = f.object ? 'key' : 'value';
    }
    return false;
  }
}

/** json_arg_init: at most `n` arguments. */
function args(S: LuaState, n: number): void {
  if (lua.lua_gettop(S) > n) laux.luaL_argerror(S, n + 1, lstr('found too many arguments'));
  lua.lua_settop(S, n);
}

/** json_integer_option: reads the setting from argument i (within [min, max]) if given, pushes it. */
function integerOption(S: LuaState, i: number, get: () => number, set: (v: number) => void, min: number, max: number): void {
  if (lua.lua_type(S, i) !== lua.LUA_TNIL) {
    const v = checkInteger51(S, i);
    if (v < min || v > max) laux.luaL_argerror(S, 1, latin1ToLua(`expected integer between ${min} and ${max}`));
    set(v);
  }
  lua.lua_pushnumber(S, get());
}

/** json_enum_option: a boolean, or one of `options` by name; pushes the setting (a boolean for off/on). */
function enumOption(S: LuaState, i: number, get: () => number, set: (v: number) => void, options = ['off', 'on']): void {
  if (lua.lua_type(S, i) !== lua.LUA_TNIL) {
    if (lua.lua_type(S, i) === lua.LUA_TBOOLEAN) set(lua.lua_toboolean(S, i) ? 1 : 0);
    else {
      const name = luaToLatin1(laux.luaL_checklstring(S, i));
      const v = options.indexOf(name);
      if (v < 0) laux.luaL_argerror(S, i, latin1ToLua(`invalid option '${name.replace(/%/g, '%%')}'`));
      set(v);
    }
  }
  const v = get();
  if (v <= 1) lua.lua_pushboolean(S, v === 1);
  else lua.lua_pushstring(S, latin1ToLua(options[v] as string));
}

const INT_MAX = 2147483647;

/** A step of encode or decode whose failure is raised as lua-cjson's Lua error. */
function raising(S: LuaState, step: () => boolean): () => boolean {
  return () => {
    try {
      return step();
    } catch (err) {
      if (err instanceof EncodeError || err instanceof DecodeError) return laux.luaL_error(S, latin1ToLua(err.message.replace(/%/g, '%%')));
      throw err;
    }
  };
}

/** Pushes a cjson module table whose functions share one (new) set of settings. */
function pushModule(L: LuaState): void {
  const cfg = new Config();
  const fns: Record<string, LuaFn> = {
    encode: (S) => {
      if (lua.lua_gettop(S) !== 1) return laux.luaL_argerror(S, 1, latin1ToLua('expected 1 argument'));
      const e = new Encoder(cfg, S);
      return runInSteps(S, raising(S, () => e.step()), () => (pushOwnedString(S, e.out.result().slice()), 1));
    },
    decode: (S) => {
      if (lua.lua_gettop(S) !== 1) return laux.luaL_argerror(S, 1, latin1ToLua('expected 1 argument'));
      const d = new Decoder(cfg, S, laux.luaL_checklstring(S, 1));
      return runInSteps(S, raising(S, () => d.step()), () => 1);
    },
    encode_sparse_array: (S) => {
      args(S, 3);
      enumOption(S, 1, () => Number(cfg.encodeSparseConvert), (v) => (cfg.encodeSparseConvert = v === 1));
      integerOption(S, 2, () => cfg.encodeSparseRatio, (v) => (cfg.encodeSparseRatio = v), 0, INT_MAX);
      integerOption(S, 3, () => cfg.encodeSparseSafe, (v) => (cfg.encodeSparseSafe = v), 0, INT_MAX);
      return 3;
    },
    encode_max_depth: (S) => {
      args(S, 1);
      integerOption(S, 1, () => cfg.encodeMaxDepth, (v) => (cfg.encodeMaxDepth = v), 1, INT_MAX);
      return 1;
    },
    decode_max_depth: (S) => {
      args(S, 1);
      integerOption(S, 1, () => cfg.decodeMaxDepth, (v) => (cfg.decodeMaxDepth = v), 1, INT_MAX);
      return 1;
    },
    encode_number_precision: (S) => {
      args(S, 1);
      integerOption(S, 1, () => cfg.encodeNumberPrecision, (v) => (cfg.encodeNumberPrecision = v), 1, 14);
      return 1;
    },
    encode_keep_buffer: (S) => {
      args(S, 1);
      enumOption(S, 1, () => Number(cfg.encodeKeepBuffer), (v) => (cfg.encodeKeepBuffer = v === 1));
      return 1;
    },
    encode_invalid_numbers: (S) => {
      args(S, 1);
      enumOption(S, 1, () => cfg.encodeInvalidNumbers, (v) => (cfg.encodeInvalidNumbers = v), ['off', 'on', 'null']);
      return 1;
    },
    decode_invalid_numbers: (S) => {
      args(S, 1);
      enumOption(S, 1, () => Number(cfg.decodeInvalidNumbers), (v) => (cfg.decodeInvalidNumbers = v === 1));
      return 1;
    },
    new: (S) => {
      pushModule(S);
      return 1;
    },
  };
  lua.lua_createtable(L, 0, Object.keys(fns).length + 3);
  for (const [k, f] of Object.entries(fns)) {
    lua.lua_pushjsfunction(L, f);
    lua.lua_setfield(L, -2, lstr(k));
  }
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, NULL_KEY);
  lua.lua_setfield(L, -2, lstr('null'));
  lua.lua_pushliteral(L, 'cjson');
  lua.lua_setfield(L, -2, lstr('_NAME'));
  lua.lua_pushliteral(L, '2.1.0');
  lua.lua_setfield(L, -2, lstr('_VERSION'));
}

export function installCjson(L: LuaState): void {
  lua.lua_pushlightuserdata(L, {});
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, NULL_KEY);
  pushModule(L);
  lua.lua_setglobal(L, lstr('cjson'));
}
