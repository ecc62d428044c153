// Deterministic cases for key handling the random differential's session-25 families
// (tools/redis-fuzz/families-wide.ts) found: int64's edges in the set and string encodings, and a
// numkeys past the arguments giving no keys to ACL and COMMAND GETKEYS. Compared with redis-server 7.0.
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('key handling differences found by the random differential', () => {
  const pair = serverPair();

  it('a member or value just past int64 is no integer: the set is a hashtable, the string embstr', async () => {
    const edges = ['9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '1000000000000000000', '99999999999999999999'];
    await expectSameReplies(pair, edges.map((v) => `DEL S k\nSADD S ${v} 1\nSET k ${v}\nOBJECT ENCODING S\nOBJECT ENCODING k`).join('\n'));
  });

  it('a numkeys past the arguments gives no keys (7.0\'s getkeys): an ACL user gets the numkeys error, not NOPERM; COMMAND GETKEYS none', async () => {
    await expectSameReplies(
      pair,
      'ACL SETUSER u4 on nopass +@all ~z*\nAUTH u4 x\nSINTERCARD 3 S2 S1\nZINTERCARD 5 a b\nZUNION 4 a b\nZUNIONSTORE zd 9 a b\nSINTERCARD 1x a\nSINTERCARD 2 za zb\nAUTH default x\n' +
        'COMMAND GETKEYS SINTERCARD 3 a b\nCOMMAND GETKEYS ZUNION 4 a b\nCOMMAND GETKEYS ZUNIONSTORE d 2 a b\nCOMMAND GETKEYS ZINTERCARD 01 a\nACL DELUSER u4',
    );
  });

  it('a command refused at EXEC time (ACL changed inside the transaction) is answered with 7.0\'s "ACLs rules changed" NOPERM and its reason (seed 78035)', async () => {
    await expectSameReplies(
      pair,
      'ACL SETUSER u9 on nopass +@all ~* &*\nAUTH u9 x\nMULTI\nACL SETUSER u9 -object resetkeys ~a* resetchannels\nOBJECT ENCODING a\nGET b\nGET a\nPUBLISH ch x\nEXEC\nAUTH default x\nACL DELUSER u9',
    );
  });
});
