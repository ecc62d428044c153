// FUNCTION / FCALL commands sent to both servers by scripting-functions.test.ts.
export const FUNCTION_CASES: string[][] = [
 [
  "function",
  "flush"
 ],
 [
  "function",
  "load",
  "x"
 ],
 [
  "function",
  "load",
  "#!lua\nreturn 1"
 ],
 [
  "function",
  "load",
  "#!lua name=lib foo=bar\nreturn 1"
 ],
 [
  "function",
  "load",
  "#!py name=lib\nreturn 1"
 ],
 [
  "function",
  "load",
  "#!lua name=l-b\nreturn 1"
 ],
 [
  "function",
  "load",
  "#!lua name=lib\nreturn 1"
 ],
 [
  "function",
  "load",
  "#!lua name=lib\nredis.register_function('f', function(keys, args) return redis.call('ping') end)"
 ],
 [
  "function",
  "load",
  "#!lua name=lib\nredis.register_function('f', function(keys, args) return 1 end)"
 ],
 [
  "function",
  "load",
  "#!lua name=lib2\nredis.register_function('f', function(keys, args) return 1 end)"
 ],
 [
  "function",
  "load",
  "#!lua name=lib3\nredis.call('ping')"
 ],
 [
  "function",
  "load",
  "#!lua name=lib3\nredis.register_function{function_name='g', callback=function() return 1 end, flags={'no-writes','bad'}}"
 ],
 [
  "function",
  "load",
  "#!lua name=lib3\nredis.register_function{function_name='g', callback=function(k, a) return {k[1], a[1]} end, flags={'no-writes'}, description='desc'}"
 ],
 [
  "function",
  "load",
  "#!lua name=lib4\nreturn +"
 ],
 [
  "function",
  "load",
  "#!lua name=lib4\nerror('boom')"
 ],
 [
  "function",
  "load",
  "#!lua name=lib4\nredis.register_function('a-b', function() end)"
 ],
 [
  "function",
  "load",
  "#!lua name=lib4\nredis.register_function('h')"
 ],
 [
  "function",
  "load",
  "#!lua name=lib4\nredis.register_function('h', function() end) redis.register_function('h', function() end)"
 ],
 [
  "fcall",
  "g",
  "1",
  "key",
  "arg"
 ],
 [
  "fcall",
  "f",
  "0"
 ],
 [
  "fcall_ro",
  "f",
  "0"
 ],
 [
  "fcall_ro",
  "g",
  "1",
  "k",
  "a"
 ],
 [
  "fcall",
  "nope",
  "0"
 ],
 [
  "fcall",
  "f",
  "x"
 ],
 [
  "fcall",
  "f",
  "5"
 ],
 [
  "fcall",
  "g",
  "0"
 ],
 [
  "function",
  "load",
  "#!lua name=lib5\nredis.register_function('e', function(k, a) error('boom') end) redis.register_function('w', function(k, a) return redis.call('set', k[1], a[1]) end)"
 ],
 [
  "fcall",
  "e",
  "0"
 ],
 [
  "fcall",
  "w",
  "1",
  "kk",
  "vv"
 ],
 [
  "function",
  "list",
  "withcode",
  "libraryname",
  "lib3"
 ],
 [
  "function",
  "list",
  "libraryname"
 ],
 [
  "function",
  "list",
  "bad"
 ],
 [
  "function",
  "stats"
 ],
 [
  "function",
  "delete",
  "nope"
 ],
 [
  "function",
  "delete",
  "lib5"
 ],
 [
  "function",
  "kill"
 ],
 [
  "function",
  "load",
  "#!lua name=lib\nredis.register_function('f2', function(keys, args) return 2 end)"
 ],
 [
  "function",
  "load",
  "replace",
  "#!lua name=lib\nredis.register_function('f2', function(keys, args) return 2 end)"
 ],
 [
  "function",
  "restore",
  "bad"
 ],
 [
  "function",
  "flush",
  "bad"
 ],
 [
  "function",
  "help"
 ],
 // A function cannot reach the real globals through getmetatable nor replace _G's metatable
 // (Redis's unit/functions and unit/scripting "trick global protection" tests).
 ["function", "load", "replace", "#!lua name=tricks\nredis.register_function('swap', function() setmetatable(_G, {}) end)\nredis.register_function('peek', function() local mt = getmetatable(_G) local g = mt.__index g['redis'] = 1 end)\nredis.register_function('ok', function() return {redis.call('ping'), type(setmetatable), type(KEYS)} end)"],
 ["fcall", "swap", "0"],
 ["fcall", "peek", "0"],
 ["eval", "return KEYS[1]", "1", "k"],
 ["fcall", "ok", "0"],
 ["function", "load", "replace", "#!lua name=tricks\nmt = getmetatable(_G)"],
  // register_function argument errors, FUNCTION LOAD timeout, case-insensitive FCALL, subcommand syntax errors (found by unit/functions)
  ["function", "flush"],
  ["function", "load", "#!lua name=a\nredis.register_function(1, function() return 1 end)"],
  ["fcall", "1", "0"],
  ["function", "load", "#!lua name=b\nredis.register_function({}, function() return 1 end)"],
  ["function", "load", "#!lua name=b\nredis.register_function('x', 'y')"],
  ["function", "load", "#!lua name=b\nredis.register_function{function_name='x', callback=function() return 1 end, flags={'NO-WRITES'}}"],
  ["function", "list", "libraryname", "b"],
  ["function", "load", "#!lua name=c\nredis.register_function{function_name='x', callback=function() return 1 end, foo=1}"],
  ["function", "load", "#!lua name=c\nredis.register_function{function_name='x'}"],
  ["function", "load", "#!lua name=c\nredis.register_function{callback=function() return 1 end}"],
  ["function", "load", "#!lua name=c\nredis.register_function{function_name={}, callback=function() return 1 end}"],
  ["function", "load", "#!lua name=c\nredis.register_function{function_name='x', description={}, callback=function() return 1 end}"],
  ["function", "load", "#!lua name=c\nredis.register_function{function_name='x', callback=function() return 1 end, flags={1}}"],
  ["function", "load", "#!lua name=c\nredis.register_function{function_name='x', callback=function() return 1 end, flags='no-writes'}"],
  ["function", "load", "#!lua name=c\nredis.register_function{[1]='x', callback=function() return 1 end}"],
  ["function", "load", "#!lua name=c\nredis.register_function{function_name='x', callback=2}"],
  ["function", "load", "#!lua name=c\nredis.register_function{function_name='x', callback=function() return 1 end, Description='d'}"],
  ["function", "list", "libraryname", "c"],
  ["function", "load", "#!lua name=d\nredis.register_function('x')"],
  ["function", "load", "#!lua name=d\nredis.register_function()"],
  ["function", "load", "#!lua name=d\nredis.register_function('a','b','c')"],
  ["function", "load", "#!lua name=d\nredis.register_function('y', function() return 1 end) error('boom')"],
  ["function", "load", "#!lua name=d\nredis.register_function('y', function() return 1 end) redis.call('ping')"],
  ["function", "load", "#!lua name=d\nlocal a = 1 while 1 do a = a + 1 end"],
  ["function", "load", "#!lua name=d\nredis.register_function('y', function() return 1 end) pcall(function() while 1 do end end) return 1"],
  ["function", "list", "libraryname", "d"],
  ["function", "restore", "a", "b", "c"],
  ["FUNCTION", "RESTORE", "a", "b", "c"],
  ["function", "flush", "sync", "x"],
  ["function", "flush", "x"],
  ["function", "stats", "x"],
  ["function", "dump", "x"],
  ["function", "kill", "x"],
  ["function", "help", "x"],
  ["function", "list", "x"],
  ["function", "delete"],
  ["function", "load"],
  ["fcall", "X", "0"]
];
