// Lua 5.1's lexer in place of fengari's (Lua 5.3) one, under fengari's own parser. Redis runs Lua
// 5.1, whose compiler rejects what 5.3 added: fed 5.1's tokens (`//` is two '/', `::` two ':',
// `<<` two '<', `goto` a name, `&`, `|` and a lone `~` symbols no 5.3 operator takes), the 5.3
// parser fails where 5.1's does, with 5.1's words; strings read 5.1's escapes (`\x41` is "x41",
// `\q` is "q", no `\z` or `\u{}`), and numerals follow 5.1 and C's strtod (rules51.ts checks the
// few rules where 5.1's grammar is stricter). Replacing the lexer costs nothing at run time: a script is compiled once
// per sha (EVALSHA runs the cached function), and the tokens are produced in the same single pass
// fengari's lexer would make.
import type { createRequire } from 'node:module';
import { chunkid51, MAXSRC } from './chunkid51.ts';
import { Rules51, type Tokens } from './rules51.ts';
import { str2d51 } from './str2d51.ts';
import { ARG_BUILDER, USES_VARARGS } from './vararg51.ts';

type Require = ReturnType<typeof createRequire>;

interface Buff {
  buffer: Uint8Array;
  n: number;
}
interface SemInfo {
  r: number;
  i: number;
  ts: unknown;
}
interface Tok {
  token: number;
  seminfo: SemInfo;
}
interface LexState {
  current: number;
  linenumber: number;
  lastline: number;
  t: Tok;
  lookahead: Tok;
  L: unknown;
  z: { zgetc(): number };
  buff: Buff;
  source: { getstr(): Uint8Array };
  envn: unknown;
  rules51?: Rules51;
  /** The token before the current one. */
  previous51?: number;
  fs: { f: { is_vararg: boolean; [USES_VARARGS]?: boolean } } | null;
  /** A parameter list's `...` was read: `local arg = ...` follows its ')'. */
  varargParams51?: boolean;
  /** Tokens given to the parser before the source's next one, and whether the current one is such. */
  queued51?: { token: number; ts: unknown }[];
  injected51?: boolean;
}

const EOZ = -1;
const NL = 10;
const CR = 13;
/** 5.3 operators that are plain symbols in 5.1 travel under these codes, so no 5.3 rule matches them. */
const HIDDEN = 0x10000;
/**
 * The name of the chunk's environment upvalue: fengari's parser would resolve a variable named
 * `_ENV` to it; in 5.1 `_ENV` is an ordinary global, so the upvalue gets a name no script can write.
 */
const ENV_NAME = Uint8Array.of(0, 95, 69, 78, 86);

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number): boolean => isDigit(c) || isAlpha(c);
/** C's isspace: ' ', \t, \n, \v, \f, \r. */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isNewline = (c: number): boolean => c === NL || c === CR;

