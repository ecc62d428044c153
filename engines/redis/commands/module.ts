// MODULE as redis-server 7.0 answers it with no module loaded and enable-module-command at its default
// (no, immutable here): LIST is empty, HELP prints 7.0's text, and LOAD/LOADEX/UNLOAD are refused as
// protected commands, before AUTH, ACL, MULTI or subscribe mode look at them (a rejected call in
// commandstats). Nothing here can load code.
import { defineGroup } from '../command-table.ts';
import { fail } from '../errors.ts';
import { MODULE_HELP } from './help-texts.ts';
import { writeHelp } from './util.ts';

const NOT_ALLOWED =
  'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local ' +
  'connection, otherwise you need to set this option in the configuration file, and then restart the server.';

const refuse = (): never => fail(NOT_ALLOWED);

export const moduleCommands = defineGroup('server', [
  {
    name: 'module',
    arity: -2,
    flags: [],
    handler: () => undefined,
    subcommands: [
      { name: 'help', arity: 2, flags: ['loading', 'stale'], handler: (c) => writeHelp(c, MODULE_HELP) },
      { name: 'list', arity: 2, flags: ['admin', 'noscript'], handler: (c) => c.w.array(0) },
      { name: 'load', arity: -3, flags: ['admin', 'noscript'], handler: refuse, protectedReply: NOT_ALLOWED },
      { name: 'loadex', arity: -3, flags: ['admin', 'noscript'], handler: refuse, protectedReply: NOT_ALLOWED },
      { name: 'unload', arity: 3, flags: ['admin', 'noscript'], handler: refuse, protectedReply: NOT_ALLOWED },
    ],
  },
]);
