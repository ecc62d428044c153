// COMMAND and its subcommands (COUNT INFO DOCS LIST GETKEYS GETKEYSANDFLAGS HELP), answering as
// redis-server 7.0 does for the commands this engine implements.
import type { Client } from '../client.ts';
import type { CommandDef, CommandSpec, Flag } from '../command-table.ts';
import { E, fail } from '../errors.ts';
import { globMatch } from '../glob.ts';
import { findKeys, hasKeys } from './command-keys.ts';
import { metaOf, writeCommandDocs, writeCommandInfo } from './command-meta.ts';
import { is, writeHelp } from './util.ts';

const HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
];

/** The top-level commands this engine answers (a node leaves out what ElastiCache disables). */
function implemented(c: Client): CommandDef[] {
  const out: CommandDef[] = [];
  for (const d of c.engine.table.all()) if (c.engine.lookup(d.name) !== undefined) out.push(d);
  return out;
}

/** Redis's lookup by full name: "get", "config|get"; one level of subcommands, any case. */
function byFullName(c: Client, name: string): CommandDef | undefined {
  const parts = name.split('|');
  if (parts.length > 2 || name === '') return undefined;
  const base = c.engine.lookup(parts[0] as string);
  if (base === undefined || parts.length === 1) return base;
  return base.subcommands?.get((parts[1] as string).toLowerCase());
}

function allInfo(c: Client): void {
  const list = implemented(c);
  c.w.array(list.length);
  for (const d of list) writeCommandInfo(c.w, d);
}

function getKeys(c: Client, a: string[], withFlags: boolean): void {
  const args = a.slice(2);
  let d = c.engine.lookup(args[0] as string);
  if (d !== undefined && args.length > 1 && d.subcommands !== undefined) d = d.subcommands.get((args[1] as string).toLowerCase());
  if (d === undefined) fail('ERR Invalid command specified');
  if (!hasKeys(d)) fail('ERR The command has no key arguments');
  const arity = metaOf(d).arity;
  if ((arity > 0 && arity !== args.length) || args.length < -arity) fail('ERR Invalid number of arguments specified for command');
  const keys = findKeys(d, args);
  if (keys.length === 0) {
    if (metaOf(d).flags.includes('no_mandatory_keys')) return c.w.array(0);
    fail('ERR Invalid arguments specified for command');
  }
  c.w.array(keys.length);
  for (const k of keys) {
    if (!withFlags) {
      c.w.bulk(args[k.pos] as string);
      continue;
    }
    c.w.array(2);
    c.w.bulk(args[k.pos] as string);
    c.w.setHeader(k.flags.length);
    for (const f of k.flags) c.w.simple(f);
  }
}

type Filter = (d: CommandDef) => boolean;

function listFilter(a: string[]): Filter {
  let filter: Filter = () => true;
  for (let i = 2; i < a.length; i++) {
    if (!is(a[i], 'filterby') || a.length - 1 - i !== 2) fail(E.SYNTAX);
    const arg = a[i + 2] as string;
    if (is(a[i + 1], 'module')) filter = () => false;
    else if (is(a[i + 1], 'aclcat')) {
      const cat = '@' + arg.toLowerCase();
      filter = (d) => metaOf(d).acl.includes(cat);
    } else if (is(a[i + 1], 'pattern')) filter = (d) => globMatch(arg, d.fullName, true);
    else fail(E.SYNTAX);
    i += 2;
  }
  return filter;
}

function list(c: Client, a: string[]): void {
  const keep = listFilter(a);
  const names: string[] = [];
  for (const d of implemented(c)) {
    if (keep(d)) names.push(d.fullName);
    for (const s of d.subcommands?.values() ?? []) if (keep(s)) names.push(s.fullName);
  }
  c.w.bulks(names);
}

const INFO_FLAGS: readonly Flag[] = ['loading', 'stale'];

export const commandCommand: CommandSpec = {
  name: 'command',
  arity: -1,
  flags: INFO_FLAGS,
  acl: ['@connection'],
  handler: allInfo,
  subcommands: [
    { name: 'count', arity: 2, flags: INFO_FLAGS, acl: ['@connection'], handler: (c) => c.w.int(implemented(c).length) },
    {
      name: 'info',
      arity: -2,
      flags: INFO_FLAGS,
      acl: ['@connection'],
      handler: (c, a) => {
        if (a.length === 2) return allInfo(c);
        c.w.array(a.length - 2);
        for (let i = 2; i < a.length; i++) {
          const d = byFullName(c, a[i] as string);
          if (d === undefined) c.w.nil();
          else writeCommandInfo(c.w, d);
        }
      },
    },
    {
      name: 'docs',
      arity: -2,
      flags: INFO_FLAGS,
      acl: ['@connection'],
      handler: (c, a) => {
        const defs = a.length === 2 ? implemented(c) : a.slice(2).flatMap((n) => byFullName(c, n) ?? []);
        c.w.map(defs.length);
        for (const d of defs) {
          c.w.bulk(d.fullName);
          writeCommandDocs(c.w, d);
        }
      },
    },
    { name: 'getkeys', arity: -4, flags: INFO_FLAGS, acl: ['@connection'], handler: (c, a) => getKeys(c, a, false) },
    { name: 'getkeysandflags', arity: -4, flags: INFO_FLAGS, acl: ['@connection'], handler: (c, a) => getKeys(c, a, true) },
    { name: 'list', arity: -2, flags: INFO_FLAGS, acl: ['@connection'], handler: list },
    { name: 'help', arity: 2, flags: INFO_FLAGS, acl: ['@connection'], handler: (c) => writeHelp(c, HELP) },
  ],
};
