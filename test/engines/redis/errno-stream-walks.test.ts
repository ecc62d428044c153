// redis-server's radix-tree iterators set errno to 0 when raxNext/raxPrev run off the tree's end, and
// SORT reads errno after its strtod without clearing it: after a subnormal ZSCORE (ERANGE), a SORT of
// a set of numbers sorts only when a walk between them reached an end. Each case below is compared
// with redis-server 7.0.15 byte for byte (the SORT replies carry the outcome).
import { describe, it } from 'vitest';
import { realRedisAvailable } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Each case: its setup lines (`;`-separated, run before the ERANGE), then the command under test. */
const framed = (cases: [string, string][]): string =>
  cases.map(([pre, cmd]) => `${pre.split(';').join('\n')}\nZSCORE z a\n${cmd}\nSORT s`).join('\n');

describe.skipIf(!available)('errno after radix-tree walks that reach their end', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('XREADGROUP: new entries as XREAD (cleared unless COUNT ran out); a consumer\'s history asks raxNext once more before checking COUNT, and a deleted pending entry with no live one after it steps off the stream', async () => {
    const reset = 'XGROUP DESTROY x g;XGROUP CREATE x g 0';
    const readAll = `${reset};XREADGROUP GROUP g c STREAMS x >`;
    await expectSameReplies(pair, `
      SADD s 2 1
      ZADD z 1e-310 a
      XADD x 1-1 f v
      XADD x 2-1 f v
      XADD x 3-1 f v
      XADD x 4-1 f v
      XDEL x 4-1
      XADD e 1-1 f v
      XDEL e 1-1
      XGROUP CREATE e g 0
      XADD y 1-1 f v
      XADD y 2-1 f v
      XADD y 3-1 f v
      XADD y 4-1 f v
      XGROUP CREATE y g 0
      XREADGROUP GROUP g c STREAMS y >
      XDEL y 3-1 4-1
      ${framed([
        [reset, 'XREADGROUP GROUP g c STREAMS x >'],
        [reset, 'XREADGROUP GROUP g c COUNT 1 STREAMS x >'],
        [reset, 'XREADGROUP GROUP g c COUNT 3 STREAMS x >'],
        [reset, 'XREADGROUP GROUP g c COUNT 4 STREAMS x >'],
        [reset, 'XREADGROUP GROUP g c NOACK STREAMS x >'],
        [reset, 'XREADGROUP GROUP g c NOACK COUNT 3 STREAMS x >'],
        ['XGROUP DESTROY x g;XGROUP CREATE x g $', 'XREADGROUP GROUP g c STREAMS x >'],
        ['XGROUP DESTROY x g;XGROUP CREATE x g 2-1', 'XREADGROUP GROUP g c STREAMS x >'],
        ['XGROUP DESTROY x g;XGROUP CREATE x g 2-1', 'XREADGROUP GROUP g c COUNT 1 STREAMS x >'],
        [readAll, 'XREADGROUP GROUP g c STREAMS x 0'],
        [readAll, 'XREADGROUP GROUP g c COUNT 1 STREAMS x 0'],
        [readAll, 'XREADGROUP GROUP g c COUNT 2 STREAMS x 0'],
        [readAll, 'XREADGROUP GROUP g c COUNT 3 STREAMS x 0'],
        [readAll, 'XREADGROUP GROUP g c COUNT 1 STREAMS x 2-1'],
        [readAll, 'XREADGROUP GROUP g c STREAMS x 3-1'],
        [readAll, 'XREADGROUP GROUP g d COUNT 1 STREAMS x 0'],
        [readAll, 'XREADGROUP GROUP g c STREAMS x >'],
        ['', 'XREADGROUP GROUP g c STREAMS e >'],
        ['', 'XREADGROUP GROUP g c COUNT 1 STREAMS e 0'],
        [reset, 'XREADGROUP GROUP g c COUNT 1 STREAMS e x > >'],
        [reset, 'XREADGROUP GROUP g c STREAMS e x > >'],
        ['', 'XREADGROUP GROUP g c COUNT 1 STREAMS y 0'],
        ['', 'XREADGROUP GROUP g c COUNT 1 STREAMS y 1-1'],
        ['', 'XREADGROUP GROUP g c COUNT 1 STREAMS y 2-1'],
      ])}
    `);
  });

  it('XADD and XTRIM: a new node clears errno (an append to the tail node does not); streamTrim\'s walk clears it when raxNext runs off the tree or a node is trimmed inside (raxInsert finds the node\'s key and returns with errno 0), not when the length, LIMIT or ~ stops it first', async () => {
    // Seven entries in nodes of two: [1 2] [3 4] [5 6] [7].
    const build = 'DEL t;CONFIG SET stream-node-max-entries 2;XADD t 1-1 f v;XADD t 2-1 f v;XADD t 3-1 f v;XADD t 4-1 f v;XADD t 5-1 f v;XADD t 6-1 f v;XADD t 7-1 f v';
    await expectSameReplies(pair, `
      SADD s 2 1
      ZADD z 1e-310 a
      ${framed([
        [`${build}`, 'XTRIM t MAXLEN 7'],
        [`${build}`, 'XTRIM t MAXLEN 6'],
        [`${build}`, 'XTRIM t MAXLEN 5'],
        [`${build}`, 'XTRIM t MAXLEN 4'],
        [`${build}`, 'XTRIM t MAXLEN 1'],
        [`${build}`, 'XTRIM t MAXLEN 0'],
        [`${build}`, 'XTRIM t MAXLEN ~ 0'],
        [`${build}`, 'XTRIM t MAXLEN ~ 1'],
        [`${build}`, 'XTRIM t MAXLEN ~ 4'],
        [`${build}`, 'XTRIM t MAXLEN ~ 0 LIMIT 2'],
        [`${build}`, 'XTRIM t MAXLEN ~ 0 LIMIT 7'],
        [`${build}`, 'XTRIM t MINID 1-1'],
        [`${build}`, 'XTRIM t MINID 4-1'],
        [`${build}`, 'XTRIM t MINID 8-1'],
        [`${build}`, 'XTRIM t MINID ~ 8-1'],
        [`${build}`, 'XTRIM t MINID ~ 4-1'],
        [`${build};XDEL t 7-1`, 'XTRIM t MINID 7-1'],
        [`${build};XDEL t 1-1 2-1`, 'XTRIM t MAXLEN 5'],
        [`${build};XDEL t 1-1`, 'XTRIM t MAXLEN 5'],
        [`${build};XDEL t 1-1`, 'XTRIM t MAXLEN 4'],
        [`${build}`, 'XADD t MAXLEN 7 8-1 f v'],
        [`${build}`, 'XADD t MAXLEN 8 8-1 f v'],
        [`${build};XADD t 8-1 f v`, 'XADD t MAXLEN 8 9-1 f v'],
        [`${build};XADD t 8-1 f v`, 'XADD t MAXLEN ~ 3 9-1 f v'],
        [`${build};XADD t 8-1 f v`, 'XADD t 9-1 f v'],
        [`${build}`, 'XADD t 8-1 f v'],
        [`${build}`, 'XADD nk 1-1 f v'],
        [`${build};XADD e 1-1 f v;XDEL e 1-1`, 'XADD e 2-1 f v'],
        [`${build}`, 'XADD nk MAXLEN 0 2-1 f v'],
      ])}
      CONFIG SET stream-node-max-entries 100
    `);
  });

  it('XINFO GROUPS walks the groups\' tree, which stays after every group is destroyed (not after a reload or a copy); XINFO STREAM FULL clears unless COUNT ran out on a stream without that tree; XAUTOCLAIM clears when its cursor comes back 0-0', async () => {
    const claim = 'XGROUP DESTROY x g;XGROUP CREATE x g 0;XREADGROUP GROUP g c COUNT 3 STREAMS x >';
    // A script hides the replies that hold delivery times, not the errno they leave.
    const hidden = (cmd: string): string => `EVAL "redis.call(unpack(ARGV)) return 0" 0 ${cmd}`;
    await expectSameReplies(pair, `
      SADD s 2 1
      ZADD z 1e-310 a
      XADD x 1-1 f v
      XADD x 2-1 f v
      XADD x 3-1 f v
      XADD x 4-1 f v
      XADD x 5-1 f v
      XGROUP CREATE x h 0
      XADD y 1-1 f v
      XADD y 2-1 f v
      XADD y 3-1 f v
      XADD k 1-1 f v
      XGROUP CREATE k g 0
      XGROUP DESTROY k g
      ${framed([
        ['', 'XINFO GROUPS k'],
        ['', 'XINFO GROUPS y'],
        ['COPY k k2', 'XINFO GROUPS k2'],
        ['XADD k3 1-1 f v;XGROUP CREATE k3 g 0;XGROUP DESTROY k3 g;DEBUG RELOAD', 'XINFO GROUPS k3'],
        ['', 'XINFO STREAM y FULL COUNT 1'],
        ['', 'XINFO STREAM y FULL COUNT 3'],
        ['', 'XINFO STREAM y FULL COUNT 4'],
        ['', 'XINFO STREAM y FULL COUNT 0'],
        ['', 'XINFO STREAM y FULL'],
        ['', 'XINFO STREAM y'],
        ['', 'XINFO STREAM k FULL COUNT 0'],
        ['', hidden('XINFO STREAM x FULL COUNT 1')],
        [claim, hidden('XAUTOCLAIM x g c2 0 0')],
        [claim, hidden('XAUTOCLAIM x g c2 0 0 COUNT 1')],
        [claim, hidden('XAUTOCLAIM x g c2 0 0 COUNT 2')],
        [claim, hidden('XAUTOCLAIM x g c2 0 0 COUNT 3')],
        [claim, hidden('XAUTOCLAIM x g c2 0 2-1 COUNT 1')],
        [claim, hidden('XAUTOCLAIM x g c2 0 4-1')],
        [claim, hidden('XAUTOCLAIM x h c2 0 0')],
        [claim, 'XAUTOCLAIM x g c2 100000 0 JUSTID'],
        [claim, 'XAUTOCLAIM x g c2 100000 0 COUNT 1 JUSTID'],
      ])}
    `);
  });

  it('what saves, copies, digests or sizes a stream walks its nodes: DUMP, COPY, DEBUG DIGEST-VALUE, DEBUG RELOAD (not NOSAVE), XGROUP DELCONSUMER; MEMORY USAGE when it samples fewer nodes than SAMPLES asks or the groups\' tree exists', async () => {
    // A script hides the sizes (each server's own allocator), not the errno they leave. DEBUG DIGEST
    // is left out: it also reads the subnormal score of z, before or after the streams in dict order.
    const hidden = (cmd: string): string => `EVAL "redis.call(unpack(ARGV)) return 0" 0 ${cmd}`;
    await expectSameReplies(pair, `
      SADD s 2 1
      ZADD z 1e-310 a
      CONFIG SET stream-node-max-entries 2
      ${[1, 2, 3, 4, 5].map((i) => `XADD m ${i}-1 f v`).join('\n')}
      CONFIG SET stream-node-max-entries 100
      XADD x 1-1 f v
      XGROUP CREATE x g 0
      SET str v
      ${framed([
        ['', 'DUMP x'],
        ['', 'DUMP str'],
        ['DEL x2', 'COPY x x2'],
        ['', 'COPY x x2'],
        ['', 'COPY str str2'],
        ['', 'DEBUG DIGEST-VALUE str'],
        ['', 'DEBUG DIGEST-VALUE str m'],
        ['XGROUP CREATECONSUMER x g c9', 'XGROUP DELCONSUMER x g c9'],
        ['', 'XGROUP DELCONSUMER x g nobody'],
        ['', hidden('MEMORY USAGE m')],
        ['', hidden('MEMORY USAGE m SAMPLES 3')],
        ['', hidden('MEMORY USAGE m SAMPLES 4')],
        ['', hidden('MEMORY USAGE m SAMPLES 0')],
        ['', hidden('MEMORY USAGE x SAMPLES 1')],
        ['', hidden('MEMORY USAGE str')],
        ['', 'DEBUG RELOAD NOSAVE'],
        ['', 'DEBUG RELOAD'],
        ['DEL m x x2', 'DEBUG RELOAD NOSAVE'],
        ['', 'DEBUG RELOAD'],
      ])}
    `);
  });
});
