// RESTORE-ASKING, the RESTORE a cluster node's MIGRATE sends (found missing by ruby-clients' probe: COMMAND COUNT 239
// against redis-server's 240). Without a slot being imported it is RESTORE: compared with redis-server 7.0.
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

describe.skipIf(!realRedisAvailable())('RESTORE-ASKING', () => {
  const pair = serverPair();

  it('is in the command table with 7.0\'s metadata', async () => {
    await expectSameReplies(pair, 'COMMAND COUNT\nCOMMAND INFO restore-asking\nCOMMAND DOCS restore-asking\nCOMMAND GETKEYS RESTORE-ASKING k 0 x');
  });

  it('restores a DUMP payload with RESTORE\'s options and errors', async () => {
    await expectSameReplies(
      pair,
      [
        'SET a hello',
        'RPUSH l x y z',
        `EVAL "return redis.call('restore-asking', KEYS[1], 0, redis.call('dump', 'a'))" 1 b`,
        'GET b',
        `EVAL "return redis.call('restore-asking', KEYS[1], 0, redis.call('dump', 'a'))" 1 b`,
        `EVAL "return redis.call('restore-asking', KEYS[1], 100000, redis.call('dump', 'l'), 'REPLACE')" 1 b`,
        'LRANGE b 0 -1',
        'TYPE b',
        'TTL b',
        `EVAL "return redis.call('restore-asking', KEYS[1], 0, redis.call('dump', 'a'), 'IDLETIME', 50)" 1 c`,
        'OBJECT IDLETIME c',
        'RESTORE-ASKING d 0 not-a-payload',
        'RESTORE-ASKING d -1 x',
        'RESTORE-ASKING d 0',
        'RESTORE-ASKING b 0 x',
        'RESTORE-ASKING d 0 x BOGUS',
      ].join('\n'),
    );
  });
});
