// Generated Lua script bodies for EVAL, EVALSHA and FCALL: redis.call/pcall of random commands,
// every reply conversion, the libraries Redis ships (cjson, cmsgpack, struct, bit), string.format,
// number edges where Lua 5.1 and later Luas part (integer division, %d of a float, NaN, -0, 2^63),
// tables with holes, pcall nestings. Scripts are bounded: no loop runs more than a few times.
import { pick } from '../../test/engines/redis/random.ts';
import type { Rnd } from './values.ts';

/** A command with deterministic replies (no random picks, clocks, dict order), as strings. */
export type CommandGen = (r: Rnd) => string[];

/** A Lua 5.1 string literal of any bytes: \ddd for everything outside printable ASCII. */
export function luaString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (c < 32 || c > 126) out += `\\${String(c).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const NUMBERS = ['0', '1', '-1', '2', '3.99', '-3.5', '0.5', '0.1', '1e308', '-1e308', '1e309', '2^53', '2^53+1', '2^63', '-2^63', '2^64', '0/0', '-(0/0)', '1/0', '-1/0', '-0', '0x10', '0xff', '1e-320', '4.9e-324', '123456789012345678', '9007199254740993', '1 ^ (0/0)', '(0/0) ^ 0', '10 % 3', '-7 % 3', '7 % -3', '5.5 % 2', '1 % 0', '-1 % (1/0)', '7 / 2', '2^31', '-2^31', '2^32', '4294967295', '1e15', '1e16', '100000000000000', '0.1 + 0.2', '3 - 3.0', 'math.huge', '-math.huge', 'math.pi'];
// Numbers in place of a command's argument: none that names a huge offset (SETBIT k 4294967295 allocates 512 MB).
const ARG_NUMBERS = ['0', '1', '-1', '2', '3.99', '-3.5', '0.5', '1e308', '1/0', '-1/0', '0/0', '-0', '2^53', '2^63', '-2^63', '0x10', '1e-320', '7 / 2'];
const WORDS = ['', 'a', 'x', 'hello', 'OK', 'ERR bad', '-ERR x', 'E1 custom', '1', '-1', '3.5', ' 12 ', '0x1p4', '1e400', 'inf', '-inf', 'nan', '-0', '9223372036854775807', '9223372036854775808', '18446744073709551616', '00012', '1e', '\x00', 'a\x00b', '\xff\xfe', '\r\n', 'y'.repeat(70)];
const FORMATS = ['%d', '%5.2f', '%g', '%.17g', '%.14g', '%s', '%q', '%x', '%X', '%o', '%c', '%e', '%i', '%%', '%-5d|', '%+d', '%.3s', '%10s', '%u', '%5.1s', '%#x', '% d', '%05d', '%.0f', '%.20f', '%a'];
const JSON_TEXTS = ['[1,2,3]', '{"a":1}', '1e400', '"\\u00e9"', '[1,null,3]', '{"a":[1,{"b":null}]}', '0x10', '-0', '123456789012345678901', '[', 'nan', 'true', '"a"', '[1.5,-0.0,1e-7]', '{"1":1,"2":2}', '[[[[1]]]]', ' [] ', '{}', '"\\ud83d\\ude00"', '1.0', '-1e-400', '{"a":1,"a":2}'];
const STRUCTS = ['>I4', '<i2', 'b', 'B', 'h', 'H', 'l', 'L', 'f', 'd', 'c3', 's', 'i8', '!4 i4', '>i3', 'I16', 'c0', 'x', 'i', '<d', 'Q', '>I8'];
const FLAGS = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys', 'x', ''];
const BIT_OPS = ['band', 'bor', 'bxor', 'lshift', 'rshift', 'arshift', 'rol', 'ror'];
const MATH_1 = ['floor', 'ceil', 'abs', 'sqrt', 'log', 'log10', 'exp', 'frexp', 'modf', 'sin', 'tan', 'deg', 'rad'];
const STRING_1 = ['len', 'upper', 'lower', 'reverse', 'byte'];
const PATTERNS = ['%d+', '%a', '(.)(.)', '^x', '[%z]', '.-', '%s*$', '(', '%', 'a*', '[^a]', '%b()', '%f[%w]'];

/** Shebang flags for EVAL scripts (a function's flags go in register_function). */
export function shebang(r: Rnd): string {
  if (r() < 0.3) return '#!lua\n';
  const n = Math.floor(r() * 3);
  return `#!lua flags=${Array.from({ length: n }, () => pick(r, FLAGS)).join(',')}\n`;
}

export class LuaGen {
  private locals = 0;

  constructor(
    private readonly r: Rnd,
    private readonly command: CommandGen,
  ) {}

