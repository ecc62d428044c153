// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: the Lua script cache and runs (engines/redis/scripting).
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { E, fail } from '../errors.ts';
import { latin1ToLua } from '../scripting/lua.ts';

/** KEYS and ARGV of EVAL-like commands: `cmd body numkeys key... arg...`. */
export function splitKeys(args: string[]): { keys: string[]; argv: string[] } {
  const text = args[2] as string;
  if (!/^-?[0-9]+$/.test(text) || !Number.isSafeInteger(Number(text))) fail(E.NOT_INT);
  const n = Number(text);
  if (n > args.length - 3) fail("ERR Number of keys can't be greater than number of args");
  if (n < 0) fail("ERR Number of keys can't be negative");
  return { keys: args.slice(3, 3 + n), argv: args.slice(3 + n) };
}

/** Key positions for COMMAND GETKEYS and cluster routing: the numkeys keys after the body. */
export function numkeysPositions(args: string[]): number[] {
  const n = Number(args[2]);
  if (!Number.isInteger(n) || n <= 0 || n > args.length - 3) return [];
  return Array.from({ length: n }, (_, i) => 3 + i);
}

function evalGeneric(c: Client, args: string[], bySha: boolean, readOnly: boolean): void {
  const s = c.engine.scripting;
  const { keys, argv } = splitKeys(args);
  let sha: string;
  let flags;
  if (bySha) {
    sha = (args[1] as string).toLowerCase();
    const known = sha.length === 40 ? s.scripts.get(sha) : undefined;
    if (known === undefined) fail('NOSCRIPT No matching script. Please use EVAL.');
    flags = known;
  } else {
    ({ sha, flags } = s.load(args[1] as string));
  }
  s.run({ caller: c, fnKey: latin1ToLua('f_' + sha), name: sha, flags, readOnlyCommand: readOnly, evalMode: true, keys, args: argv, asArguments: false });
}

function scriptHelp(c: Client): void {
  c.w.bulks([
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
          if (a.length === 3 && !['sync', 'async'].includes((a[2] as string).toLowerCase())) fail('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
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
          const mode = (a[2] as string).toLowerCase();
          if (mode === 'no') return c.w.ok();
          if (mode === 'yes' || mode === 'sync') fail('ERR SCRIPT DEBUG is not supported by this server');
          fail('ERR Use SCRIPT DEBUG YES/SYNC/NO');
        },
      },
    ],
  },
]);

