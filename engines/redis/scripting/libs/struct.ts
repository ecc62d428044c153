// struct (Roberto Ierusalimschy's library, as bundled with Redis): pack/unpack/size with the
// formats > < ! x b B h H l L T i[n] I[n] f d s c[n].
import { laux, latin1ToLua, lua, type LuaState } from '../lua.ts';
import { ByteSink, optInteger51, registerLib } from './util.ts';

interface Opt {
  code: string;
  size: number;
}

class FormatReader {
  i = 0;
  little = true;
  align = 1;
  constructor(
    readonly L: LuaState,
    readonly fmt: string,
    /** struct.size hands only non-alphanumeric unknown options to controloptions (an error); a letter or digit it knows not is 0 bytes. */
    readonly sizeOnly = false,
  ) {}

  next(): Opt | null {
    for (;;) {
      if (this.i >= this.fmt.length) return null;
      const c = this.fmt[this.i++] as string;
      const num = (def: number): number => {
        const m = /^[0-9]+/.exec(this.fmt.slice(this.i));
        if (m === null) return def;
        this.i += m[0].length;
        return Number(m[0]);
      };
      switch (c) {
        case ' ':
          continue;
        case '>':
          this.little = false;
          continue;
        case '<':
          this.little = true;
          continue;
        case '!': {
          const a = num(8);
          if (a === 0 || (a & (a - 1)) !== 0) laux.luaL_error(this.L, latin1ToLua(`alignment ${a} is not a power of 2`));
          this.align = a;
          continue;
        }
        case 'x':
        case 'b':
        case 'B':
          return { code: c, size: 1 };
        case 'h':
        case 'H':
          return { code: c, size: 2 };
        case 'l':
        case 'L':
        case 'T':
          return { code: c, size: 8 };
        case 'f':
          return { code: c, size: 4 };
        case 'd':
          return { code: c, size: 8 };
        case 's':
          return { code: c, size: 0 };
        case 'c':
          return { code: c, size: num(1) };
        case 'i':
        case 'I': {
          const n = num(4);
          if (n > MAXINTSIZE) laux.luaL_error(this.L, latin1ToLua(`integral size ${n} is larger than limit of ${MAXINTSIZE}`));
          return { code: c, size: n };
        }
        default:
          if (this.sizeOnly && /[0-9A-Za-z]/.test(c)) return { code: c, size: 0 };
          return laux.luaL_argerror(this.L, 1, latin1ToLua(`invalid format option '${c}'`));
      }
    }
  }

  pad(pos: number, size: number): number {
    let a = Math.min(size, this.align);
    if (a <= 1 || (a & (a - 1)) !== 0) return 0;
    a = a | 0;
    return (a - (pos & (a - 1))) & (a - 1);
  }
}

function fmtArg(L: LuaState): string {
  return Buffer.from(laux.luaL_checklstring(L, 1)).toString('latin1');
}

/** lua_struct's MAXINTSIZE in Redis's copy. */
const MAXINTSIZE = 32;

/** putinteger's cast: a negative number through long long, others straight to unsigned long long (as x86 converts: 0 past 2^64, NaN and inf). */
function toUint64(n: number): bigint {
  if (n < 0) return BigInt.asUintN(64, n >= -(2 ** 63) ? BigInt(Math.trunc(n)) : -(2n ** 63n));
  return Number.isFinite(n) && n < 2 ** 64 ? BigInt(Math.trunc(n)) : 0n;
}

function putInt(out: ByteSink, v: bigint, size: number, little: boolean): void {
  const bytes = new Uint8Array(size);
  let x = BigInt.asUintN(size * 8, v);
  for (let k = 0; k < size; k++) {
    bytes[little ? k : size - 1 - k] = Number(x & 0xffn);
    x >>= 8n;
  }
  out.bytes(bytes);
}

