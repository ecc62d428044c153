// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FCALL, FCALL_RO and FUNCTION (engines/redis/scripting).
import type { Client } from '../client.ts';
import { asCString } from '../c-string.ts';
import { defineGroup } from '../command-table.ts';
import { E, fail } from '../errors.ts';
import { globMatch } from '../glob.ts';
import { toI64 } from '../num.ts';
import { flagNames } from '../scripting/flags.ts';
import { BUSY_EVAL } from '../scripting/scripting.ts';
import { dumpFunctionsSteps, parseFunctionDump } from '../scripting/function-dump.ts';
import { writeHelp, keyword } from './util.ts';
import { runSliced } from '../sliced.ts';

/** KEYS and ARGV of EVAL-like commands: `cmd body numkeys key... arg...`. */
export function splitKeys(args: string[]): { keys: string[]; argv: string[] } {
  const n = numkeys(args, E.NOT_INT);
  return { keys: args.slice(3, 3 + n), argv: args.slice(3 + n) };
}

/** The numkeys argument, checked as redis-server checks it; `notInt` is the command's error for a non-integer. */
function numkeys(args: string[], notInt: string): number {
  const a = args[2] as string;
  // The common case, one digit, without string2ll's BigInt.
  if (a.length === 1 && a >= '0' && a <= '9' && a.charCodeAt(0) - 48 <= args.length - 3) return a.charCodeAt(0) - 48;
  // string2ll, as redis-server reads numkeys: no '-0', '00' or '+1'.
  const v = toI64(a);
  if (v === null) fail(notInt);
  if (v > BigInt(args.length - 3)) fail("ERR Number of keys can't be greater than number of args");
  if (v < 0n) fail("ERR Number of keys can't be negative");
  return Number(v);
}

/** Key positions for COMMAND GETKEYS and cluster routing: the numkeys keys after the body. */
export function numkeysPositions(args: string[]): number[] {
  const n = Number(args[2]);
  if (!Number.isInteger(n) || n <= 0 || n > args.length - 3) return [];
  return Array.from({ length: n }, (_, i) => 3 + i);
}

function evalGeneric(c: Client, args: string[], bySha: boolean, readOnly: boolean): void {
  const s = c.engine.scripting;
  // A SHA that is not 40 characters long cannot match: redis-server says so before reading numkeys.
  if (bySha && (args[1] as string).length !== 40) fail('NOSCRIPT No matching script. Please use EVAL.');
  const { keys, argv } = splitKeys(args);
  let sha: string;
  let script;
  if (bySha) {
    sha = (args[1] as string).toLowerCase();
    script = s.bySha(args[1] as string);
    if (script === undefined) fail('NOSCRIPT No matching script. Please use EVAL.');
  } else {
    script = s.load(args[1] as string);
    sha = script.sha;
  }
  const flags = script.flags;
  s.run({ caller: c, command: args, fnRef: script.ref, name: sha, flags, readOnlyCommand: readOnly, evalMode: true, keys, args: argv, asArguments: false });
}

function scriptHelp(c: Client): void {
  writeHelp(c, [
    'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'DEBUG (YES|SYNC|NO)',
    '    Set the debug mode for subsequent scripts executed.',
    'EXISTS <sha1> [<sha1> ...]',
    '    Return information about the existence of the scripts in the script cache.',
    'FLUSH [ASYNC|SYNC]',
    '    Flush the Lua scripts cache. Very dangerous on replicas.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the scripts cache.',
    '    * SYNC: Synchronously flush the scripts cache.',
    'KILL',
    '    Kill the currently executing Lua script.',
    'LOAD <script>',
    '    Load a script into the scripts cache without executing it.',
    'HELP',
    '    Prints this help.',
  ]);
}

const EVAL_FLAGS = ['noscript', 'stale', 'may_replicate', 'movablekeys'] as const;
const EVAL_RO_FLAGS = ['noscript', 'stale', 'readonly', 'movablekeys'] as const;

