// A script's return value as the reply its caller gets (Redis's Lua -> RESP rules): strings bulk,
// numbers integers (truncated), tables with a string err/ok field errors/status, {double=},
// {big_number=}, {map=}, {set=}, other tables arrays up to the first nil; booleans per the
// script's RESP version; anything else a null.
import type { ReplyWriter } from '../resp/writer.ts';
import { lua, lstr, luaToLatin1, type LuaState } from './lua.ts';

/**
 * How deep nested tables may go before Redis's "reached lua stack limit": each level takes one slot
 * of Lua 5.1's 8000-slot C stack, and the table at depth 7995 is the first that does not fit.
 */
const MAX_DEPTH = 7995;

/**
 * Told of every error the reply holds, at any depth: Redis counts each in its error stats unless
 * it was counted already (a command's own error, flagged ignore_error_stats_update), and either
 * way the script's command counts as failed.
 */
export type ErrorSink = (msg: string, alreadyCounted: boolean) => void;
const INT64_MIN = '-9223372036854775808';

/**
 * Writes the value at `idx`. Nested tables are walked with an explicit stack, not recursion: a
 * script may return tables nested thousands deep, and the JavaScript stack would not hold them.
 */
export function writeLuaValue(L: LuaState, idx: number, w: ReplyWriter, scriptResp: 2 | 3, onError: ErrorSink): void {
  new LuaReplyWalk(L, idx, w, scriptResp, onError).run(Number.POSITIVE_INFINITY);
}

/**
 * writeLuaValue in pieces: a script returning a million elements is written over several turns of the
 * event loop every node shares (the value stays on the Lua stack meanwhile, and nothing else runs on it).
 */
export class LuaReplyWalk {
  private readonly frames: Frame[] = [];

  constructor(
    private readonly L: LuaState,
    idx: number,
    private readonly w: ReplyWriter,
    private readonly resp: 2 | 3,
    private readonly onError: ErrorSink,
  ) {
    lua.lua_pushvalue(L, idx);
    writeTop(L, w, resp, this.frames, onError);
  }

  /** Writes until the value is whole (true) or the clock passes `deadline` (performance.now() ms). */
  run(deadline: number): boolean {
    const { L, w, resp, frames, onError } = this;
    for (let n = 1; frames.length > 0; n++) {
      if ((n & 255) === 0 && performance.now() >= deadline) return false;
      const f = frames[frames.length - 1] as Frame;
      if (f.phase === 'count') {
        countStep(L, f, w);
        continue;
      }
      if (f.kind === 'array') {
        if (f.i > f.n) {
          frames.pop();
          lua.lua_pop(L, f.owned);
          continue;
        }
        lua.lua_rawgeti(L, f.idx, f.i++);
        writeTop(L, w, resp, frames, onError);
        continue;
      }
      // map and set: lua_next leaves key and value on the stack; copies of them are written.
      if (f.phase === 'value') {
        f.phase = 'drop';
        lua.lua_pushvalue(L, -1);
        writeTop(L, w, resp, frames, onError);
        continue;
      }
      if (f.phase === 'drop') lua.lua_pop(L, 1);
      else if (f.phase === 'start') lua.lua_pushnil(L);
      f.phase = 'next';
      if (lua.lua_next(L, f.idx) === 0) {
        frames.pop();
        lua.lua_pop(L, f.owned);
        continue;
      }
      if (f.kind === 'set') {
        lua.lua_pop(L, 1);
        lua.lua_pushvalue(L, -1);
      } else {
        f.phase = 'value';
        lua.lua_pushvalue(L, -2);
      }
      writeTop(L, w, resp, frames, onError);
    }
    return true;
  }
}

/**
 * One step of counting a table's elements for its header (an array up to its first nil, a map's or
 * set's keys by lua_next, whose key stays on the stack between steps); the header once counted.
 */
function countStep(L: LuaState, f: Frame, w: ReplyWriter): void {
  if (f.kind === 'array') {
    if (lua.lua_rawgeti(L, f.idx, f.n + 1) !== lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      f.n++;
      return;
    }
    lua.lua_pop(L, 1);
    w.array(f.n);
    f.phase = 'start';
    return;
  }
  if (f.i === 0) {
    lua.lua_pushnil(L);
    f.i = 1;
  }
  if (lua.lua_next(L, f.idx) !== 0) {
    f.n++;
    lua.lua_pop(L, 1);
    return;
  }
  if (f.kind === 'map') w.map(f.n);
  else w.setHeader(f.n);
  f.i = 0;
  f.phase = 'start';
}

interface Frame {
  kind: 'array' | 'map' | 'set';
  /** Absolute Lua stack index of the table walked. */
  idx: number;
  /** Slots to pop when the walk ends (the table, and the value holding its map/set field). */
  owned: number;
  i: number;
  n: number;
  /**
   * count (the header is not written yet); then an array's items, or a map/set walk: start, next
   * (the last key is on the stack), value (key and value), drop (pop the value).
   */
  phase: 'count' | 'start' | 'next' | 'value' | 'drop';
}

