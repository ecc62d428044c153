// How redis-server 7.0 rewrites a command for its replicas (rewriteClientCommandVector, alsoPropagate):
// relative times become absolute (PEXPIREAT, SET ... PXAT), floats become the value they produced (SET
// KEEPTTL, HSET), random pops become the members they took (SREM, DEL), blocking pops the non-blocking
// pop that happened. A rule reads the state before the command where the command alone cannot tell
// (which members SPOP took, how many a pop removed) and the state after it. Rules run only while a
// SYNC client is attached; without one nothing here is called.
import type { Database } from './db/keyspace.ts';
import type { Engine } from './engine.ts';
import { xclaimRule, xreadgroupRule } from './repl-stream-groups.ts';

export type Argv = string[];

export interface Rule {
  /** Judged by its effect on the state, not by the dirty counter (consumer-group reads). */
  always?: boolean;
  /** State the rewrite needs from before the command ran. */
  before?(db: Database, args: readonly string[]): unknown;
  /** The commands to propagate instead of `args`. */
  after(e: Engine, db: Database, args: readonly string[], before: unknown): Argv[];
}

const lower = (s: string | undefined): string => (s ?? '').toLowerCase();

/** A key's absolute expiry in ms, as text (exact past 2^53), or null when it has none. */
function expiryText(db: Database, key: string): string | null {
  const precise = db.preciseExpires.get(key);
  if (precise !== undefined) return precise.toString();
  const at = db.expires.get(key);
  return at === undefined ? null : String(at);
}

/** A deletion as the config asks it to be replicated: UNLINK when freed lazily. */
function deletion(e: Engine, key: string, lazyOption: string): Argv {
  return [e.config.get(lazyOption) === 'yes' ? 'UNLINK' : 'DEL', key];
}

/** EXPIRE family and GETEX: an absolute time when the key lives on, a deletion when the time was past. */
function expiryOf(e: Engine, db: Database, key: string, keep: readonly string[]): Argv[] {
  if (!db.dict.has(key)) return [deletion(e, key, 'lazyfree-lazy-expire')];
  const at = expiryText(db, key);
  return at === null ? [] : [['PEXPIREAT', key, at, ...keep]];
}

const TTL_OPTIONS = new Set(['ex', 'px', 'exat', 'pxat']);

/** The absolute time SET's option asked for: what the key got, or (a time already past) the option's own. */
function setExpiry(e: Engine, db: Database, key: string, option: string, n: string): string {
  const at = expiryText(db, key);
  if (at !== null) return at;
  const v = Number(n);
  return String(option === 'pxat' ? v : option === 'exat' ? v * 1000 : option === 'ex' ? e.clock.now() + v * 1000 : e.clock.now() + v);
}

const setRule: Rule = {
  after(e, db, args) {
    // Any expiry becomes an absolute one, and NX, XX, GET are dropped: the key was set.
    const i = args.findIndex((a, j) => j >= 3 && TTL_OPTIONS.has(lower(a)));
    // GET changes nothing a replica needs: it goes, the other options stay as written.
    if (i < 0) return [args.filter((a, j) => j < 3 || lower(a) !== 'get')];
    const key = args[1] as string;
    return [['SET', key, args[2] as string, 'PXAT', setExpiry(e, db, key, lower(args[i]), args[i + 1] as string)]];
  },
};

const setexRule: Rule = {
  after: (e, db, args) => [['SET', args[1] as string, args[3] as string, 'PXAT', setExpiry(e, db, args[1] as string, lower(args[0]) === 'setex' ? 'ex' : 'px', args[2] as string)]],
};

const expireRule: Rule = {
  after: (e, db, args) => expiryOf(e, db, args[1] as string, args.slice(3)),
};

/** PEXPIREAT is already absolute: it goes as typed, or as the deletion a time already past made. */
const pexpireatRule: Rule = {
  after: (e, db, args) => (db.dict.has(args[1] as string) ? [[...args]] : [deletion(e, args[1] as string, 'lazyfree-lazy-expire')]),
};

const getexRule: Rule = {
  after(e, db, args) {
    const key = args[1] as string;
    if (args.some((a, i) => i >= 2 && lower(a) === 'persist')) return db.dict.has(key) ? [['PERSIST', key]] : [];
    return expiryOf(e, db, key, []);
  },
};

function stringValue(db: Database, key: string): string {
  const v = db.dict.getRaw(key);
  return typeof v === 'string' ? v : v !== undefined && v.type === 'string' ? v.v : '';
}

const incrbyfloatRule: Rule = {
  after: (_e, db, args) => [['SET', args[1] as string, stringValue(db, args[1] as string), 'KEEPTTL']],
};

const hincrbyfloatRule: Rule = {
  after(_e, db, args) {
    const o = db.dict.getRaw(args[1] as string);
    const v = o !== undefined && typeof o !== 'string' && o.type === 'hash' ? o.v.get(args[2] as string) : undefined;
    return [['HSET', args[1] as string, args[2] as string, String(v ?? '')]];
  },
};

function members(db: Database, key: string): string[] {
  const o = db.dict.getRaw(key);
  return o !== undefined && typeof o !== 'string' && o.type === 'set' ? [...o.v] : [];
}

