// Number parsing and argument errors exactly as redis-server 7.0: raw replies compared byte for byte.
import { describe, expect, it } from 'vitest';
import { collectKeyspaceEvents } from './events.ts';
import { realRedisAvailable, script } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const CASES: Record<string, string> = {
  'score ranges read with strtod (a lone "(" is 0)': `
    ZADD z 0 zero 1 a 2 b 16 hex
    ZRANGEBYSCORE z ( 1
    ZRANGEBYSCORE z 1 (
    ZRANGEBYSCORE z "" 1
    ZRANGEBYSCORE z " 1" 2
    ZRANGEBYSCORE z "1 " 2
    ZRANGEBYSCORE z "( 1" 2
    ZRANGEBYSCORE z 0x10 +inf
    ZRANGEBYSCORE z 1e400 +inf
    ZRANGEBYSCORE z -1e400 1e400
    ZRANGEBYSCORE z nan 1
    ZRANGEBYSCORE z -infinity +Infinity
    ZRANGEBYSCORE z 1e 2
    ZCOUNT z ( 1
    ZCOUNT z "(" "("
    ZREVRANGEBYSCORE z 2 (
    ZRANGE z ( 2 BYSCORE
    ZREMRANGEBYSCORE z ( 1.5
    ZRANGE z 0 -1 WITHSCORES
  `,
  'scores read as whole valid doubles': `
    ZADD z 1e400 m
    ZADD z -1e400 m
    ZADD z 1e-400 m
    ZADD z 1e-310 denormal
    ZADD z 1e308 m
    ZINCRBY z 1e400 m
    ZADD z nan m
    ZADD z 0x10 hex
    ZADD z 0x1p3 hexp
    ZADD z 0x m
    ZADD z " 1" m
    ZADD z "1 " m
    ZADD z "" m
    ZADD z 1. dot
    ZADD z .5 half
    ZADD z infinity inf
    ZADD z -Infinity ninf
    ZADD z +1 plus
    ZRANGE z 0 -1 WITHSCORES
    ZINTERSTORE d 1 z WEIGHTS 1e400
    ZINTERSTORE d 1 z WEIGHTS 0x2
    ZRANGE d 0 -1 WITHSCORES
    GEOADD g 0x1 0 p
    GEOADD g 1e400 0 p
  `,
  'float increments and their NaN/Infinity errors': `
    HINCRBYFLOAT h f +inf
    HINCRBYFLOAT h f inf
    HINCRBYFLOAT h f -inf
    HINCRBYFLOAT h f -Infinity
    HINCRBYFLOAT h f nan
    HINCRBYFLOAT h f 1e400
    HSET h s notanumber
    HINCRBYFLOAT h s inf
    HINCRBYFLOAT h s 1
    SET str x
    HINCRBYFLOAT str f inf
    HINCRBYFLOAT str f 1
    INCRBYFLOAT x +inf
    INCRBYFLOAT x 1e400
    INCRBYFLOAT x nan
    INCRBYFLOAT x 1e308
    INCRBYFLOAT x 1e308
  `,
  'SORT reads weights with strtod (empty strings are 0)': `
    RPUSH l "" 1 2 "" -1
    SORT l
    SORT l DESC
    RPUSH l2 "" ""
    SORT l2
    SADD s "" 3
    SORT s
    RPUSH l3 " 2" 1
    SORT l3
    RPUSH l4 "2 " 1
    SORT l4
    RPUSH l5 0x10 3
    SORT l5
    RPUSH l7 inf -inf 0
    SORT l7
    RPUSH l6 1e400 1
    SORT l6
    RPUSH l8 a
    SORT l8
  `,
  'expire times with big and big negative integers': `
    SET k v
    PEXPIREAT k 9223372036854775807
    PEXPIREAT k 9223370399119966
    PEXPIREAT k 92233720368547758
    PEXPIREAT k -9223372036854770000
    EXISTS k
    SET k v
    PEXPIREAT k -9223372036854775808
    EXISTS k
    SET k v
    EXPIREAT k 9223372036854775807
    EXPIREAT k 9223372036854775
    EXPIREAT k 9223372036854776
    EXPIRE k 9223372036854775
    EXPIRE k 9223370399119966
    PEXPIRE k 9223372036854775807
    PEXPIRE k 9223372036854770000
    SET k v
    EXPIRE k -9223372036854775808
    EXPIRE k -9223372036854775
    EXISTS k
    SET k v
    PEXPIRE k -9223372036854775808
    EXISTS k
    SET k v
    EXPIREAT k -9223372036854775808
    EXPIREAT k 9223372036854775808
    SET k v
    SETEX k 9223372036854775807 v
    SETEX k 9223372036854775 v
    SETEX k -1 v
    PSETEX k 9223372036854775807 v
    SET k v EX 9223372036854775
    SET k v EX 9223372036854775807
    SET k v PX 9223372036854775807
    SET k v EXAT 9223372036854775807
    SET k v EXAT 9223372036854775
    SET k v PXAT 9223372036854775807
    GETEX k EX 9223372036854775807
    GETEX k PX 9223372036854775807
    GETEX k PXAT 9223372036854775807
    GETEX k PXAT 0
    GETEX k EXAT -1
  `,
  'SINTERCARD, ZINTERCARD, ZMPOP, BZMPOP argument errors': `
    SADD a 1 2 3
    SADD b 2 3
    SINTERCARD 0 a
    SINTERCARD -1 a
    SINTERCARD x a
    SINTERCARD 2 a
    SINTERCARD 1 a LIMIT -1
    SINTERCARD 1 a LIMIT x
    SINTERCARD 1 a LIMIT
    SINTERCARD 1 a FOO 1
    SINTERCARD 1 a b
    SINTERCARD 2 a b LIMIT 1
    SINTERCARD 2 a b LIMIT 1 LIMIT 0
    SINTERCARD 3 a b
    SINTERCARD 9999999999 a
    SINTERCARD 99999999999999999999 a
    ZADD za 1 x 2 y
    ZINTERCARD 0 za
    ZINTERCARD -1 za
    ZINTERCARD x za
    ZINTERCARD 2 za
    ZINTERCARD 1 za LIMIT -1
    ZINTERCARD 1 za LIMIT x
    ZINTERCARD 1 za LIMIT
    ZINTERCARD 1 za FOO 1
    ZINTERCARD 1 za b
    ZINTERCARD 1 za WEIGHTS 1
    ZINTERCARD 1 za LIMIT 1 LIMIT 0
    SET str x
    ZINTERCARD 1 str LIMIT x
    ZINTERCARD 1 za LIMIT 1
    ZUNION 0 za
    ZINTERSTORE d 0 za
    ZDIFF x za
    ZMPOP 0 za MIN
    ZMPOP -1 za MIN
    ZMPOP x za MIN
    ZMPOP 1 za
    ZMPOP 1 za FOO
    ZMPOP 1 za MIN COUNT 0
    ZMPOP 1 za MIN COUNT -1
    ZMPOP 1 za MIN COUNT x
    ZMPOP 1 za MIN COUNT
    ZMPOP 1 za MIN COUNT 1 COUNT 2
    ZMPOP 2 za MIN
    ZMPOP 1 za MIN FOO
    BZMPOP 0 0 za MIN
    BZMPOP -1 1 za MIN
    BZMPOP x 1 za MIN
    BZMPOP 0 x za MIN
    BZMPOP 0 1 za
    BZMPOP 0 1 za MIN COUNT 0
    BZMPOP 0 1 za MIN COUNT x
    BZMPOP 0 2 za MIN
    BZMPOP 0.01 1 za MAX COUNT 10
    LMPOP 0 a LEFT
    LMPOP x a LEFT
    LMPOP 1 a LEFT COUNT 0
    LMPOP 1 a LEFT COUNT x
    LMPOP 1 a
    LMPOP 2 a LEFT
  `,
};

describe.skipIf(!available)('number parsing and argument errors as redis-server 7.0', () => {
  const pair = serverPair();

  for (const [name, text] of Object.entries(CASES)) {
    it(name, async () => {
      await expectSameReplies(pair, text);
    });
  }

  it('SMOVE notifies srem, del of an emptied source, then sadd only when the member is new', async () => {
    const cmds = script(`
      SADD src a b c
      SADD dst c
      SMOVE src dst a
      SMOVE src dst c
      SMOVE src dst missing
      SMOVE src src b
      SMOVE src fresh b
      SMOVE fresh dst b
    `);
    expect(await collectKeyspaceEvents(pair.ours.port, cmds)).toEqual(await collectKeyspaceEvents(pair.real.port, cmds));
  });
});
