// Lua 5.1's compiler as redis-server 7.0 runs it, against the real server: syntax Lua 5.3 added is
// refused with 5.1's message (goto and labels, `//`, bitwise operators) or read as 5.1 reads it
// (`goto` is a name, `\x41` is "x41", `\z` and `\u{}` are plain letters), numbers follow strtod,
// integers are not a kind of number a script can see, and malformed scripts get 5.1's words
// (empty statements, `break` not last or outside a loop, ambiguous calls, '<name>' expected...).
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** 5.3-only syntax and numbers: what each does on Redis's Lua 5.1. */
const LUA53 = [
  "goto l ::l:: return 1",
  "::l:: return 1",
  "do goto x end ::x:: return 1",
  "return 3 // 2",
  "return 3 & 1",
  "return 3 | 1",
  "return 3 ~ 1",
  "return ~3",
  "return 1 << 2",
  "return 4 >> 1",
  "return \"a\\z  b\"",
  "return \"\\u{48}\"",
  "return \"\\x41\"",
  "return \"\\q\"",
  "return \"\\9\"",
  "return \"\\300\"",
  "return \"\\256\"",
  "return \"\\255\"",
  "local goto = 1 return goto",
  "local x <const> = 1 return x",
  "return 1 // comment",
  "return 0x1p4",
  "return 0x.8",
  "return 1e",
  "return 3//2",
  "local t = {} t.goto = 1 return t.goto",
  "return #\"abc\"",
  "return 2^53",
  "return tostring(2^53)",
  "return tostring(1e15)",
  "return tostring(1e16)",
  "return tostring(-0.0)",
  "return tostring(0/0)",
  "return math.type",
  "return math.type(1)",
  "return string.format('%d', 3.5)",
  "return tostring(math.floor(3.5))",
  "return tostring(math.floor(-3.5))",
  "return tostring(2^63)",
  "return tostring(9007199254740993)",
  "return tostring(9223372036854775807)",
  "return tostring(9223372036854775807 + 1)",
  "return tostring(3 % -2)",
  "return tostring(-3 % 2)",
  "return tostring(5.5 % 2)",
  "return tostring(1/0 % 2)",
  "return tostring(3 / 2)",
  "return tostring(7 // 2)",
];

/** Malformed scripts (and valid ones near them): the compile error, or the run, as on redis-server. */
const MALFORMED = [
  "local 1",
  "local function 1",
  "function 1() end",
  "local x = ",
  "x",
  "x y",
  "(x) y",
  "a.b c",
  "a[1] c",
  "f() g",
  "return return",
  "local t = {1 2}",
  "local t = {a=}",
  "for i=1,2 return end",
  "for a,b = 1 do end",
  "for 1 do end",
  "while true end",
  "repeat until",
  "if x end",
  "if x then else else end",
  "function f( end",
  "function f(a,) end",
  "function f(..., a) end",
  "return ...",
  "local function f() return ... end",
  "x = function() end end",
  "local a, b, = 1",
  "a, b, = 1",
  "a.b:c = 1",
  "a:b",
  "a:b.c()",
  "return f(",
  "return {",
  "return (",
  "return [==[ x",
  "return [=x",
  "return \"abc\\",
  "def\"",
  "return 1 .. ",
  "return not",
  "return -",
  "return #",
  "return 0x1g",
  "return 1e+",
  "return 1.2.3",
  "return 08",
  "return 1x",
  "return .5e",
  "return 3abc",
  "return @",
  "return $",
  "return `",
  "return !",
  "return ?",
  "break",
  "do break end",
  "while true do break; x() end",
  "while true do return; x() end",
  "if true then break end",
  "for i = 1, 2 do local x = 1 break end",
  "return 1;;",
  ";",
  "local x = 1;; return x",
  "local f = print\n(1)",
  "local a = f\n(1)()",
  "return \"a\\0b\" x",
  "return 'a' 'b'",
  "return [[a]] b",
  "x = [[ [[ ]]",
  "--[[ [[ ]]",
  "return [==[ [==[ ]==]",
  "local a <const> = 1",
  "return 1 goto",
  "local function goto() end return 1",
  "goto = 5 return goto",
  "return function() local goto end",
  "return {goto = 1}",
  "local t = {goto = 2} return t['goto']",
  "local _ENV = {} return 1",
  "return _ENV",
  "return select('#', ...)",
  "return arg",
  "local a = {...} return #a",
  "return 1 and",
  "return f{}.x",
  "return (\"x\"):rep(2)",
  "return \"x\":rep(2)",
  "return {[1]=1, [2]=}",
  "return a.1",
  "return a..b",
  "return 1 == == 2",
  "return 1 ~= = 2",
  "return 1 ~ = 2",
  "return ~= 2",
  "return a ~",
  "return 1 else",
  "end",
  "until x",
  "elseif x then",
  "then",
  "in",
  "return nil.x",
  "return true()",
  "local x <close> = 1",
  "return 1, 2;;",
  "return function() x = 1;; end",
  "local f = function() end;; return 1",
  "while true do if x then break; y() end end",
  "while true do\nbreak\nx = 1 end",
  "repeat break; x() until true",
  "repeat local x = 1 until x;;",
  "for i=1,2 do break end;",
  "local function f(a)\n(g)() end",
  "local x\n(print)()",
  "function t.a.b\n(x) end return 1",
  "local s = \"x\"\n(f)()",
  "local t = {}\n(f)()",
  "local t = f{}\n(g)()",
  "x = a.b\n(f)()",
  "x = a[1]\n(f)()",
  "x = (a)\n(f)()",
  "local t = {a\n(1)}",
  "do ; end",
  "if true then ; end",
  "if true then else ; end",
  "function f() ; end",
  "function f(a) ; end",
  "repeat ; until true",
  "x = {1;2;}",
  "x = {;}",
  "for i=1,2 do ; end",
];

