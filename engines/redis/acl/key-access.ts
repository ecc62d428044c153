// Which access each key argument of a command needs, as Redis 7.0's key specs say: "r" = the command
// reads the key's value (key spec ACCESS), "w" = it changes the key (INSERT/UPDATE/DELETE), "-" =
// neither (EXISTS, TYPE, ...: any matching key pattern will do). A %R~ pattern grants only "r", %W~ only "w".
import { keyPositions, type CommandDef } from '../command-table.ts';
import { is } from '../commands/util.ts';

export interface KeyAccess {
  pos: number;
  read: boolean;
  write: boolean;
}

// Learnt from redis-server 7.0's COMMAND output: per command, the access of each key spec in order.
// The first key position takes the first spec, each later position the next one, the last repeating.
const SPECS =
  'append:w bitcount:r bitfield:rw bitfield_ro:r bitop:w,r bitpos:r blmove:rw,w blmpop:rw blpop:rw brpop:rw ' +
  'brpoplpush:rw,w bzmpop:rw bzpopmax:rw bzpopmin:rw copy:r,w decr:rw decrby:rw del:w dump:r eval:rw eval_ro:r ' +
  'evalsha:rw evalsha_ro:r exists:- expire:w expireat:w expiretime:r fcall:rw fcall_ro:r geoadd:w geodist:r ' +
  'geohash:r geopos:r georadius:r,w georadius_ro:r georadiusbymember:r,w georadiusbymember_ro:r geosearch:r ' +
  'geosearchstore:w,r get:r getbit:r getdel:rw getex:rw getrange:r getset:rw hdel:w hexists:- hget:r hgetall:r ' +
  'hincrby:rw hincrbyfloat:rw hkeys:r hlen:- hmget:r hmset:w hrandfield:r hscan:r hset:w hsetnx:w hstrlen:- ' +
  'hvals:r incr:rw incrby:rw incrbyfloat:rw lcs:r lindex:r linsert:w llen:- lmove:rw,w lmpop:rw lpop:rw lpos:r ' +
  'lpush:w lpushx:w lrange:r lrem:w lset:w ltrim:w memory|usage:- mget:r migrate:rw move:rw mset:w msetnx:w ' +
  'object|encoding:- object|freq:- object|idletime:- object|refcount:- persist:w pexpire:w pexpireat:w ' +
  'pexpiretime:r pfadd:w pfcount:r pfdebug:r pfmerge:rw,r psetex:w pttl:r rename:rw,w renamenx:rw,w ' +
  'restore-asking:w restore:w rpop:rw rpoplpush:rw,w rpush:w rpushx:w sadd:w scard:- sdiff:r sdiffstore:w,r ' +
  'set:rw setbit:rw setex:w setnx:w setrange:w sinter:r sintercard:r sinterstore:w,r sismember:- smembers:r ' +
  'smismember:r smove:rw,w sort:r,w sort_ro:r spop:rw spublish:- srandmember:r srem:w sscan:r ssubscribe:- ' +
  'strlen:- substr:r sunion:r sunionstore:w,r sunsubscribe:- touch:- ttl:r type:- unlink:w watch:- xack:w xadd:w ' +
  'xautoclaim:w xclaim:w xdel:w xgroup|create:w xgroup|createconsumer:w xgroup|delconsumer:w xgroup|destroy:w ' +
  'xgroup|setid:w xinfo|consumers:r xinfo|groups:r xinfo|stream:r xlen:- xpending:r xrange:r xread:r xreadgroup:r ' +
  'xrevrange:r xsetid:w xtrim:w zadd:w zcard:- zcount:r zdiff:r zdiffstore:w,r zincrby:rw zinter:r zintercard:r ' +
  'zinterstore:w,r zlexcount:r zmpop:rw zmscore:r zpopmax:rw zpopmin:rw zrandmember:r zrange:r zrangebylex:r ' +
  'zrangebyscore:r zrangestore:w,r zrank:r zrem:w zremrangebylex:w zremrangebyrank:w zremrangebyscore:w ' +
  'zrevrange:r zrevrangebylex:r zrevrangebyscore:r zrevrank:r zscan:r zscore:r zunion:r zunionstore:w,r';

type Access = { read: boolean; write: boolean };

const TABLE = new Map<string, Access[]>(
  SPECS.split(' ').map((entry) => {
    const [name, specs] = entry.split(':') as [string, string];
    return [name, specs.split(',').map((s) => ({ read: s.includes('r'), write: s.includes('w') }))];
  }),
);

const READ: Access = { read: true, write: false };
const WRITE: Access = { read: false, write: true };
const READ_WRITE: Access = { read: true, write: true };

/** Keys Redis's key specs find that our command table leaves to the handler (SORT/GEORADIUS STORE). */
function storeKeys(def: CommandDef, args: string[]): number[] {
  if (def.name !== 'sort' && def.name !== 'georadius' && def.name !== 'georadiusbymember') return [];
  const out: number[] = [];
  for (let i = 2; i + 1 < args.length; i++) {
    if (is(args[i], 'store') || (def.name !== 'sort' && is(args[i], 'storedist'))) out.push(++i);
  }
  return out;
}

/** Every key argument of this call with the access the command needs on it. */
export function keyAccesses(def: CommandDef, args: string[]): KeyAccess[] {
  const positions = keyPositions(def, args);
  const extra = storeKeys(def, args);
  if (positions.length === 0 && extra.length === 0) return [];
  const specs = TABLE.get(def.fullName) ?? [def.isWrite ? READ_WRITE : READ];
  const out: KeyAccess[] = [];
  for (let i = 0; i < positions.length; i++) {
    let a = specs[Math.min(i, specs.length - 1)] as Access;
    // SET without GET only overwrites (its key spec has variable flags).
    if (def.name === 'set' && !args.some((x, j) => j > 2 && is(x, 'get'))) a = WRITE;
    out.push({ pos: positions[i] as number, ...a });
  }
  for (const pos of extra) out.push({ pos, ...WRITE });
  return out;
}
