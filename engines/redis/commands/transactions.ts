// MULTI / EXEC / DISCARD / WATCH / UNWATCH.
import type { Client } from '../client.ts';
import { defineGroup } from '../command-table.ts';
import { checkPermission } from '../acl/acl.ts';
import { call, resolve } from '../dispatch.ts';
import { fail } from '../errors.ts';

// Unique in the process: a replica shares its primary's value objects (replication-share.ts).
let execCount = 0;

function exec(c: Client): void {
  const e = c.engine;
  if (c.multi === null) fail('ERR EXEC without MULTI');
  const queued = c.multi;
  c.multi = null;
  if (c.multiError) {
    c.multiError = false;
    e.unwatchAll(c);
    fail('EXECABORT Transaction discarded because of previous errors.');
  }
  // A watched key whose TTL ran out since WATCH counts as modified. It is only looked at, not
  // deleted (no `expired` event), as 7.0's isWatchedKeyExpired; one already past it at WATCH is not.
  for (const k of c.watched) {
    if (c.staleWatched.has(k)) continue;
    const sep = k.indexOf('\0');
    if (e.ks.dbs[Number(k.slice(0, sep))]?.isStale(k.slice(sep + 1))) c.dirtyCas = true;
  }
  if (c.dirtyCas) {
    e.unwatchAll(c);
    return c.w.nilArray();
  }
  e.unwatchAll(c);
  c.w.array(queued.length);
  // No key expires halfway through a transaction: redis-server reads the time once, as EXEC starts.
  const freezes = e.ks.scriptTime === null;
  const frozen = e.clock.now();
  e.execDepth++;
  e.execArguments = ++execCount;
  c.execQueued = queued.length;
  c.execCommands = queued;
  try {
    for (const args of queued) {
      // A script judges expiry by its own start and clears the time as it ends (7.0's
      // lua_time_snapshot); the commands after it go back to EXEC's.
      if (freezes) e.ks.scriptTime = frozen;
      const def = resolve(e, args);
      if (typeof def === 'string') {
        c.w.error(def);
        continue;
      }
      // Permissions may have changed since the command was queued.
      const denied = checkPermission(e, c, def, args, 'multi');
      if (denied !== null) c.w.error(execDenial(denied));
      else call(e, c, def, args);
    }
  } finally {
    c.execQueued = -1;
    c.execCommands = null;
    e.execArguments = 0;
    e.execDepth--;
    if (freezes) e.ks.scriptTime = null;
  }
}

/** 7.0's execCommand words a refusal found only when EXEC runs the command its own way (seed 78035). */
function execDenial(denied: string): string {
  const reason = denied.includes("permissions to run the '")
    ? 'no permission to execute the command or subcommand'
    : denied.includes('one of the keys')
      ? 'no permission to touch the specified keys'
      : denied.includes('one of the channels')
        ? 'no permission to access one of the channels used as arguments'
        : 'no permission';
  return `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${reason}`;
}

export const transactionCommands = defineGroup('transactions', [
  {
    name: 'multi',
    arity: 1,
    flags: ['loading', 'stale', 'fast', 'allow_busy'],
    handler: (c) => {
      if (c.multi !== null) fail('ERR MULTI calls can not be nested');
      c.multi = [];
      c.multiError = false;
      c.w.ok();
    },
  },
  { name: 'exec', arity: 1, flags: ['noscript', 'loading', 'stale'], handler: exec },
  {
    name: 'discard',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    handler: (c) => {
      if (c.multi === null) fail('ERR DISCARD without MULTI');
      c.multi = null;
      c.multiError = false;
      c.engine.unwatchAll(c);
      c.w.ok();
    },
  },
  {
    name: 'watch',
    arity: -2,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    keys: [1, -1, 1],
    handler: (c, a) => {
      if (c.multi !== null) fail('ERR WATCH inside MULTI is not allowed');
      for (let i = 1; i < a.length; i++) {
        const key = a[i] as string;
        const k = `${c.dbIndex}\0${key}`;
        if (c.watched.has(k)) continue;
        c.engine.watch(c, key);
        // Redis notes a key already expired, not yet deleted: its later deletion changes nothing.
        if (c.db.isStale(key)) c.staleWatched.add(k);
        else c.staleWatched.delete(k);
      }
      c.w.ok();
    },
  },
  {
    name: 'unwatch',
    arity: 1,
    flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'],
    handler: (c) => {
      c.engine.unwatchAll(c);
      c.w.ok();
    },
  },
]);