/** Writes the value on top of the Lua stack and pops it, or opens a frame that pops it later. */
function writeTop(L: LuaState, w: ReplyWriter, resp: 2 | 3, frames: Frame[], onError: ErrorSink): void {
  const t = lua.lua_type(L, -1);
  switch (t) {
    case lua.LUA_TSTRING:
      w.bulk(luaToLatin1(lua.lua_tolstring(L, -1) as Uint8Array));
      break;
    case lua.LUA_TNUMBER:
      writeInteger(w, lua.lua_tonumber(L, -1));
      break;
    case lua.LUA_TBOOLEAN: {
      const b = lua.lua_toboolean(L, -1);
      if (resp === 2) {
        if (b) w.int(1);
        else w.nil();
      } else w.bool(b);
      break;
    }
    case lua.LUA_TTABLE:
      if (frames.length >= MAX_DEPTH || !lua.lua_checkstack(L, 4)) {
        w.error('ERR reached lua stack limit');
        onError('ERR reached lua stack limit', false);
        break;
      }
      if (openTable(L, lua.lua_gettop(L), w, frames, onError)) return;
      break;
    default:
      w.nil();
  }
  lua.lua_pop(L, 1);
}

function writeInteger(w: ReplyWriter, n: number): void {
  // A C cast of a double outside the int64 range (or NaN) gives INT64_MIN on x86.
  if (!(Math.abs(n) < 9223372036854775808)) {
    w.bigint(BigInt(INT64_MIN));
    return;
  }
  const t = Math.trunc(n);
  if (Number.isSafeInteger(t)) w.int(t);
  else w.bigint(BigInt(t));
}

function stringField(L: LuaState, idx: number, name: string): string | null {
  rawField(L, idx, name);
  const s = lua.lua_type(L, -1) === lua.LUA_TSTRING ? luaToLatin1(lua.lua_tolstring(L, -1) as Uint8Array) : null;
  lua.lua_pop(L, 1);
  return s;
}

/** Writes a table that is a single reply, or opens a frame that counts and writes its elements (true). */
function openTable(L: LuaState, idx: number, w: ReplyWriter, frames: Frame[], onError: ErrorSink): boolean {
  // err and ok are copied as C strings (sdsnew): they end at a NUL byte.
  const err = cString(stringField(L, idx, 'err'));
  if (err !== null) {
    w.error(err);
    rawField(L, idx, 'ignore_error_stats_update');
    const counted = lua.lua_toboolean(L, -1);
    lua.lua_pop(L, 1);
    onError(err, counted);
    return false;
  }
  const ok = cString(stringField(L, idx, 'ok'));
  if (ok !== null) {
    w.simple(ok.replace(/[\r\n]/g, ' '));
    return false;
  }
  rawField(L, idx, 'double');
  if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
    const d = lua.lua_tonumber(L, -1);
    lua.lua_pop(L, 1);
    w.double(d);
    return false;
  }
  lua.lua_pop(L, 1);
  // CR and LF become spaces whatever the caller speaks (sdsmapchars before addReplyBigNum).
  const big = stringField(L, idx, 'big_number')?.replace(/[\r\n]/g, ' ') ?? null;
  if (big !== null) {
    if (w.proto === 3) w.raw(Buffer.from(`(${big}\r\n`, 'latin1'));
    else w.bulk(big);
    return false;
  }
  if (writeVerbatim(L, idx, w)) return false;
  for (const kind of ['map', 'set'] as const) {
    rawField(L, idx, kind);
    if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
      frames.push({ kind, idx: lua.lua_gettop(L), owned: 2, i: 0, n: 0, phase: 'count' });
      return true;
    }
    lua.lua_pop(L, 1);
  }
  frames.push({ kind: 'array', idx, owned: 1, i: 1, n: 0, phase: 'count' });
  return true;
}

const cString = (s: string | null): string | null => (s === null ? null : (s.split('\0', 1)[0] as string));

/**
 * {verbatim_string={format=, string=}} with both fields strings: a verbatim reply to a RESP3 caller
 * (the format's first three bytes, padded with spaces, as addReplyVerbatim), the string as a bulk to
 * a RESP2 one; anything else is read as the next kinds are.
 */
function writeVerbatim(L: LuaState, idx: number, w: ReplyWriter): boolean {
  rawField(L, idx, 'verbatim_string');
  const t = lua.lua_gettop(L);
  const format = lua.lua_type(L, t) === lua.LUA_TTABLE ? cString(stringField(L, t, 'format')) : null;
  const text = format === null ? null : stringField(L, t, 'string');
  lua.lua_pop(L, 1);
  if (text === null) return false;
  if (w.proto === 3) w.raw(Buffer.from(`=${text.length + 4}\r\n${(format as string).slice(0, 3).padEnd(3, ' ')}:${text}\r\n`, 'latin1'));
  else w.bulk(text);
  return true;
}

/** Redis reads these fields raw: a metatable on the returned table changes nothing. */
function rawField(L: LuaState, idx: number, name: string): void {
  lua.lua_pushstring(L, lstr(name));
  lua.lua_rawget(L, idx);
}