  /** A whole body: a few statements and usually a return. */
  body(): string {
    const r = this.r;
    const lines: string[] = [];
    if (r() < 0.25) lines.push(`redis.setresp(${pick(r, ['3', '3', '2', '4', '"3"'])})`);
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) lines.push(this.statement());
    const end = r();
    if (end < 0.85) lines.push(`return ${this.expr(0)}`);
    // Never a table without a string err: redis-server 7.0.15 crashes on one left uncaught (error({1})).
    else if (end < 0.92) lines.push(`error(${pick(r, [luaString(pick(r, WORDS)), pick(r, NUMBERS), `{err=${luaString(pick(r, WORDS))}}`])})`);
    return lines.join('\n');
  }

  private local(): string {
    return this.locals === 0 ? 'nil' : `v${1 + Math.floor(this.r() * this.locals)}`;
  }

  private statement(): string {
    const r = this.r;
    const x = r();
    if (x < 0.45) return `local v${++this.locals} = ${this.expr(0)}`;
    if (x < 0.65) return this.call();
    if (x < 0.75) return `if ${this.expr(1)} then return ${this.expr(1)} end`;
    if (x < 0.85) {
      const t = `v${++this.locals}`;
      const count = pick(r, ['3', '0', '5']);
      const index = pick(r, ['', ' * 2', ' + 1']);
      // Never the table itself (nor a table holding it): returned, a cycle is endless nesting, which
      // redis-server 7.0.15 writes out until it is killed, and ours until its reply buffer passes 4 GB (seed 118508).
      const value = this.expr(2).replace(new RegExp(`\\b${t}\\b`, 'g'), 'nil');
      return `local ${t} = {}\nfor i = 1, ${count} do ${t}[i${index}] = ${value} end`;
    }
    if (x < 0.92) return `redis.setresp(${pick(r, ['2', '3'])})`;
    return `local ok${this.locals}, e${this.locals} = pcall(function() ${this.call()} end)`;
  }

  /** A redis.call or redis.pcall of a generated command, its arguments as strings or Lua numbers. */
  call(): string {
    const r = this.r;
    const args = this.command(r).map((a) => (r() < 0.15 && /^-?\d+(\.\d+)?$/.test(a) ? a : r() < 0.05 ? pick(r, ARG_NUMBERS) : luaString(a)));
    if (r() < 0.05) args.push(pick(r, ['nil', '{}', 'true', '1.5', 'KEYS[1]', 'ARGV[1]']));
    return `redis.${r() < 0.6 ? 'call' : 'pcall'}(${args.join(', ')})`;
  }

  private str(): string {
    return this.r() < 0.7 ? luaString(pick(this.r, WORDS)) : this.expr(2);
  }

  expr(depth: number): string {
    const r = this.r;
    if (depth > 3) return this.atom();
    const d = depth + 1;
    const choices: (() => string)[] = [
      () => this.atom(),
      () => this.atom(),
      () => this.call(),
      () => this.call(),
      () => this.table(d),
      () => `{${pick(r, ['ok', 'err', 'double', 'map', 'set', 'big_number', 'verbatim_string'])}=${this.expr(d)}}`,
      () => `redis.${pick(r, ['error_reply', 'status_reply'])}(${this.str()})`,
      // Not of a table: its address is redis-server's own, and its length shows in what is built on it.
      () => `tostring(${this.r() < 0.5 ? this.atom() : this.str()})`,
      () => `tonumber(${this.str()}${r() < 0.3 ? `, ${pick(r, ['2', '16', '36', '10', '1', '37', '8'])}` : ''})`,
      () => `string.format(${luaString(pick(r, FORMATS) + (r() < 0.4 ? ` ${pick(r, FORMATS)}` : ''))}, ${this.expr(d)}${r() < 0.4 ? `, ${this.expr(d)}` : ''})`,
      () => `math.${pick(r, MATH_1)}(${this.expr(d)})`,
      () => `math.${pick(r, ['fmod', 'max', 'min', 'pow', 'ldexp'])}(${this.expr(d)}, ${this.expr(d)})`,
      () => `math.random(${pick(r, ['', '10', '1, 3', '0', '2^31'])})`,
      () => `string.${pick(r, STRING_1)}(${this.str()})`,
      () => `string.rep(${this.str()}, ${pick(r, ['0', '2', '-1', '3.7'])})`,
      () => `string.sub(${this.str()}, ${pick(r, ['1', '2', '-1', '0', '-100', '2.5'])}${r() < 0.6 ? `, ${pick(r, ['1', '-2', '3', '100'])}` : ''})`,
      () => `string.${pick(r, ['find', 'match', 'gsub'])}(${this.str()}, ${luaString(pick(r, PATTERNS))}${r() < 0.3 ? `, ${luaString(pick(r, ['', '%1', 'x', '%0', '%2']))}` : ''})`,
      () => `string.char(${pick(r, ['65', '0', '255', '256', '-1', '72, 105', '3.7'])})`,
      () => `(${this.expr(d)}) .. (${this.expr(d)})`,
      () => `(${this.expr(d)}) ${pick(r, ['+', '-', '*', '/', '%', '^', '==', '<', '<=', 'and', 'or', '~='])} (${this.expr(d)})`,
      () => `${pick(r, ['-', 'not ', '#'])}(${this.expr(d)})`,
      () => `#${this.table(d)}`,
      () => `select(${pick(r, ["'#'", '2', '-1', '1', '0'])}, ${this.expr(d)}, ${this.expr(d)})`,
      () => `{unpack(${this.table(d)}${r() < 0.3 ? `, ${pick(r, ['2', '0', '-1'])}, ${pick(r, ['3', '1', '5'])}` : ''})}`,
      () => `table.${pick(r, ['concat', 'getn', 'maxn'])}(${this.table(d)}${r() < 0.3 ? `, ${luaString(pick(r, [',', '', '-']))}` : ''})`,
      () => `(function() local t = ${this.table(d)} table.sort(t${r() < 0.3 ? ', function(a, b) return a > b end' : ''}) return t end)()`,
      () => `(function() local t = ${this.table(d)} table.insert(t, ${pick(r, ['1', '2', '5', '0'])}, ${this.expr(d)}) table.remove(t${r() < 0.5 ? `, ${pick(r, ['1', '10', '0'])}` : ''}) return t end)()`,
      () => `cjson.encode(${this.expr(d)})`,
      () => `cjson.decode(${luaString(pick(r, JSON_TEXTS))})`,
      () => `cmsgpack.pack(${this.expr(d)}${r() < 0.2 ? `, ${this.expr(d)}` : ''})`,
      () => `{cmsgpack.unpack(cmsgpack.pack(${this.expr(d)}))}`,
      () => `struct.pack(${luaString(pick(r, STRUCTS))}, ${this.expr(d)})`,
      () => `{struct.unpack(${luaString(pick(r, STRUCTS))}, ${this.str()})}`,
      () => `struct.size(${luaString(pick(r, STRUCTS))})`,
      () => `bit.${pick(r, BIT_OPS)}(${this.expr(d)}, ${pick(r, ['1', '31', '32', '-1', '0', '33', '2^32'])})`,
      () => `bit.${pick(r, ['tobit', 'bnot', 'tohex', 'bswap'])}(${this.expr(d)})`,
      () => `type(${this.expr(d)})`,
      () => `redis.sha1hex(${this.str()})`,
      () => `{pcall(${pick(r, ['function() return ' + this.expr(d) + ' end', 'error', 'redis.call', 'pcall', 'error, ' + this.str(), 'error, {err=' + this.str() + '}', 'redis.call, "GET"', 'redis.call, "NOSUCH"', 'redis.pcall, "INCR"', 'pcall, error', 'tostring'])})}`,
      () => `{next(${this.table(d)})}`,
      () => `(function() local n = 0 for k, v in pairs(${this.table(d)}) do n = n + 1 end return n end)()`,
      () => `(function() local o = {} for k, v in pairs(${this.table(d)}) do o[#o + 1] = tostring(k) end return o end)()`,
      () => this.local(),
    ];
    return pick(r, choices)();
  }

  private atom(): string {
    const r = this.r;
    const x = r();
    if (x < 0.35) return pick(r, NUMBERS);
    if (x < 0.65) return luaString(pick(r, WORDS));
    if (x < 0.75) return pick(r, ['true', 'false', 'nil']);
    if (x < 0.9) return pick(r, ['KEYS[1]', 'ARGV[1]', 'KEYS[2]', '#KEYS', '#ARGV', 'ARGV']);
    return this.local();
  }

  private table(d: number): string {
    const r = this.r;
    if (r() < 0.25) return pick(r, ['{1, nil, 3}', '{nil, nil, 3}', '{1, 2, nil}', '{[1]=1, [2]=2, [4]=4}', '{[1]=1, [5]=5}', '{a=1, b=2, c=3}', '{1, 2, a=1}', '{[1.5]=1}', '{[0]=0, 1}', '{}', '{{}}', '{-0, 0/0}']);
    const n = Math.floor(r() * 4);
    const items = Array.from({ length: n }, () => (r() < 0.15 ? `${pick(r, ['a', 'b', 'ok', 'err', 'x1'])}=${this.expr(d)}` : this.expr(d)));
    return `{${items.join(', ')}}`;
  }
}

/** A whole EVAL script, sometimes behind a shebang. */
export function evalScript(r: Rnd, command: CommandGen): string {
  const head = r() < 0.15 ? shebang(r) : '';
  return head + new LuaGen(r, command).body();
}

/** A library of one or two generated functions with random flags, named gen/g1/g2. */
export function library(r: Rnd, command: CommandGen): string {
  const fns: string[] = [];
  const count = r() < 0.7 ? 1 : 2;
  for (let i = 1; i <= count; i++) {
    const body = new LuaGen(r, command).body().replace(/\n/g, '\n  ');
    const flags = r() < 0.5 ? '' : `, flags={${Array.from({ length: 1 + Math.floor(r() * 2) }, () => luaString(pick(r, FLAGS))).join(', ')}}`;
    fns.push(`redis.register_function{function_name='g${i}', callback=function(KEYS, ARGV)\n  ${body}\nend${flags}}`);
  }
  return `#!lua name=gen\n${fns.join('\n')}`;
}
