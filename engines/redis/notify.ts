// Keyspace notifications (notify-keyspace-events). Write commands are mapped to Redis's event
// names in one table; expiry and eviction report their own events from the keyspace.
import type { Client } from './client.ts';
import { keyPositions, type CommandDef } from './command-table.ts';
import type { Engine } from './engine.ts';

/** Event class letters as in redis.conf: g $ l s h z x e t (A = all of them), K and E select channels. */
export interface NotifyFlags {
  keyspace: boolean;
  keyevent: boolean;
  classes: Set<string>;
}

export function parseNotifyFlags(s: string): NotifyFlags | null {
  const f: NotifyFlags = { keyspace: false, keyevent: false, classes: new Set() };
  for (const ch of s) {
    if (ch === 'K') f.keyspace = true;
    else if (ch === 'E') f.keyevent = true;
    else if (ch === 'A') for (const c of 'g$lshzxetd') f.classes.add(c);
    else if ('g$lshzxetdmn'.includes(ch)) f.classes.add(ch);
    else return null;
  }
  return f;
}

/** The flags in redis-server 7.0's order: 'A' for every class, the others one by one, keymiss last (CONFIG GET leaves out 'n'). */
export function notifyFlagsText(f: NotifyFlags): string {
  const all = [...'g$lshzxetd'].every((ch) => f.classes.has(ch));
  const classes = (all ? 'A' : [...'g$lshzxetd'].filter((ch) => f.classes.has(ch)).join('')) + (f.classes.has('n') ? 'n' : '');
  return classes + (f.keyspace ? 'K' : '') + (f.keyevent ? 'E' : '') + (f.classes.has('m') ? 'm' : '');
}

type Event = [cls: string, name: string];

/** Command (full name: xgroup|create) → event per key it touches. A function handles commands whose keys get different events. */
const EVENTS: Record<string, Event | ((args: string[]) => [Event, string][])> = {
  set: (a) => {
    const out: [Event, string][] = [[['$', 'set'], a[1] as string]];
    // The options as strcasecmp reads them: 'EX\0' is EX (docs seed 204371).
    if (a.slice(3).some((o) => /^(ex|px|exat|pxat)(?:\0|$)/i.test(o))) out.push([['g', 'expire'], a[1] as string]);
    return out;
  },
  setnx: ['$', 'set'],
  setex: (a) => [
    [['$', 'set'], a[1] as string],
    [['g', 'expire'], a[1] as string],
  ],
  psetex: (a) => [
    [['$', 'set'], a[1] as string],
    [['g', 'expire'], a[1] as string],
  ],
  getset: ['$', 'set'],
  append: ['$', 'append'],
  incr: ['$', 'incrby'],
  // Redis names every integer step incrby, whichever way it goes.
  decr: ['$', 'incrby'],
  incrby: ['$', 'incrby'],
  decrby: ['$', 'incrby'],
  incrbyfloat: ['$', 'incrbyfloat'],
  setrange: ['$', 'setrange'],
  persist: ['g', 'persist'],
  rename: (a) => [
    [['g', 'rename_from'], a[1] as string],
    [['g', 'rename_to'], a[2] as string],
  ],
  renamenx: (a) => [
    [['g', 'rename_from'], a[1] as string],
    [['g', 'rename_to'], a[2] as string],
  ],
  lpush: ['l', 'lpush'],
  lpushx: ['l', 'lpush'],
  rpush: ['l', 'rpush'],
  rpushx: ['l', 'rpush'],
  lpop: ['l', 'lpop'],
  rpop: ['l', 'rpop'],
  linsert: ['l', 'linsert'],
  lset: ['l', 'lset'],
  lrem: ['l', 'lrem'],
  ltrim: ['l', 'ltrim'],
  hset: ['h', 'hset'],
  hmset: ['h', 'hset'],
  hsetnx: ['h', 'hset'],
  hdel: ['h', 'hdel'],
  hincrby: ['h', 'hincrby'],
  hincrbyfloat: ['h', 'hincrbyfloat'],
  sadd: ['s', 'sadd'],
  srem: ['s', 'srem'],
  spop: ['s', 'spop'],
  zadd: (a) => {
    let i = 2;
    // Options as strcasecmp reads them: a NUL ends the word ('INCR\0' is INCR).
    while (i < a.length && /^(nx|xx|gt|lt|ch|incr)(?:\0|$)/i.test(a[i] as string)) i++;
    return [[['z', a.slice(2, i).some((o) => /^incr(?:\0|$)/i.test(o)) ? 'zincr' : 'zadd'], a[1] as string]];
  },
  geoadd: ['z', 'zadd'],
  zincrby: ['z', 'zincr'],
  zrem: ['z', 'zrem'],
  zpopmin: ['z', 'zpopmin'],
  zpopmax: ['z', 'zpopmax'],
  zremrangebyscore: ['z', 'zremrangebyscore'],
  zremrangebyrank: ['z', 'zremrangebyrank'],
  zremrangebylex: ['z', 'zremrangebylex'],
  xdel: ['t', 'xdel'],
  xtrim: ['t', 'xtrim'],
  xsetid: ['t', 'xsetid'],
  'xgroup|create': ['t', 'xgroup-create'],
  'xgroup|delconsumer': ['t', 'xgroup-delconsumer'],
  'xgroup|setid': ['t', 'xgroup-setid'],
  'xgroup|destroy': ['t', 'xgroup-destroy'],
  setbit: ['$', 'setbit'],
  bitfield: ['$', 'setbit'],
  pfadd: ['$', 'pfadd'],
  pfmerge: (a) => [[['$', 'pfadd'], a[1] as string]],
};

