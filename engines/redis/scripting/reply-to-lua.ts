// A command's raw RESP2/RESP3 reply, as redis.call hands it to Lua (Redis's conversion rules):
// integers become numbers, bulk strings strings, RESP2 nulls false and RESP3 nulls nil, status
// {ok=...}, errors {err=...}, arrays tables; RESP3 maps {map={...}}, sets {set={k=true}},
// doubles {double=n}, big numbers {big_number='...'}, verbatim strings {verbatim_string={format, string}}.
import { lua, lstr, pushFieldTable, type LuaState } from './lua.ts';

/** A map's or set's wrapper and inner table, or an array's table, being filled. */
interface Open {
  kind: 'array' | 'map' | 'set';
  n: number;
  i: number;
  /** A map's key is on the stack, waiting for its value. */
  key: boolean;
}

/**
 * Reads a reply into Lua values in pieces: a million-element reply is converted over several turns of
 * the event loop every node shares (the tables made so far stay on the Lua stack between them).
 * Containers are kept in an explicit stack, not by recursion, so deep nesting needs no JavaScript stack.
 */
export class LuaReplyReader {
  private pos = 0;
  private readonly open: Open[] = [];

  constructor(
    private readonly L: LuaState,
    private readonly buf: Buffer,
  ) {}

  /** Pushes values until the whole reply is on top of the stack (true) or the clock passes `deadline` (ms). */
  run(deadline: number): boolean {
    for (let k = 1; ; k++) {
      if ((k & 255) === 0 && performance.now() >= deadline) return false;
      if (this.readOne() && this.place()) return true;
    }
  }

  /** Pushes the value at `pos`: true when it is whole, false when it opened a container to fill. */
  private readOne(): boolean {
    const { L, buf } = this;
    const pos = this.pos;
    const type = buf[pos] as number;
    const eol = buf.indexOf(13, pos);
    const line = pos + 1;
    const next = eol + 2;
    this.pos = next;
    switch (type) {
      case 43 /* + */:
        pushStatusTable(L, buf.subarray(line, eol));
        return true;
      case 45 /* - */:
        pushErrorTable(L, buf.subarray(line, eol));
        return true;
      case 58 /* : */:
        lua.lua_pushnumber(L, intAt(buf, line, eol));
        return true;
      case 36 /* $ */: {
        const n = intAt(buf, line, eol);
        if (n < 0) {
          lua.lua_pushboolean(L, false);
          return true;
        }
        lua.lua_pushstring(L, buf.subarray(next, next + n));
        this.pos = next + n + 2;
        return true;
      }
      case 42 /* * */: {
        const n = intAt(buf, line, eol);
        if (n < 0) {
          lua.lua_pushboolean(L, false);
          return true;
        }
        return this.openArray(n);
      }
      case 62 /* > */:
        return this.openArray(intAt(buf, line, eol));
      case 95 /* _ */:
        lua.lua_pushnil(L);
        return true;
      case 35 /* # */:
        lua.lua_pushboolean(L, buf[line] === 116);
        return true;
      case 44 /* , */:
        lua.lua_createtable(L, 0, 1);
        lua.lua_pushnumber(L, parseDouble(buf.toString('latin1', line, eol)));
        lua.lua_setfield(L, -2, lstr('double'));
        return true;
      case 40 /* ( */:
        lua.lua_createtable(L, 0, 1);
        lua.lua_pushstring(L, buf.subarray(line, eol));
        lua.lua_setfield(L, -2, lstr('big_number'));
        return true;
      case 61 /* = */: {
        const n = intAt(buf, line, eol);
        lua.lua_createtable(L, 0, 1);
        lua.lua_createtable(L, 0, 2);
        lua.lua_pushstring(L, buf.subarray(next, next + 3));
        lua.lua_setfield(L, -2, lstr('format'));
        lua.lua_pushstring(L, buf.subarray(next + 4, next + n));
        lua.lua_setfield(L, -2, lstr('string'));
        lua.lua_setfield(L, -2, lstr('verbatim_string'));
        this.pos = next + n + 2;
        return true;
      }
      case 37 /* % */:
      case 126 /* ~ */: {
        const n = intAt(buf, line, eol);
        lua.lua_createtable(L, 0, 1);
        lua.lua_createtable(L, 0, n);
        const kind = type === 37 ? 'map' : 'set';
        if (n > 0) {
          this.open.push({ kind, n, i: 0, key: false });
          return false;
        }
        lua.lua_setfield(L, -2, lstr(kind));
        return true;
      }
      case 124 /* | attribute: skipped, the value follows */: {
        const n = intAt(buf, line, eol);
        for (let i = 0; i < 2 * n; i++) this.pos = skipReply(buf, this.pos);
        return this.readOne();
      }
      default:
        lua.lua_pushnil(L);
        this.pos = buf.length;
        return true;
    }
  }

  private openArray(n: number): boolean {
    lua.lua_createtable(this.L, n, 0);
    if (n === 0) return true;
    this.open.push({ kind: 'array', n, i: 0, key: false });
    return false;
  }

  /** Stores the whole value on top into the container it belongs to, closing those it fills; true when none is left open. */
  private place(): boolean {
    const L = this.L;
    for (;;) {
      const o = this.open[this.open.length - 1];
      if (o === undefined) return true;
      if (o.kind === 'array') lua.lua_rawseti(L, -2, ++o.i);
      else if (o.kind === 'set') {
        lua.lua_pushboolean(L, true);
        lua.lua_rawset(L, -3);
        o.i++;
      } else if (!o.key) {
        o.key = true;
        return false;
      } else {
        lua.lua_rawset(L, -3);
        o.key = false;
        o.i++;
      }
      if (o.i < o.n) return false;
      this.open.pop();
      if (o.kind !== 'array') lua.lua_setfield(L, -2, lstr(o.kind));
    }
  }
}

const OK = lstr('ok');
const ERR = lstr('err');

/** {ok=status}, a status reply as redis.call returns it. */
export function pushStatusTable(L: LuaState, status: Uint8Array): void {
  pushFieldTable(L, OK, status);
}

/** {err=msg} with trailing CR/LF trimmed, as redis.pcall returns a command error. */
export function pushErrorTable(L: LuaState, msg: Uint8Array): void {
  pushFieldTable(L, ERR, msg);
}

function skipReply(buf: Buffer, pos: number): number {
  const type = buf[pos] as number;
  const eol = buf.indexOf(13, pos);
  const next = eol + 2;
  const n = () => intAt(buf, pos + 1, eol);
  switch (type) {
    case 36:
    case 61:
      return n() < 0 ? next : next + n() + 2;
    case 42:
    case 126:
    case 62: {
      let p = next;
      for (let i = 0; i < n(); i++) p = skipReply(buf, p);
      return p;
    }
    case 37:
    case 124: {
      let p = next;
      for (let i = 0; i < 2 * n(); i++) p = skipReply(buf, p);
      return p;
    }
    default:
      return next;
  }
}

export function intAt(buf: Buffer, from: number, to: number): number {
  // Past 15 digits the running sum would round at each step; redis-server's (lua_Number) of the
  // exact long long rounds once, as Number() of the text does.
  if (to - from > 15) return Number(buf.latin1Slice(from, to));
  let i = from;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
  }
  let v = 0;
  for (; i < to; i++) v = v * 10 + ((buf[i] as number) - 48);
  return neg ? -v : v;
}

function parseDouble(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  return Number(s);
}
