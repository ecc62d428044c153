// Keys that carry no access flags under ACL, as redis-server 7.0 finds them: when a key spec cannot
// read numkeys (string2ll refuses `1e3`, `01`, ` 1`, `+1`, a negative count), the keys come from the
// command's getkeys function (atoi), without flags, so a %R~ or a %W~ pattern grants them alike. A
// numkeys string2ll reads is cut to an int (4294967297 is one key) and keeps the spec's flags.
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const CALLS = [
  'ZINTER 1e3 s1 z1',
  'ZINTER 1 s1 z1',
  'ZINTER 1e3 h1 z1',
  'ZINTER " 1" s1',
  'ZINTER "+1" s1',
  'ZINTER "-0" s1',
  'ZINTER 4294967297 s1',
  'ZINTER -4294967295 s1',
  'ZINTER 9223372036854775807 s1',
  'ZUNIONSTORE h1 1x s1',
  'ZUNIONSTORE h1 1 s1',
  'ZUNIONSTORE s9 01 h1',
  'ZDIFFSTORE s9 01 s1',
  'SINTERCARD 01 s1',
  'SINTERCARD 1 s1',
  'ZINTERCARD 1x s1 LIMIT 1',
  'LMPOP 1x s1 LEFT',
  'LMPOP 1 s1 LEFT',
  'ZMPOP 01 s1 MIN',
  'BLMPOP 0.01 1x s1 LEFT',
  'BZMPOP 0.01 01 h1 MIN',
  'EVAL "return 1" 1x s1',
  'EVAL "return 1" 1 s1',
  'EVAL_RO "return 1" 01 h1',
  'FCALL nosuch 1x s1',
  'COMMAND GETKEYSANDFLAGS ZINTER 4294967297 s1',
  'COMMAND GETKEYSANDFLAGS ZINTER 4294967298 s1 s2',
  'COMMAND GETKEYSANDFLAGS ZINTER -4294967295 s1',
  'COMMAND GETKEYSANDFLAGS ZUNIONSTORE d 1x s1',
];

describe.runIf(available)('ACL key checks of keys without access flags, as redis-server 7.0', () => {
  const pair = serverPair();

  for (const rules of ['%R~h* %W~s*', '%W~h* %R~s*', '%R~s*', '%W~s* %W~h*']) {
    it(`numkeys string2ll refuses: keys from atoi, granted by either kind of pattern (${rules})`, async () => {
      await expectSameReplies(
        pair,
        `
        ACL SETUSER flagless reset on nopass +@all ${rules}
        AUTH flagless x
        ${CALLS.join('\n')}
        AUTH default x
        ACL DRYRUN flagless ZUNIONSTORE h1 1 s1
        ACL DRYRUN flagless ZUNIONSTORE h1 1x s1
        ACL DRYRUN flagless ZUNIONSTORE s1 1 h1
        ACL DELUSER flagless
        `,
      );
    });
  }
});