/** SPOP: one SREM per member taken, or a deletion when it took the whole set. */
const spopRule: Rule = {
  before: (db, args) => members(db, args[1] as string),
  after(e, db, args, before) {
    const key = args[1] as string;
    // 7.0.15 writes DEL here whatever lazyfree-lazy-server-del says.
    if (!db.dict.has(key) && args.length > 2) return [['DEL', key]];
    const left = new Set(members(db, key));
    return (before as string[]).filter((m) => !left.has(m)).map((m) => ['SREM', key, m]);
  },
};

function sizeOf(db: Database, key: string): number {
  const o = db.dict.getRaw(key);
  if (o === undefined || typeof o === 'string') return 0;
  if (o.type === 'list') return o.v.length;
  if (o.type === 'zset') return o.v.size;
  return 0;
}

/** The keys a pop command may take from, by position. */
function popKeys(name: string, args: readonly string[]): string[] {
  switch (name) {
    case 'blpop':
    case 'brpop':
    case 'bzpopmin':
    case 'bzpopmax':
      return args.slice(1, -1);
    case 'lmpop':
    case 'zmpop':
      return args.slice(2, 2 + Number(args[1]));
    case 'blmpop':
    case 'bzmpop':
      return args.slice(3, 3 + Number(args[2]));
    default:
      return [args[1] as string];
  }
}

/** Which end an [B]LMPOP / [B]ZMPOP took from: the word after its keys. */
function mpopWhere(name: string, args: readonly string[]): string {
  const at = name.startsWith('b') ? 3 + Number(args[2]) : 2 + Number(args[1]);
  return lower(args[at]);
}

/** The non-blocking pop that happened: the key it took from and how many, as 7.0 writes it. */
function popAs(name: string, args: readonly string[], key: string, count: number): Argv[] {
  switch (name) {
    case 'blpop':
      return [['LPOP', key]];
    case 'brpop':
      return [['RPOP', key]];
    case 'bzpopmin':
      return [['ZPOPMIN', key]];
    case 'bzpopmax':
      return [['ZPOPMAX', key]];
    case 'lmpop':
    case 'blmpop':
      return [[mpopWhere(name, args) === 'left' ? 'LPOP' : 'RPOP', key, String(count)]];
    case 'zmpop':
    case 'bzmpop':
      return [[mpopWhere(name, args) === 'min' ? 'ZPOPMIN' : 'ZPOPMAX', key, String(count)]];
    case 'blmove':
      return [['LMOVE', ...args.slice(1, 5)]];
    case 'brpoplpush':
      return [['RPOPLPUSH', args[1] as string, args[2] as string]];
    default:
      return [[...args]];
  }
}

export function popRule(name: string): Rule {
  return {
    before: (db, args) => popKeys(name, args).map((k) => sizeOf(db, k)),
    after(_e, db, args, before) {
      const keys = popKeys(name, args);
      const sizes = before as number[];
      for (let i = 0; i < keys.length; i++) {
        const taken = (sizes[i] as number) - sizeOf(db, keys[i] as string);
        if (taken > 0) return popAs(name, args, keys[i] as string, taken);
      }
      return [];
    },
  };
}

/** RESTORE with a relative TTL goes out with the absolute time it gave the key. */
const restoreRule: Rule = {
  after(_e, db, args) {
    // A TTL already past creates nothing; what changed is REPLACE's deletion, which 7.0's restoreCommand
    // sends as DEL whatever lazyfree-lazy-server-del says (7.2 made it UNLINK there).
    if (!db.dict.has(args[1] as string)) return [['DEL', args[1] as string]];
    if (args[2] === '0' || args.slice(4).some((a) => lower(a) === 'absttl')) return [[...args]];
    const at = expiryText(db, args[1] as string);
    // RESTORE-ASKING keeps its own name: 7.0 rewrites only the TTL argument and appends ABSTTL.
    const name = lower(args[0] as string) === 'restore-asking' ? (args[0] as string) : 'RESTORE';
    return at === null ? [[...args]] : [[name, args[1] as string, at, ...args.slice(3), 'ABSTTL']];
  },
};

export const RULES = new Map<string, Rule>([
  ['getset', { after: (_e, _db, args) => [['SET', args[1] as string, args[2] as string]] }],
  ['getdel', { after: (_e, _db, args) => [['DEL', args[1] as string]] }],
  ['set', setRule],
  ['setex', setexRule],
  ['psetex', setexRule],
  ['expire', expireRule],
  ['pexpire', expireRule],
  ['expireat', expireRule],
  ['pexpireat', pexpireatRule],
  ['getex', getexRule],
  ['incrbyfloat', incrbyfloatRule],
  ['hincrbyfloat', hincrbyfloatRule],
  ['spop', spopRule],
  ['restore', restoreRule],
  ['restore-asking', restoreRule],
  ['xreadgroup', xreadgroupRule],
  ['xclaim', xclaimRule],
  ['xautoclaim', xclaimRule],
  ...['blpop', 'brpop', 'bzpopmin', 'bzpopmax', 'lmpop', 'blmpop', 'zmpop', 'bzmpop', 'blmove', 'brpoplpush'].map((n) => [n, popRule(n)] as [string, Rule]),
]);

/** Commands 7.0 propagates whether or not they changed anything (forceCommandPropagation, a dirty++ of their own). */
export const ALWAYS = new Set(['flushall', 'flushdb', 'swapdb', 'publish', 'spublish', 'function|load', 'function|delete', 'function|flush', 'function|restore']);

/** Commands whose effects go out as the commands they ran, never themselves (7.0: effects replication). */
export const NEVER_SELF = new Set(['exec', 'eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro', 'sync', 'psync', 'replconf']);
