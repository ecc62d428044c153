// ACL: users, permissions and the log, with redis-server 7.0's replies. On an ElastiCache node the
// user list belongs to the control plane, so the subcommands that change it do not exist there.
import { asCString } from '../c-string.ts';
import { randomBytes } from 'node:crypto';
import { dryRunMessage } from '../acl/acl.ts';
import { inCategory, type Selector } from '../acl/selector.ts';
import type { AclUser } from '../acl/user.ts';
import type { Client } from '../client.ts';
import { CATEGORIES, defineGroup, type CommandDef } from '../command-table.ts';
import { resolve } from '../dispatch.ts';
import { E, fail } from '../errors.ts';
import { parseIntArg } from '../num.ts';
import { is, writeHelp } from './util.ts';

/** Subcommands an ElastiCache node refuses: users come from the user groups of the cache. */
const NODE_FORBIDDEN = new Set(['setuser', 'deluser', 'load', 'save']);

const NO_ACL_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

const MAX_GENPASS_BITS = 4096;

const HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
];

/** Refuses, on a node, what ElastiCache refuses (as for any command it renamed away). */
function onlyBare(c: Client, a: string[]): void {
  const sub = (a[1] as string).toLowerCase();
  if (c.engine.mode === 'node' && NODE_FORBIDDEN.has(sub)) fail(E.UNKNOWN_SUB(a[1] as string, a[0] as string));
}

function writeSelector(c: Client, s: Selector): void {
  c.w.bulk('commands');
  c.w.bulk(s.describeCommands(c.engine.acl.cmds));
  c.w.bulk('keys');
  c.w.bulk(s.describeKeys());
  c.w.bulk('channels');
  c.w.bulk(s.describeChannels());
}

function getUser(c: Client, u: AclUser): void {
  c.w.map(6);
  c.w.bulk('flags');
  c.w.setOfBulks(u.flags());
  c.w.bulk('passwords');
  c.w.bulks(u.passwords);
  writeSelector(c, u.root);
  c.w.bulk('selectors');
  c.w.array(u.selectors.length);
  for (const s of u.selectors) {
    c.w.map(3);
    writeSelector(c, s);
  }
}

function cat(c: Client, a: string[]): void {
  if (a.length === 2) return c.w.bulks(CATEGORIES);
  if (a.length > 3) fail(E.SUB_SYNTAX(a));
  // Looked up and printed as a C string, as redis-server does.
  const wanted = asCString(a[2] as string).toLowerCase();
  if (!CATEGORIES.includes(wanted)) fail(`ERR Unknown category '${asCString(a[2] as string).slice(0, 128)}'`);
  const names: string[] = [];
  for (const d of c.engine.acl.cmds.topLevel()) {
    for (const x of [d, ...(d.subcommands?.values() ?? [])] as CommandDef[]) if (inCategory(x, wanted)) names.push(x.fullName);
  }
  c.w.bulks(names);
}

function log(c: Client, a: string[]): void {
  const acl = c.engine.acl;
  if (a.length > 3) fail(E.SUB_SYNTAX(a));
  if (a.length === 3 && is(a[2], 'reset')) {
    acl.log.entries = [];
    return c.w.ok();
  }
  const count = a.length === 3 ? parseIntArg(a[2] as string) : 10;
  acl.log.write(c, count);
}

function dryRun(c: Client, a: string[]): void {
  const user = c.engine.acl.get(a[2] as string);
  if (user === undefined) fail(`ERR User '${asCString(a[2] as string)}' not found`);
  const args = a.slice(3);
  if (c.engine.lookup(args[0] as string) === undefined) fail(`ERR Command '${asCString(args[0] as string)}' not found`);
  const def = resolve(c.engine, args);
  if (typeof def === 'string') fail(def);
  const denial = user.check(def, args);
  if (denial === null) c.w.ok();
  else c.w.bulk(dryRunMessage(denial));
}

function genPass(c: Client, a: string[]): void {
  let bits = 256;
  if (a.length === 3) {
    bits = parseIntArg(a[2] as string);
    if (bits <= 0 || bits > MAX_GENPASS_BITS) fail(`ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${MAX_GENPASS_BITS}`);
  } else if (a.length > 3) fail(E.SUB_SYNTAX(a));
  const chars = Math.ceil(bits / 4);
  c.w.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

export const aclCommands = defineGroup('server', [
  {
    name: 'acl',
    arity: -2,
    flags: ['sentinel'],
    handler: () => undefined,
    subcommands: [
      { name: 'whoami', arity: 2, flags: ['noscript', 'loading', 'stale', 'sentinel'], handler: (c) => c.w.bulk(c.user.name) },
      { name: 'users', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'], handler: (c) => c.w.bulks(c.engine.acl.all().map((u) => u.name)) },
      {
        name: 'list',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'],
        handler: (c) => c.w.bulks(c.engine.acl.all().map((u) => u.describe(c.engine.acl.cmds))),
      },
      { name: 'cat', arity: -2, flags: ['noscript', 'loading', 'stale', 'sentinel'], handler: cat },
      {
        name: 'getuser',
        arity: 3,
        flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'],
        handler: (c, a) => {
          const u = c.engine.acl.get(a[2] as string);
          if (u === undefined) return c.w.nil();
          getUser(c, u);
        },
      },
      { name: 'log', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'], handler: log },
      { name: 'dryrun', arity: -4, flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'], handler: dryRun },
      {
        name: 'setuser',
        arity: -3,
        flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'],
        handler: (c, a) => {
          onlyBare(c, a);
          c.engine.acl.setUser(a[2] as string, a.slice(3));
          c.w.ok();
        },
      },
      {
        name: 'deluser',
        arity: -3,
        flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'],
        handler: (c, a) => {
          onlyBare(c, a);
          if (a.slice(2).includes('default')) fail("ERR The 'default' user cannot be removed");
          c.w.int(c.engine.acl.deleteUsers(a.slice(2), c));
        },
      },
      {
        name: 'save',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'],
        handler: (c, a) => {
          onlyBare(c, a);
          fail(NO_ACL_FILE);
        },
      },
      {
        name: 'load',
        arity: 2,
        flags: ['admin', 'noscript', 'loading', 'stale', 'sentinel'],
        handler: (c, a) => {
          onlyBare(c, a);
          fail(NO_ACL_FILE);
        },
      },
      { name: 'genpass', arity: -2, flags: ['noscript', 'loading', 'stale', 'sentinel'], handler: genPass },
      { name: 'help', arity: 2, flags: ['loading', 'stale', 'sentinel'], handler: (c) => writeHelp(c, HELP) },
    ],
  },
]);