export function installLexer51(req: Require): void {
  const llex = req('fengari/src/llex.js') as {
    RESERVED: Record<string, number>;
    FIRST_RESERVED: number;
    LUA_ENV: Uint8Array;
    luaX_tokens: Uint8Array[];
    luaX_newstring(ls: LexState, s: Uint8Array): unknown;
    luaX_setinput(L: unknown, ls: LexState, z: unknown, source: unknown, firstchar: number): void;
    luaX_next(ls: LexState): void;
    luaX_lookahead(ls: LexState): number;
    luaX_syntaxerror(ls: LexState, msg: Uint8Array): never;
    luaX_token2str(ls: LexState, token: number): Uint8Array;
  };
  const lzio = req('fengari/src/lzio.js') as { luaZ_resizebuffer(L: unknown, b: Buff, n: number): void };
  const lobject = req('fengari/src/lobject.js') as { luaO_pushfstring(L: unknown, fmt: Uint8Array, ...a: unknown[]): Uint8Array };
  const ldo = req('fengari/src/ldo.js') as { luaD_throw(L: unknown, status: number): never };
  const lstring = req('fengari/src/lstring.js') as { luaS_bless(L: unknown, s: Uint8Array): unknown };
  const { thread_status } = req('fengari/src/defs.js') as { thread_status: { LUA_ERRSYNTAX: number } };
  const R = llex.RESERVED as Record<string, number> & { TK_EOS: number; TK_NAME: number; TK_STRING: number; TK_FLT: number; TK_EQ: number; TK_LE: number; TK_GE: number; TK_NE: number; TK_CONCAT: number; TK_DOTS: number; TK_INT: number };
  const FIRST = llex.FIRST_RESERVED;
  const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const reserved = new Map<string, number>();
  for (const w of ['and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'if', 'in', 'local', 'nil', 'not', 'or', 'repeat', 'return', 'then', 'true', 'until', 'while']) {
    reserved.set(w, R[`TK_${w.toUpperCase()}`] as number);
  }
  const text = (b: Uint8Array): string => String.fromCharCode(...b);

  const next = (ls: LexState): void => {
    ls.current = ls.z.zgetc();
  };
  const save = (ls: LexState, c: number): void => {
    const b = ls.buff;
    if (b.n + 1 > b.buffer.length) lzio.luaZ_resizebuffer(ls.L, b, b.buffer.length * 2);
    b.buffer[b.n++] = c;
  };
  const saveNext = (ls: LexState): void => {
    save(ls, ls.current);
    next(ls);
  };
  // 5.1 looks the character up with strchr, which also finds a NUL (the set's terminator).
  const checkNext = (ls: LexState, set: string): boolean => {
    if (ls.current < 0 || (ls.current !== 0 && !set.includes(String.fromCharCode(ls.current)))) return false;
    saveNext(ls);
    return true;
  };

  /** 5.1's luaX_token2str: the token's text, unquoted ("char(1)" for a control byte). */
  const token2str = (token: number): string => {
    if (token >= HIDDEN) return String.fromCharCode(token - HIDDEN);
    if (token < FIRST) return token < 32 || token === 127 ? `char(${token})` : String.fromCharCode(token);
    if (token === R.TK_FLT || token === R.TK_INT) return '<number>';
    return text(llex.luaX_tokens[token - FIRST] as Uint8Array);
  };
  /** What "near" shows: a name, string or number as the buffer holds it (a C string: up to a NUL). */
  const txtToken = (ls: LexState, token: number): string => {
    if (token === R.TK_NAME || token === R.TK_STRING || token === R.TK_FLT) {
      const b = ls.buff.buffer.subarray(0, ls.buff.n);
      const nul = b.indexOf(0);
      return text(nul < 0 ? b : b.subarray(0, nul));
    }
    return token2str(token);
  };
  const lexError = (ls: LexState, msg: string, token: number): never => {
    const where = lobject.luaO_pushfstring(ls.L, bytes('%s:%d: %s'), chunkid51(ls.source.getstr(), MAXSRC), ls.linenumber, bytes(msg));
    if (token !== 0) lobject.luaO_pushfstring(ls.L, bytes("%s near '%s'"), where, bytes(txtToken(ls, token)));
    return ldo.luaD_throw(ls.L, thread_status.LUA_ERRSYNTAX);
  };

  const incLine = (ls: LexState): void => {
    const old = ls.current;
    next(ls);
    if (isNewline(ls.current) && ls.current !== old) next(ls);
    ls.linenumber++;
  };

  const skipSep = (ls: LexState): number => {
    let count = 0;
    const s = ls.current;
    saveNext(ls);
    while (ls.current === 61) {
      saveNext(ls);
      count++;
    }
    return ls.current === s ? count : -count - 1;
  };

  const readLongString = (ls: LexState, seminfo: SemInfo | null, sep: number): void => {
    saveNext(ls);
    if (isNewline(ls.current)) incLine(ls);
    for (;;) {
      const c = ls.current;
      if (c === EOZ) lexError(ls, seminfo !== null ? 'unfinished long string' : 'unfinished long comment', R.TK_EOS);
      else if (c === 93) {
        if (skipSep(ls) === sep) {
          saveNext(ls);
          break;
        }
      } else if (isNewline(c)) {
        save(ls, NL);
        incLine(ls);
        if (seminfo === null) ls.buff.n = 0;
      } else if (seminfo !== null) saveNext(ls);
      else next(ls);
    }
    if (seminfo !== null) seminfo.ts = llex.luaX_newstring(ls, ls.buff.buffer.slice(2 + sep, ls.buff.n - (2 + sep)));
  };

  const ESCAPES: Record<number, number> = { 97: 7, 98: 8, 102: 12, 110: 10, 114: 13, 116: 9, 118: 11 };
  const readString = (ls: LexState, del: number, seminfo: SemInfo): void => {
    saveNext(ls);
    while (ls.current !== del) {
      const c = ls.current;
      if (c === EOZ) lexError(ls, 'unfinished string', R.TK_EOS);
      else if (isNewline(c)) lexError(ls, 'unfinished string', R.TK_STRING);
      else if (c === 92) {
        next(ls);
        const e = ls.current;
        const mapped = ESCAPES[e];
        if (mapped !== undefined) {
          save(ls, mapped);
          next(ls);
        } else if (isNewline(e)) {
          save(ls, NL);
          incLine(ls);
        } else if (e === EOZ) {
          // the loop raises "unfinished string"
        } else if (!isDigit(e)) saveNext(ls);
        else {
          let v = 0;
          let i = 0;
          do {
            v = 10 * v + ls.current - 48;
            next(ls);
          } while (++i < 3 && isDigit(ls.current));
          if (v > 255) lexError(ls, 'escape sequence too large', R.TK_STRING);
          save(ls, v);
        }
      } else saveNext(ls);
    }
    saveNext(ls);
    seminfo.ts = llex.luaX_newstring(ls, ls.buff.buffer.slice(1, ls.buff.n - 1));
  };

  const readNumeral = (ls: LexState, seminfo: SemInfo): number => {
    do saveNext(ls);
    while (isDigit(ls.current) || ls.current === 46);
    if (checkNext(ls, 'Ee')) checkNext(ls, '+-');
    while (isAlnum(ls.current) || ls.current === 95) saveNext(ls);
    const v = str2d51(ls.buff.buffer.subarray(0, ls.buff.n));
    if (v === null) lexError(ls, 'malformed number', R.TK_FLT);
    seminfo.r = v as number;
    return R.TK_FLT;
  };

  const skipComment = (ls: LexState): void => {
    next(ls);
    if (ls.current === 91) {
      const sep = skipSep(ls);
      ls.buff.n = 0;
      if (sep >= 0) {
        readLongString(ls, null, sep);
        ls.buff.n = 0;
        return;
      }
    }
    while (!isNewline(ls.current) && ls.current !== EOZ) next(ls);
  };

  const lex = (ls: LexState, seminfo: SemInfo): number => {
    ls.buff.n = 0;
    for (;;) {
      const c = ls.current;
      switch (c) {
        case NL:
        case CR:
          incLine(ls);
          continue;
        case 45: // '-', or a comment
          next(ls);
          if (ls.current !== 45) return 45;
          skipComment(ls);
          continue;
        case 91: {
          const sep = skipSep(ls);
          if (sep >= 0) {
            readLongString(ls, seminfo, sep);
            return R.TK_STRING;
          }
          if (sep === -1) return 91;
          return lexError(ls, 'invalid long string delimiter', R.TK_STRING);
        }
        case 61:
          next(ls);
          if (ls.current !== 61) return 61;
          next(ls);
          return R.TK_EQ;
        case 60:
          next(ls);
          if (ls.current !== 61) return 60;
          next(ls);
          return R.TK_LE;
        case 62:
          next(ls);
          if (ls.current !== 61) return 62;
          next(ls);
          return R.TK_GE;
        case 126:
          next(ls);
          if (ls.current !== 61) return HIDDEN + 126;
          next(ls);
          return R.TK_NE;
        case 34:
        case 39:
          readString(ls, c, seminfo);
          return R.TK_STRING;
        case 46:
          saveNext(ls);
          if (checkNext(ls, '.')) return checkNext(ls, '.') ? R.TK_DOTS : R.TK_CONCAT;
          if (!isDigit(ls.current)) return 46;
          return readNumeral(ls, seminfo);
        case EOZ:
          return R.TK_EOS;
        default:
          if (isSpace(c)) {
            next(ls);
            continue;
          }
          if (isDigit(c)) return readNumeral(ls, seminfo);
          if (isAlpha(c) || c === 95) {
            do saveNext(ls);
            while (isAlnum(ls.current) || ls.current === 95);
            const word = ls.buff.buffer.slice(0, ls.buff.n);
            const kw = word.length <= 8 ? reserved.get(text(word)) : undefined;
            if (kw !== undefined) return kw;
            seminfo.ts = llex.luaX_newstring(ls, word);
            return R.TK_NAME;
          }
          next(ls);
          return c === 38 || c === 124 ? HIDDEN + c : c;
      }
    }
  };

  const tokens: Tokens = {
    BREAK: R.TK_BREAK as number,
    DO: R.TK_DO as number,
    ELSE: R.TK_ELSE as number,
    ELSEIF: R.TK_ELSEIF as number,
    END: R.TK_END as number,
    EOS: R.TK_EOS,
    FOR: R.TK_FOR as number,
    FUNCTION: R.TK_FUNCTION as number,
    IF: R.TK_IF as number,
    LOCAL: R.TK_LOCAL as number,
    NAME: R.TK_NAME,
    REPEAT: R.TK_REPEAT as number,
    RETURN: R.TK_RETURN as number,
    STRING: R.TK_STRING,
    THEN: R.TK_THEN as number,
    UNTIL: R.TK_UNTIL as number,
    WHILE: R.TK_WHILE as number,
  };
  /** 5.1's `arg` of a vararg function (vararg51.ts): `local arg = <builder>(...)` after its ')'. */
  const argPrologue = (ls: LexState): { token: number; ts: unknown }[] => [
    { token: R.TK_LOCAL as number, ts: null },
    { token: R.TK_NAME, ts: llex.luaX_newstring(ls, bytes('arg')) },
    { token: 61, ts: null },
    { token: R.TK_NAME, ts: llex.luaX_newstring(ls, ARG_BUILDER) },
    { token: 40, ts: null },
    { token: R.TK_DOTS, ts: null },
    { token: 41, ts: null },
  ];
  llex.luaX_next = (ls) => {
    const consumed = ls.t.token;
    if (ls.injected51 !== true && ls.fs !== null) {
      // The parser consumes a parameter list's `...` before it marks the function vararg.
      if (consumed === R.TK_DOTS) {
        if (ls.fs.f.is_vararg) ls.fs.f[USES_VARARGS] = true;
        else ls.varargParams51 = true;
      } else if (consumed === 41 && ls.varargParams51 === true) {
        ls.varargParams51 = false;
        ls.queued51 = argPrologue(ls);
      }
    }
    ls.previous51 = consumed;
    ls.lastline = ls.linenumber;
    const queued = ls.queued51?.shift();
    ls.injected51 = queued !== undefined;
    if (queued !== undefined) {
      ls.t.token = queued.token;
      ls.t.seminfo.ts = queued.ts;
      return;
    }
    if (ls.lookahead.token !== R.TK_EOS) {
      ls.t.token = ls.lookahead.token;
      ls.t.seminfo.r = ls.lookahead.seminfo.r;
      ls.t.seminfo.ts = ls.lookahead.seminfo.ts;
      ls.lookahead.token = R.TK_EOS;
    } else ls.t.token = lex(ls, ls.t.seminfo);
    const v = ls.rules51?.next(ls.t.token, ls.linenumber, ls.linenumber === ls.lastline);
    if (v != null) lexError(ls, v.message, ls.t.token);
  };
  llex.luaX_lookahead = (ls) => (ls.lookahead.token = lex(ls, ls.lookahead.seminfo));
  // The parser quotes what token2str gives in "X expected" messages: 5.1 quotes every token there.
  llex.luaX_token2str = (ls, token) => lobject.luaO_pushfstring(ls.L, bytes("'%s'"), bytes(token2str(token)));
  llex.luaX_syntaxerror = (ls, msg) => {
    const m = text(msg);
    const limit = limit51(m);
    // 5.1 names no token when a limit is passed.
    if (limit !== null) return lexError(ls, limit, 0);
    // 5.3 refuses an expression statement that is not a call; 5.1 reads a variable there as the
    // start of an assignment, and asks for its '='.
    const t = ls.t.token;
    if (m === 'syntax error' && t !== 61 && t !== 44 && (ls.previous51 === R.TK_NAME || ls.previous51 === 93)) return lexError(ls, "'=' expected", t);
    return lexError(ls, m === 'function or expression needs too many registers' ? 'function or expression too complex' : m, t);
  };
  const setinput = llex.luaX_setinput;
  llex.luaX_setinput = (L, ls, z, source, firstchar) => {
    setinput(L, ls, z, source, firstchar);
    ls.envn = lstring.luaS_bless(L, ENV_NAME);
    ls.rules51 = new Rules51(tokens, token2str);
    ls.previous51 = 0;
  };
  // Debug messages call a variable of the environment "global" by this name.
  llex.LUA_ENV = ENV_NAME;
  // 5.1's limit of 60 upvalues, not counting 5.3's _ENV one, is in the parser's source (fengari-source.ts).
}

/** 5.1's words for a limit the parser passed, or null for another message. */
function limit51(msg: string): string | null {
  const m = /^too many (.+) \(limit is (\d+)\) in (main function|function at line \d+)$/.exec(msg);
  if (m === null) return null;
  if (m[1] === 'JS levels') return 'chunk has too many syntax levels';
  return `${m[3]} has more than ${m[1] === 'upvalues' ? 60 : m[2]} ${m[1]}`;
}
