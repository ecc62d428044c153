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

type Event = [cls: string, name: string];

/** Command (full name: xgroup|create) → event per key it touches. A function handles commands whose keys get different events. */
const EVENTS: Record<string, Event | ((args: string[]) => [Event, string][])> = {
  set: (a) => {
    const out: [Event, string][] = [[['$', 'set'], a[1] as string]];
    if (a.slice(3).some((o) => /^(ex|px|exat|pxat)$/i.test(o))) out.push([['g', 'expire'], a[1] as string]);
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
  mset: ['$', 'set'],
  msetnx: ['$', 'set'],
  append: ['$', 'append'],
  incr: ['$', 'incrby'],
  decr: ['$', 'decrby'],
  incrby: ['$', 'incrby'],
  decrby: ['$', 'decrby'],
  incrbyfloat: ['$', 'incrbyfloat'],
  setrange: ['$', 'setrange'],
  getdel: ['g', 'del'],
  expire: ['g', 'expire'],
  pexpire: ['g', 'expire'],
  expireat: ['g', 'expire'],
  pexpireat: ['g', 'expire'],
  persist: ['g', 'persist'],
  rename: (a) => [
    [['g', 'rename_from'], a[1] as string],
    [['g', 'rename_to'], a[2] as string],
  ],
  renamenx: (a) => [
    [['g', 'rename_from'], a[1] as string],
    [['g', 'rename_to'], a[2] as string],
  ],
  copy: (a) => [[['g', 'copy_to'], a[2] as string]],
  lpush: ['l', 'lpush'],
  lpushx: ['l', 'lpush'],
  rpush: ['l', 'rpush'],
  rpushx: ['l', 'rpush'],
  lpop: ['l', 'lpop'],
  rpop: ['l', 'rpop'],
  blpop: ['l', 'lpop'],
  brpop: ['l', 'rpop'],
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
  zadd: ['z', 'zadd'],
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
  bitop: ['$', 'set'],
  pfadd: ['$', 'pfadd'],
  pfmerge: ['$', 'pfadd'],
};

export function notify(e: Engine, cls: string, event: string, dbId: number, key: string): void {
  const f = e.notifyFlags;
  if (f === null || !f.classes.has(cls)) return;
  if (f.keyspace) e.pubsub.publish(`__keyspace@${dbId}__:${key}`, event);
  if (f.keyevent) e.pubsub.publish(`__keyevent@${dbId}__:${event}`, key);
}

/** Called after a write command that changed the dataset; `emptied` are keys it deleted by emptying them. */
export function notifyCommand(e: Engine, c: Client, def: CommandDef, args: string[], emptied: [number, string][]): void {
  const spec = EVENTS[def.fullName];
  if (typeof spec === 'function') {
    for (const [[cls, name], key] of spec(args)) notify(e, cls, name, c.dbIndex, key);
  } else if (spec !== undefined) {
    for (const p of keyPositions(def, args)) notify(e, spec[0], spec[1], c.dbIndex, args[p] as string);
  }
  // Redis reports a collection removed because it became empty after the command's own event.
  for (const [db, key] of emptied) notify(e, 'g', 'del', db, key);
}