/** What a primary's events go to while its replicas may announce them (replication.ts). */
export interface NotifyTap {
  /** Whether any replica would announce anything. */
  wanted(): boolean;
  event(cls: string, event: string, dbId: number, key: string): void;
}

/** The engine replaying its primary's commands in another thread: the events come with the stream instead. */
let replaying: Engine | null = null;

/** Runs `f` with `e`'s own events silenced (a replica replaying a command). */
export function silenced(e: Engine, f: () => void): void {
  const outer = replaying;
  replaying = e;
  try {
    f();
  } finally {
    replaying = outer;
  }
}

/** `tap` false: the replicas are told something else (notifyCommand's SPOP). */
export function notify(e: Engine, cls: string, event: string, dbId: number, key: string, tap = true): void {
  if (e === replaying) return;
  if (tap && e.notifyTap !== null) e.notifyTap.event(cls, event, dbId, key);
  const f = e.notifyFlags;
  if (f === null || !f.classes.has(cls)) return;
  if (event === 'del' && e.tracking.holding) return e.tracking.aroundDel(key, () => publish(e, f, event, dbId, key));
  publish(e, f, event, dbId, key);
}

function publish(e: Engine, f: NotifyFlags, event: string, dbId: number, key: string): void {
  // Nobody to tell: the channel names are not even made (a replica announcing every write it gets).
  if (e.pubsub.channels.size === 0 && e.pubsub.patterns.size === 0) return;
  if (f.keyspace) e.pubsub.publish(`__keyspace@${dbId}__:${key}`, event);
  if (f.keyevent) e.pubsub.publish(`__keyevent@${dbId}__:${event}`, key);
}

/** A blocked client's served pop that emptied its key: del follows the pop, as redis-server's serve announces it. */
export function announceEmptied(e: Engine): void {
  if (e.emptied.length === 0) return;
  const emptied = e.emptied;
  e.emptied = [];
  for (const [db, key] of emptied) notify(e, 'g', 'del', db, key);
}

/** Called after a write command that changed the dataset; `emptied` are keys it deleted by emptying them. */
export function notifyCommand(e: Engine, c: Client, def: CommandDef, args: string[], emptied: [number, string][]): void {
  if (def.name === 'spop' && e.notifyTap !== null) return notifySpop(e, e.notifyTap, c.dbIndex, args, emptied);
  const spec = EVENTS[def.fullName];
  if (typeof spec === 'function') {
    for (const [[cls, name], key] of spec(args)) notify(e, cls, name, c.dbIndex, key);
  } else if (spec !== undefined) {
    for (const p of keyPositions(def, args)) notify(e, spec[0], spec[1], c.dbIndex, args[p] as string);
  }
  // Redis reports a collection removed because it became empty after the command's own event.
  for (const [db, key] of emptied) notify(e, 'g', 'del', db, key);
}

/**
 * SPOP reaches replicas as what 7.0 propagates: an SREM per member popped, or, for a count that took
 * every member, the key's deletion alone; a replica announces those.
 */
function notifySpop(e: Engine, tap: NotifyTap, db: number, args: string[], emptied: [number, string][]): void {
  const key = args[1] as string;
  notify(e, 's', 'spop', db, key, false);
  const whole = args.length === 3 && emptied.some(([d, k]) => d === db && k === key);
  if (!whole && tap.wanted()) for (let n = args.length === 3 ? Number(args[2]) : 1; n > 0; n--) tap.event('s', 'srem', db, key);
  for (const [d, k] of emptied) notify(e, 'g', 'del', d, k);
}
