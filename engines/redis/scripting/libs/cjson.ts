// cjson (lua-cjson as bundled with Redis): encode with 14 significant digits, "/" escaped, empty
// tables as objects, arrays when every key is a positive integer (excessively sparse ones refused);
// decode of strict JSON with cjson.null for null.
import { laux, latin1ToLua, lstr, lua, luaToLatin1, type LuaState } from '../lua.ts';
import { formatG } from '../numfmt.ts';
import { ByteSink, registerLib } from './util.ts';

const MAX_DEPTH = 1000;
const SPARSE_RATIO = 2;
const SPARSE_SAFE = 10;
const NULL_KEY = lstr('__cjson_null');

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

function encodeValue(L: LuaState, idx: number, out: ByteSink, depth: number): void {
  const t = lua.lua_type(L, idx);
  if (t === lua.LUA_TSTRING) escapeString(out, lua.lua_tolstring(L, idx) as Uint8Array);
  else if (t === lua.LUA_TNUMBER) {
    const n = lua.lua_tonumber(L, idx);
    if (!Number.isFinite(n)) throw new EncodeError('Cannot serialise number: must not be NaN or Inf');
    out.ascii(formatG(n, 14));
  } else if (t === lua.LUA_TBOOLEAN) out.ascii(lua.lua_toboolean(L, idx) ? 'true' : 'false');
  else if (t === lua.LUA_TNIL) out.ascii('null');
  else if (t === lua.LUA_TTABLE) encodeTable(L, idx < 0 ? lua.lua_gettop(L) + idx + 1 : idx, out, depth + 1);
  else if (isNull(L, idx)) out.ascii('null');
  else {
    const name = t === lua.LUA_TFUNCTION ? 'function' : t === 2 || t === 7 ? 'userdata' : t === 8 ? 'thread' : 'value';
    throw new EncodeError(`Cannot serialise ${name}: type not supported`);
  }
}

function encodeTable(L: LuaState, idx: number, out: ByteSink, depth: number): void {
  // Each level holds a key and a value on the Lua stack: grow it as lua_cjson does, or fail like it.
  if (depth > MAX_DEPTH || !lua.lua_checkstack(L, 3)) throw new EncodeError(`Cannot serialise, excessive nesting (${depth})`);
  let max = 0;
  let items = 0;
  let array = true;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    lua.lua_pop(L, 1);
    if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -1);
      if (Number.isInteger(k) && k >= 1) {
        max = Math.max(max, k);
        items++;
        continue;
      }
    }
    array = false;
  }
  if (array && max > 0) {
    if (max > items * SPARSE_RATIO && max > SPARSE_SAFE) throw new EncodeError('Cannot serialise table: excessively sparse array');
    out.byte(91);
    for (let i = 1; i <= max; i++) {
      if (i > 1) out.byte(44);
      lua.lua_rawgeti(L, idx, i);
      encodeValue(L, -1, out, depth);
      lua.lua_pop(L, 1);
    }
    out.byte(93);
    return;
  }
  out.byte(123);
  let first = true;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, idx) !== 0) {
    if (!first) out.byte(44);
    first = false;
    const kt = lua.lua_type(L, -2);
    if (kt === lua.LUA_TSTRING) escapeString(out, lua.lua_tolstring(L, -2) as Uint8Array);
    else if (kt === lua.LUA_TNUMBER) {
      out.byte(34);
      out.ascii(formatG(lua.lua_tonumber(L, -2), 14));
      out.byte(34);
    } else throw new EncodeError('Cannot serialise table: table key must be a number or string');
    out.byte(58);
    encodeValue(L, -1, out, depth);
    lua.lua_pop(L, 1);
  }
  out.byte(125);
}

class DecodeError extends Error {}

class Decoder {
  pos = 0;
  depth = 0;
  constructor(
    readonly L: LuaState,
    readonly s: Uint8Array,
  ) {}

  ws(): void {
    const s = this.s;
    while (this.pos < s.length && (s[this.pos] === 32 || s[this.pos] === 9 || s[this.pos] === 10 || s[this.pos] === 13)) this.pos++;
  }

  fail(what: string): never {
    throw new DecodeError(`Expected ${what} but found ${this.tokenName()} at character ${this.pos + 1}`);
  }

  /** lua-cjson names the token it found instead of the one expected by its type. */
  private tokenName(): string {
    const s = this.s;
    const c = s[this.pos];
    if (c === undefined) return 'T_END';
    const single = TOKEN_NAMES.get(c);
    if (single !== undefined) return single;
    if (c === 45 || (c >= 48 && c <= 57)) return 'T_NUMBER';
    const rest = luaToLatin1(s.subarray(this.pos, this.pos + 5));
    if (rest.startsWith('true') || rest.startsWith('false')) return 'T_BOOLEAN';
    if (rest.startsWith('null')) return 'T_NULL';
    return 'invalid token';
  }

