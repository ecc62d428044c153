// MULTI / EXEC / DISCARD / WATCH / UNWATCH.
import type { Client } from '../client.ts';
import { defineGroup, type CommandDef } from '../command-table.ts';
import { checkPermission } from '../acl/acl.ts';
import { call, resolve } from '../dispatch.ts';
import { fail } from '../errors.ts';

// Unique in the process: a replica shares its primary's value objects (replication-share.ts).
let execCount = 0;

/** What waits for the end of an EXEC that paused for a script of it (see whenExecEnds). */
const afterPausedExec = new WeakMap<Client, () => void>();

/** Runs `then` once the EXEC of `c`, paused for a script, ran its last command. */
export function whenExecEnds(c: Client, then: () => void): void {
  afterPausedExec.set(c, then);
}

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
  let next = 0;
  let errorSinceCall = false;
  // Runs the queued commands from `next` on; true when a script among them yielded (it outlived its
  // slice, as a client's EVAL does: the other nodes keep answering, this node's clients wait or get
  // -BUSY, SCRIPT KILL reaches it). The rest then runs as that script ends, before any other client.
  const segment = (): boolean => {
    while (next < queued.length) {
      const args = queued[next++] as string[];
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
      if (denied === null) {
        call(e, c, def, args);
        errorSinceCall = false;
      } else {
        const msg = execDenial(denied);
        c.w.error(msg);
        e.countError(msg);
        errorSinceCall = true;
      }
      if (e.scripting.pausedFor(c)) return true;
    }
    return false;
  };
  const ended = (): void => {
    // 7.0's call() blames the errors replied since the last inner call() ended on EXEC itself: a
    // refusal after the last command that ran is one of EXEC's failed calls (seed 109763).
    if (errorSinceCall) e.commandStats(e.lookup('exec') as CommandDef).failed++;
    c.execQueued = -1;
    c.execCommands = null;
    e.execArguments = 0;
    e.execDepth--;
    if (freezes) e.ks.scriptTime = null;
    const then = afterPausedExec.get(c);
    if (then !== undefined) {
      afterPausedExec.delete(c);
      then();
    }
  };
  const rest = (): void => {
    // What the transaction changes reaches SYNC replicas as one MULTI/EXEC, as if it had not paused:
    // the feed holds a running script's changes, and this keeps the rest with them until the end.
    const feed = e.feed;
    const execDef = e.lookup('exec');
    const entered = feed !== null && execDef !== undefined ? feed.enter(c, execDef, ['EXEC']) : null;
    let paused = false;
    try {
      paused = e.scripting.runPausable(c, segment, rest);
    } finally {
      if (!paused) ended();
      if (entered !== null) (feed as NonNullable<typeof feed>).leave(entered, c, execDef as NonNullable<typeof execDef>, ['EXEC']);
    }
  };
  let paused = false;
  try {
    paused = e.scripting.runPausable(c, segment, rest);
  } finally {
    if (!paused) ended();
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