const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** 5.1's limits (200 locals, 60 upvalues, 200 syntax levels), and `_ENV` as an ordinary global. */
const LIMITS = [
  `local ${names('a', 201).join(', ')} return 1`,
  `local ${names('a', 200).join(', ')} return 1`,
  `local function f() local ${names('a', 201).join(', ')} end return 1`,
  `return ${'('.repeat(300)}1${')'.repeat(300)}`,
  `return ${'('.repeat(190)}1${')'.repeat(190)}`,
  `${names('u', 70).map((n, i) => `local ${n} = ${i}`).join(' ')} local function f() return ${names('u', 70).join('+')} end return f()`,
  `${names('u', 50).map((n, i) => `local ${n} = ${i}`).join(' ')} local function f() return ${names('u', 50).join('+')} end return f()`,
  'return _ENV',
  'local _ENV = {} return x',
];

/** Chunks compiled at run time and function libraries go through the same compiler. */
const ELSEWHERE = [
  "return select(2, loadstring('return 3 // 2'))",
  "return select(2, loadstring('goto x ::x::'))",
  "return loadstring('return \"\\x41\\z  b\"')()",
  "local goto = loadstring('local goto = 2 return goto') return goto()",
  "return select(2, loadstring('break'))",
  "return select(2, loadstring('local t = {}\\n(f)()'))",
];

const LIBRARIES = [
  "#!lua name=l51a\nredis.register_function('f', function() return 3 // 2 end)",
  "#!lua name=l51b\nredis.register_function('f', function() return 1 end) ::x::",
  "#!lua name=l51c\nlocal goto = 1 redis.register_function('f', function() return goto end)",
  "#!lua name=l51d\nredis.register_function('f', function() return 1 end);;",
  "#!lua name=l51e\nlocal x = 1 & 2",
];

describe.skipIf(!available)('Lua 5.1 syntax as redis-server 7.0 compiles it', () => {
  const servers = serverPair();

  it('5.3-only syntax is refused or read as 5.1 reads it', async () => {
    const out = await differential(servers.ours.port, servers.real.port, LUA53.map((s) => ['EVAL', s, '0']));
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  }, 60_000);

  it('malformed scripts get 5.1 messages', async () => {
    const out = await differential(servers.ours.port, servers.real.port, [...MALFORMED, ...LIMITS].map((s) => ['EVAL', s, '0']));
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  }, 60_000);

  it('loadstring and FUNCTION LOAD compile as EVAL does', async () => {
    const cmds = [...ELSEWHERE.map((s) => ['EVAL', s, '0']), ...LIBRARIES.map((s) => ['FUNCTION', 'LOAD', s]), ['FCALL', 'f', '0']];
    const out = await differential(servers.ours.port, servers.real.port, cmds);
    expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
  }, 60_000);
});
