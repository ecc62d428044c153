// FAILOVER as redis-server 7.0 answers it before any failover starts: its options checked in 7.0's
// order (ABORT alone, then TIMEOUT/TO/FORCE, each at most once), then the server's state. A bare
// engine has no REPLICAOF-linked replicas to hand over to, and a node's failover is the control
// plane's (TestFailover), so every valid request ends in the state check's error.
import { keyword } from './util.ts';
import { defineGroup } from '../command-table.ts';
import { E, fail } from '../errors.ts';
import { parseI64Arg } from '../num.ts';

export const failoverCommands = defineGroup('server', [
  {
    name: 'failover',
    arity: -1,
    flags: ['admin', 'noscript', 'stale'],
    handler: (c, args) => {
      const e = c.engine;
      if (e.cluster !== null) fail('ERR FAILOVER not allowed in cluster mode.');
      if (args.length === 2 && keyword(args[1] ?? '') === 'abort') fail('ERR No failover in progress.');
      let timeout = 0n;
      let force = false;
      let host: string | null = null;
      for (let j = 1; j < args.length; j++) {
        const word = keyword(args[j] as string);
        if (word === 'timeout' && j + 1 < args.length && timeout === 0n) {
          timeout = parseI64Arg(args[j + 1] as string);
          if (timeout <= 0n) fail('ERR FAILOVER timeout must be greater than 0');
          j++;
        } else if (word === 'to' && j + 2 < args.length && host === null) {
          parseI64Arg(args[j + 2] as string);
          host = args[j + 1] as string;
          j += 2;
        } else if (word === 'force' && !force) force = true;
        else fail(E.SYNTAX);
      }
      if (e.replication.primary !== null) fail('ERR FAILOVER is not valid when server is a replica.');
      if (!e.replication.hasReplicas && (e.feed?.size ?? 0) === 0) fail('ERR FAILOVER requires connected replicas.');
      if (force && (timeout === 0n || host === null)) fail('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
      if (host !== null) fail('ERR FAILOVER target HOST and PORT is not a replica.');
      fail('ERR FAILOVER requires connected replicas.');
    },
  },
]);
