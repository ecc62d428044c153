// A read-only ACL: one "default" user whose password is requirepass. Categories come from the
// command table, so ACL CAT always agrees with COMMAND INFO.
import { createHash } from 'node:crypto';
import type { Client } from '../client.ts';
import { defineGroup, type CommandDef } from '../command-table.ts';
import { resolve } from '../dispatch.ts';
import { fail } from '../errors.ts';
import { writeHelp } from './util.ts';

function allDefs(c: Client): CommandDef[] {
  const out: CommandDef[] = [];
  for (const d of c.engine.table.all()) {
    if (c.engine.lookup(d.name) === undefined) continue;
    if (d.subcommands) out.push(...d.subcommands.values());
    else out.push(d);
  }
  return out;
}

function userRule(c: Client): string {
  const pass = c.engine.config.requirepass;
  const auth = pass === '' ? 'nopass' : `#${createHash('sha256').update(Buffer.from(pass, 'latin1')).digest('hex')}`;
  return `user default on ${auth} ~* &* +@all`;
}

/** Redis's category list, in its order. */
const CATEGORIES = ['keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting'];

const unsupported = (): never => fail('ERR ACL users are managed by the cache service; only the default user exists on this server');

export const aclCommands = defineGroup('server', [
  {
    name: 'acl',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      { name: 'whoami', arity: 2, flags: [], handler: (c) => c.w.bulk('default') },
      { name: 'users', arity: 2, flags: ['admin'], handler: (c) => c.w.bulks(['default']) },
      { name: 'list', arity: 2, flags: ['admin'], handler: (c) => c.w.bulks([userRule(c)]) },
      {
        name: 'cat',
        arity: -2,
        flags: [],
        handler: (c, a) => {
          const defs = allDefs(c);
          if (a.length === 2) return c.w.bulks(CATEGORIES);
          if (a.length > 3) fail("ERR wrong number of arguments for 'acl|cat' command");
          const wanted = `@${(a[2] as string).toLowerCase()}`;
          const names = defs.filter((d) => d.categories.includes(wanted)).map((d) => d.fullName);
          if (names.length === 0) fail(`ERR Unknown category '${a[2]}'`);
          c.w.bulks(names);
        },
      },
      {
        name: 'getuser',
        arity: 3,
        flags: ['admin'],
        handler: (c, a) => {
          if (a[2] !== 'default') return c.w.nil();
          const pass = c.engine.config.requirepass;
          c.w.map(6);
          c.w.bulk('flags');
          c.w.bulks(pass === '' ? ['on', 'nopass'] : ['on']);
          c.w.bulk('passwords');
          c.w.bulks(pass === '' ? [] : [createHash('sha256').update(Buffer.from(pass, 'latin1')).digest('hex')]);
          c.w.bulk('commands');
          c.w.bulk('+@all');
          c.w.bulk('keys');
          c.w.bulk('~*');
          c.w.bulk('channels');
          c.w.bulk('&*');
          c.w.bulk('selectors');
          c.w.array(0);
        },
      },
      { name: 'log', arity: -2, flags: ['admin'], handler: (c) => c.w.array(0) },
      {
        name: 'dryrun',
        arity: -4,
        flags: ['admin'],
        handler: (c, a) => {
          if (a[2] !== 'default') fail(`ERR User '${a[2]}' not found`);
          const args = a.slice(3);
          if (c.engine.lookup(args[0] as string) === undefined) fail(`ERR Command '${args[0]}' not found`);
          const r = resolve(c.engine, args);
          // The default user may run everything; only a malformed command is refused.
          if (typeof r === 'string' && r.startsWith('ERR wrong number')) fail(r);
          c.w.ok();
        },
      },
      { name: 'setuser', arity: -3, flags: ['admin'], handler: unsupported },
      { name: 'deluser', arity: -3, flags: ['admin'], handler: unsupported },
      { name: 'save', arity: 2, flags: ['admin'], handler: unsupported },
      { name: 'load', arity: 2, flags: ['admin'], handler: unsupported },
      { name: 'genpass', arity: -2, flags: [], handler: (c) => c.w.bulk(createHash('sha256').update(String(Math.random())).digest('hex')) },
      { name: 'help', arity: 2, flags: [], handler: (c) => writeHelp(c, ['ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'CAT [<category>]', 'GETUSER <username>', 'LIST', 'LOG [<count> | RESET]', 'USERS', 'WHOAMI', 'HELP']) },
    ],
  },
]);