  value(): void {
    const L = this.L;
    this.ws();
    const c = this.s[this.pos];
    if (c === 123) return this.object();
    if (c === 91) return this.array();
    if (c === 34) {
      lua.lua_pushstring(L, this.string());
      return;
    }
    if (c === 45 || (c !== undefined && c >= 48 && c <= 57)) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(luaToLatin1(this.s.subarray(this.pos, this.pos + 400)));
      if (m === null) this.fail('value');
      this.pos += m[0].length;
      lua.lua_pushnumber(L, Number(m[0]));
      return;
    }
    for (const [word, push] of [
      ['true', () => lua.lua_pushboolean(L, true)],
      ['false', () => lua.lua_pushboolean(L, false)],
      ['null', () => lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, NULL_KEY)],
    ] as const) {
      if (luaToLatin1(this.s.subarray(this.pos, this.pos + word.length)) === word) {
        this.pos += word.length;
        push();
        return;
      }
    }
    if (this.pos >= this.s.length) throw new DecodeError(`Expected value but found T_END at character ${this.pos + 1}`);
    this.fail('value');
  }

  string(): Uint8Array {
    const s = this.s;
    const out = new ByteSink();
    this.pos++;
    for (;;) {
      if (this.pos >= s.length) throw new DecodeError(`Expected value but found invalid token at character ${this.pos + 1}`);
      const c = s[this.pos++] as number;
      if (c === 34) break;
      if (c !== 92) {
        out.byte(c);
        continue;
      }
      const e = s[this.pos++];
      const simple: Record<number, number> = { 34: 34, 92: 92, 47: 47, 98: 8, 102: 12, 110: 10, 114: 13, 116: 9 };
      if (e !== undefined && simple[e] !== undefined) out.byte(simple[e] as number);
      else if (e === 117) {
        let cp = parseInt(luaToLatin1(s.subarray(this.pos, this.pos + 4)), 16);
        if (!/^[0-9a-fA-F]{4}$/.test(luaToLatin1(s.subarray(this.pos, this.pos + 4)))) this.fail('value');
        this.pos += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && s[this.pos] === 92 && s[this.pos + 1] === 117) {
          const lo = parseInt(luaToLatin1(s.subarray(this.pos + 2, this.pos + 6)), 16);
          if (lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            this.pos += 6;
          }
        }
        out.bytes(Buffer.from(String.fromCodePoint(cp), 'utf8'));
      } else this.fail('value');
    }
    return out.result().slice();
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH || !lua.lua_checkstack(this.L, 20)) throw new DecodeError(`Found too many nested data structures (${this.depth}) at character ${this.pos + 1}`);
  }

  object(): void {
    const L = this.L;
    this.enter();
    this.pos++;
    lua.lua_newtable(L);
    this.ws();
    if (this.s[this.pos] === 125) {
      this.pos++;
      this.depth--;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== 34) this.fail('object key string');
      lua.lua_pushstring(L, this.string());
      this.ws();
      if (this.s[this.pos] !== 58) this.fail('colon');
      this.pos++;
      this.value();
      lua.lua_rawset(L, -3);
      this.ws();
      const c = this.s[this.pos++];
      if (c === 125) break;
      if (c !== 44) {
        this.pos--;
        this.fail('comma or object end');
      }
    }
    this.depth--;
  }

  array(): void {
    const L = this.L;
    this.enter();
    this.pos++;
    lua.lua_newtable(L);
    this.ws();
    if (this.s[this.pos] === 93) {
      this.pos++;
      this.depth--;
      return;
    }
    for (let i = 1; ; i++) {
      this.value();
      lua.lua_rawseti(L, -2, i);
      this.ws();
      const c = this.s[this.pos++];
      if (c === 93) break;
      if (c !== 44) {
        this.pos--;
        this.fail('comma or array end');
      }
    }
    this.depth--;
  }
}

export function installCjson(L: LuaState): void {
  lua.lua_pushlightuserdata(L, {});
  lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, NULL_KEY);
  const setting = (S: LuaState) => {
    lua.lua_settop(S, 0);
    return 0;
  };
  registerLib(L, 'cjson', {
    encode: (S) => {
      if (lua.lua_gettop(S) !== 1) return laux.luaL_argerror(S, 1, latin1ToLua('expected 1 argument'));
      const out = new ByteSink();
      try {
        encodeValue(S, 1, out, 0);
      } catch (err) {
        if (err instanceof EncodeError) return laux.luaL_error(S, latin1ToLua(err.message.replace(/%/g, '%%')));
        throw err;
      }
      lua.lua_pushstring(S, out.result().slice());
      return 1;
    },
    decode: (S) => {
      if (lua.lua_gettop(S) !== 1) return laux.luaL_argerror(S, 1, latin1ToLua('expected 1 argument'));
      const s = laux.luaL_checklstring(S, 1);
      const d = new Decoder(S, s);
      try {
        d.value();
        d.ws();
        if (d.pos < s.length) d.fail('the end');
      } catch (err) {
        if (err instanceof DecodeError) return laux.luaL_error(S, latin1ToLua(err.message));
        throw err;
      }
      return 1;
    },
    encode_keep_buffer: setting,
    encode_max_depth: setting,
    decode_max_depth: setting,
    encode_number_precision: setting,
    encode_sparse_array: setting,
    encode_invalid_numbers: setting,
    decode_invalid_numbers: setting,
  });
  lua.lua_getglobal(L, lstr('cjson'));
  lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, NULL_KEY);
  lua.lua_setfield(L, -2, lstr('null'));
  lua.lua_pop(L, 1);
}
