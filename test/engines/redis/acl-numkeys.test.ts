// Commands whose keys follow a numkeys argument (SINTERCARD, ZINTERCARD, ZUNION, LMPOP, EVAL, ...)
// under a user limited to some keys: redis-server 7.0 finds the keys with the command's getkeys
// function, which finds none when numkeys is bad, so the ACL check passes and the command answers
// its own numkeys error; with a good numkeys a key outside the user's patterns is NOPERM first.
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const COMMANDS = [
  'SINTERCARD 0 a',
  'SINTERCARD -1 a',
  'SINTERCARD 3 a b',
  'SINTERCARD x a',
  'SINTERCARD 2 a b',
  'SINTERCARD 1 a LIMIT -1',
  'SINTERCARD 1 b',
  'ZINTERCARD 0 a',
  'ZINTERCARD 3 a b',
  'ZINTERCARD 2 a b',
  'ZINTERCARD 1 b LIMIT x',
  'ZUNION 0 a',
  'ZUNION 3 a b',
  'ZUNION 2 a b',
  'ZINTERSTORE a 3 a b',
  'ZDIFF 2 a b',
  'LMPOP 0 a LEFT',
  'LMPOP 2 a b LEFT',
  'LMPOP 3 a b LEFT',
  'ZMPOP 0 a MIN',
  'ZMPOP 2 a b MIN',
  'BLMPOP 0 0 a LEFT',
  'BZMPOP 0 2 a b MIN',
  'EVAL "return 1" 2 a b',
  'EVAL "return 1" 3 a b',
  'EVAL "return 1" -1 a',
  'FCALL f 2 a b',
  'XREAD STREAMS a b 0',
  'XREAD STREAMS a 0',
];

describe.runIf(available)('numkeys commands under a user limited to some keys, as redis-server 7.0', () => {
  const pair = serverPair();

  for (const rules of ['~a* +@all', '%R~a* +@all', '~a* +@all -sintercard -zunion', 'resetkeys +@all', '~a* +@all (~b* +@all)', '~* +@read -@write']) {
    it(`a bad numkeys is the command error, a good one reaches the key check (${rules})`, async () => {
      await expectSameReplies(
        pair,
        `
        ACL SETUSER numkeys-user reset on nopass ${rules}
        AUTH numkeys-user x
        ${COMMANDS.join('\n')}
        AUTH default x
        ACL DELUSER numkeys-user
        `,
      );
    });
  }
});