export const scriptingCommands = defineGroup('scripting', [
  { name: 'eval', arity: -3, flags: EVAL_FLAGS, keysOf: numkeysPositions, acl: ['@scripting'], handler: (c, a) => evalGeneric(c, a, false, false) },
  { name: 'evalsha', arity: -3, flags: EVAL_FLAGS, keysOf: numkeysPositions, acl: ['@scripting'], handler: (c, a) => evalGeneric(c, a, true, false) },
  { name: 'eval_ro', arity: -3, flags: EVAL_RO_FLAGS, keysOf: numkeysPositions, acl: ['@scripting'], handler: (c, a) => evalGeneric(c, a, false, true) },
  { name: 'evalsha_ro', arity: -3, flags: EVAL_RO_FLAGS, keysOf: numkeysPositions, acl: ['@scripting'], handler: (c, a) => evalGeneric(c, a, true, true) },
  {
    name: 'script',
    arity: -2,
    acl: ['@scripting'],
    handler: () => undefined,
    subcommands: [
      { name: 'help', arity: 2, flags: ['loading', 'stale'], acl: ['@scripting'], handler: scriptHelp },
      {
        name: 'load',
        arity: 3,
        flags: ['noscript', 'stale'],
        acl: ['@scripting'],
        handler: (c, a) => c.w.bulk(c.engine.scripting.load(a[2] as string).sha),
      },
      {
        name: 'exists',
        arity: -3,
        flags: ['noscript'],
        acl: ['@scripting'],
        handler: (c, a) => {
          const s = c.engine.scripting;
          c.w.array(a.length - 2);
          for (let i = 2; i < a.length; i++) c.w.int(s.scripts.has((a[i] as string).toLowerCase()) ? 1 : 0);
        },
      },
      {
        name: 'flush',
        arity: -2,
        flags: ['noscript'],
        acl: ['@scripting'],
        handler: (c, a) => {
          if (a.length > 3) fail('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
          if (a.length === 3 && !['sync', 'async'].includes(keyword(a[2] as string))) fail('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
          c.engine.scripting.reset();
          c.w.ok();
        },
      },
      {
        name: 'kill',
        arity: 2,
        flags: ['noscript', 'allow_busy'],
        acl: ['@scripting'],
        handler: (c) => {
          c.engine.scripting.kill(true);
          c.w.ok();
        },
      },
      {
        name: 'debug',
        arity: 3,
        flags: ['noscript'],
        acl: ['@scripting'],
        handler: (c, a) => {
          // As redis-server 7.0: refused while replies to earlier commands wait to be written (a
          // pipeline, or inside EXEC), whatever the mode.
          if (c.w.pendingBytes > 0 || c.conn.writableLength > 0) fail('ERR SCRIPT DEBUG must be called outside a pipeline');
          const mode = keyword(a[2] as string);
          if (mode === 'no') return c.w.ok();
          if (mode === 'yes' || mode === 'sync') fail('ERR SCRIPT DEBUG is not supported by this server');
          fail('ERR Use SCRIPT DEBUG YES/SYNC/NO');
        },
      },
    ],
  },
]);


function fcall(c: Client, args: string[], readOnly: boolean): void {
  const s = c.engine.scripting;
  // redis-server looks the function up before it reads the number of keys.
  const f = s.functions.find(args[1] as string);
  if (f === undefined) fail('ERR Function not found');
  const n = numkeys(args, 'ERR Bad number of keys provided');
  s.run({ caller: c, command: args, fnRef: f.ref, name: f.name, flags: f.flags, readOnlyCommand: readOnly, evalMode: false, keys: args.slice(3, 3 + n), args: args.slice(3 + n), asArguments: true });
}

function functionList(c: Client, args: string[]): void {
  let pattern: string | null = null;
  let withCode = false;
  for (let i = 2; i < args.length; i++) {
    const a = keyword(args[i] as string);
    if (a === 'withcode') {
      if (withCode) fail('ERR Unknown argument withcode');
      withCode = true;
    } else if (a === 'libraryname') {
      if (pattern !== null) fail('ERR Unknown argument libraryname');
      if (i + 1 >= args.length) fail('ERR library name argument was not given');
      pattern = args[++i] as string;
    } else {
      // 7.0 builds this one with sdscatfmt (ends at a NUL) and sends it untrimmed: CR/LF become spaces, even at the end.
      fail(`ERR Unknown argument ${asCString(args[i] as string).replace(/[\r\n]/g, ' ')}`);
    }
  }
  const libs = [...c.engine.scripting.functions.libraries.values()].filter((l) => pattern === null || globMatch(pattern, l.name, true));
  const w = c.w;
  w.array(libs.length);
  for (const lib of libs) {
    w.map(withCode ? 4 : 3);
    w.bulk('library_name');
    w.bulk(lib.name);
    w.bulk('engine');
    w.bulk('LUA');
    w.bulk('functions');
    w.array(lib.functions.size);
    for (const f of lib.functions.values()) {
      w.map(3);
      w.bulk('name');
      w.bulk(f.name);
      w.bulk('description');
      w.bulkOrNil(f.description);
      w.bulk('flags');
      const names = flagNames(f.flags);
      w.setHeader(names.length);
      for (const name of names) w.simple(name);
    }
    if (withCode) {
      w.bulk('library_code');
      w.bulk(lib.code);
    }
  }
}

function functionStats(c: Client): void {
  const s = c.engine.scripting;
  const r = s.running;
  // redis-server 7.0 answers a busy EVAL's -BUSY here (it has no function to show).
  if (r !== null && r.req.evalMode) fail(BUSY_EVAL);
  const w = c.w;
  w.map(2);
  w.bulk('running_script');
  if (r === null) w.nil();
  else {
    w.map(3);
    w.bulk('name');
    w.bulk(r.req.name);
    w.bulk('command');
    w.bulks(r.req.command);
    w.bulk('duration_ms');
    w.int(Math.floor(performance.now() - r.startedAt));
  }
  w.bulk('engines');
  w.map(1);
  w.bulk('LUA');
  w.map(2);
  w.bulk('libraries_count');
  w.int(s.functions.libraries.size);
  w.bulk('functions_count');
  w.int(s.functions.count);
}

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

export const functionCommands = defineGroup('scripting', [
  { name: 'fcall', arity: -3, flags: ['noscript', 'stale', 'may_replicate', 'movablekeys'], keysOf: numkeysPositions, acl: ['@scripting'], handler: (c, a) => fcall(c, a, false) },
  { name: 'fcall_ro', arity: -3, flags: ['noscript', 'stale', 'readonly', 'movablekeys'], keysOf: numkeysPositions, acl: ['@scripting'], handler: (c, a) => fcall(c, a, true) },
  {
    name: 'function',
    arity: -2,
    acl: ['@scripting'],
    handler: () => undefined,
    subcommands: [
      {
        name: 'load',
        arity: -3,
        flags: ['write', 'denyoom', 'noscript'],
        acl: ['@scripting'],
        handler: (c, a) => {
          let replace = false;
          let i = 2;
          for (; i < a.length - 1; i++) {
            if (keyword(a[i] as string) === 'replace') replace = true;
            else fail(`ERR Unknown option given: ${asCString(a[i] as string)}`);
          }
          if (i !== a.length - 1) fail('ERR Function code is missing');
          c.w.bulk(c.engine.scripting.functions.load(a[i] as string, replace));
        },
      },
      {
        name: 'delete',
        arity: 3,
        flags: ['write', 'noscript'],
        acl: ['@scripting'],
        handler: (c, a) => {
          c.engine.scripting.functions.delete(a[2] as string);
          c.w.ok();
        },
      },
      {
        name: 'flush',
        arity: -2,
        flags: ['write', 'noscript'],
        acl: ['@scripting'],
        handler: (c, a) => {
          if (a.length > 3) fail(E.SUB_SYNTAX(a));
          if (a.length === 3 && !['sync', 'async'].includes(keyword(a[2] as string))) fail('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
          c.engine.scripting.functions.flush();
          c.w.ok();
        },
      },
      { name: 'list', arity: -2, flags: ['noscript'], acl: ['@scripting'], handler: functionList },
      { name: 'stats', arity: 2, flags: ['noscript', 'allow_busy'], acl: ['@scripting'], handler: functionStats },
      {
        name: 'kill',
        arity: 2,
        flags: ['noscript', 'allow_busy'],
        acl: ['@scripting'],
        handler: (c) => {
          c.engine.scripting.kill(false);
          c.w.ok();
        },
      },
      { name: 'dump', arity: 2, flags: ['noscript'], acl: ['@scripting'], handler: (c) => {
        const out = { payload: Buffer.alloc(0) };
        runSliced(c, dumpFunctionsSteps(c.engine.scripting.functions.codes(), out, c.engine.config.get('rdbcompression') === 'yes'), () => c.w.bulk(out.payload.toString('latin1')));
      } },
      {
        name: 'restore',
        arity: -3,
        flags: ['write', 'denyoom', 'noscript'],
        acl: ['@scripting'],
        handler: (c, a) => {
          let policy: 'append' | 'replace' | 'flush' = 'append';
          if (a.length > 4) fail(E.SUB_SYNTAX(a));
          if (a.length === 4) {
            const p = keyword(a[3] as string);
            if (p !== 'append' && p !== 'replace' && p !== 'flush') fail('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
            policy = p;
          }
          c.engine.scripting.functions.restore(parseFunctionDump(Buffer.from(a[2] as string, 'latin1'), c.engine.skipChecksum), policy);
          c.w.ok();
        },
      },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], acl: ['@scripting'], handler: (c) => writeHelp(c, FUNCTION_HELP) },
    ],
  },
]);