export function installStruct(L: LuaState): void {
  registerLib(L, 'struct', {
    pack: (S) => {
      const r = new FormatReader(S, fmtArg(S));
      const out = new ByteSink();
      let arg = 2;
      for (let o = r.next(); o !== null; o = r.next()) {
        if (o.code !== 'c' && o.code !== 's') for (let p = r.pad(out.len, o.size); p > 0; p--) out.byte(0);
        switch (o.code) {
          case 'x':
            out.byte(0);
            break;
          case 'f':
          case 'd': {
            const dv = new DataView(new ArrayBuffer(o.size));
            const n = laux.luaL_checknumber(S, arg++);
            if (o.size === 4) dv.setFloat32(0, n, r.little);
            else dv.setFloat64(0, n, r.little);
            out.bytes(new Uint8Array(dv.buffer));
            break;
          }
          case 'c':
          case 's': {
            const s = laux.luaL_checklstring(S, arg++);
            let len = o.code === 's' ? s.length : o.size === 0 ? s.length : o.size;
            // lua_struct checks with arg already past the string: it names the next argument.
            if (o.code === 'c' && s.length < len) return laux.luaL_argerror(S, arg, latin1ToLua('string too short'));
            out.bytes(s.subarray(0, len));
            if (o.code === 's') out.byte(0);
            len = 0;
            break;
          }
          default: {
            const n = laux.luaL_checknumber(S, arg++);
            putInt(out, toUint64(n), o.size, r.little);
          }
        }
      }
      lua.lua_pushstring(S, out.result().slice());
      return 1;
    },
    unpack: (S) => {
      const r = new FormatReader(S, fmtArg(S));
      const data = laux.luaL_checklstring(S, 2);
      let pos = optInteger51(S, 3, 1) - 1;
      if (pos < 0) return laux.luaL_argerror(S, 3, latin1ToLua('offset must be 1 or greater'));
      let n = 0;
      let lastNumber = 0;
      const check = (size: number) => {
        if (pos + size > data.length) laux.luaL_argerror(S, 2, latin1ToLua('data string too short'));
      };
      for (let o = r.next(); o !== null; o = r.next()) {
        if (o.code !== 'c' && o.code !== 's') pos += r.pad(pos, o.size);
        switch (o.code) {
          case 'x':
            // lua_struct checks every option's size against the data, padding included.
            check(1);
            pos += 1;
            break;
          case 'f':
          case 'd': {
            check(o.size);
            const dv = new DataView(data.buffer, data.byteOffset + pos, o.size);
            lua.lua_pushnumber(S, o.size === 4 ? dv.getFloat32(0, r.little) : dv.getFloat64(0, r.little));
            pos += o.size;
            n++;
            break;
          }
          case 'c': {
            let size = o.size;
            if (size === 0) {
              if (n === 0) return laux.luaL_error(S, latin1ToLua('format \'c0\' needs a previous size'));
              size = lastNumber;
              lua.lua_pop(S, 1);
              n--;
            }
            check(size);
            lua.lua_pushstring(S, data.slice(pos, pos + size));
            pos += size;
            n++;
            break;
          }
          case 's': {
            let end = pos;
            while (end < data.length && data[end] !== 0) end++;
            if (end >= data.length) return laux.luaL_error(S, latin1ToLua('unfinished string in data'));
            lua.lua_pushstring(S, data.slice(pos, end));
            pos = end + 1;
            n++;
            break;
          }
          default: {
            check(o.size);
            // getinteger: a 64-bit accumulator (wider sizes keep their last 8 bytes), the sign
            // extended from the format's top bit by a shift x86 takes modulo 64.
            let v = 0n;
            for (let k = 0; k < o.size; k++) v = BigInt.asUintN(64, (v << 8n) | BigInt(data[pos + (r.little ? o.size - 1 - k : k)] as number));
            if (o.code === o.code.toLowerCase()) {
              const mask = BigInt.asUintN(64, ~0n << BigInt((o.size * 8 - 1) & 63));
              if ((v & mask) !== 0n) v |= mask;
              v = BigInt.asIntN(64, v);
            }
            lastNumber = Number(v);
            lua.lua_pushnumber(S, lastNumber);
            pos += o.size;
            n++;
          }
        }
      }
      lua.lua_pushnumber(S, pos + 1);
      return n + 1;
    },
    size: (S) => {
      const r = new FormatReader(S, fmtArg(S), true);
      let pos = 0;
      for (let o = r.next(); o !== null; o = r.next()) {
        if (o.code === 's') return laux.luaL_argerror(S, 1, latin1ToLua("option 's' has no fixed size"));
        if (o.code === 'c' && o.size === 0) return laux.luaL_argerror(S, 1, latin1ToLua("option 'c0' has no fixed size"));
        if (o.code !== 'c') pos += r.pad(pos, o.size);
        pos += o.size;
      }
      lua.lua_pushnumber(S, pos);
      return 1;
    },
  });
}
