// Small deterministic cases for differences the random differential (tools/redis-fuzz) found,
// each compared with redis-server 7.0: replies byte for byte, and keyspace events in order.
import { describe, expect, it } from 'vitest';
import { collectKeyspaceEvents } from './events.ts';
import { RawClient, realRedisAvailable, script } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('differences found by the random differential', () => {
  const pair = serverPair();

  const sameReplies = (text: string, proto: 2 | 3 = 2): Promise<void> => expectSameReplies(pair, text, proto);

  async function sameEvents(text: string): Promise<void> {
    const cmds = script(text);
    const [a, b] = await Promise.all([collectKeyspaceEvents(pair.ours.port, cmds), collectKeyspaceEvents(pair.real.port, cmds)]);
    expect(a).toEqual(b);
    expect(b.length).toBeGreaterThan(0);
  }

  it('CLIENT INFO names itself as the current command; after an unknown command CLIENT LIST says cmd=NULL', async () => {
    const [a, b] = await Promise.all([clientCmdFields(pair.ours.port), clientCmdFields(pair.real.port)]);
    expect(a).toEqual(b);
    expect(b).toEqual(['client|info', 'NULL']);
  });

  it('DECR and DECRBY publish incrby', async () => {
    await sameEvents('SET n 5\nDECR n\nDECRBY n 2\nINCR n');
  });

  it('list moves and pops announce the push, then the pop, then a del, for the keys they touch only', async () => {
    await sameEvents('RPUSH a 1 2\nLMOVE a b LEFT RIGHT\nLMOVE a a LEFT RIGHT\nRPOPLPUSH a b\nRPUSH c x\nBLPOP z c 0.01\nRPUSH c y z\nLMPOP 2 z c RIGHT COUNT 5');
  });

  it('PFMERGE, BITOP, SORT STORE and GEO stores announce their destination only', async () => {
    await sameEvents('PFADD p1 a\nPFADD p2 b\nPFMERGE p2 p1 p2\nSET s1 a\nBITOP AND d s1 s1\nBITOP NOT d nosuch\nRPUSH l 3 1 2\nSORT l STORE out\nSORT nosuch STORE out');
    await sameEvents('GEOADD g 13.361389 38.115556 a 15.087269 37.502669 b\nGEOSEARCHSTORE dst g FROMMEMBER a BYRADIUS 500 km\nGEORADIUS g 15 37 200 km STORE dst2\nGEOSEARCHSTORE dst g FROMLONLAT 0 0 BYRADIUS 1 m');
  });

  it('ZADD INCR announces zincr; a pop of 0 members announces nothing', async () => {
    await sameEvents('ZADD z 1 a\nZADD z INCR 2 a\nZADD z CH INCR 1 a\nZPOPMAX z 0\nZPOPMIN z 0\nSADD s a\nSPOP s 0\nZADD z 3 b');
  });

  it('expiry in the past announces del; GETEX announces expire or persist; MOVE announces move_from and move_to', async () => {
    await sameEvents('SET a 1\nEXPIRE a -1\nSET b 1\nPEXPIREAT b 1\nSET c 1\nGETEX c EX 100\nGETEX c PERSIST\nGETEX c PERSIST\nGETEX c PXAT 1\nSET d 1\nMOVE d 1');
  });

  it('CONFIG GET shows notify-keyspace-events in canonical form', async () => {
    await sameReplies('CONFIG SET notify-keyspace-events KEA\nCONFIG GET notify-keyspace-events\nCONFIG SET notify-keyspace-events Eg$x\nCONFIG GET notify-keyspace-events\nCONFIG SET notify-keyspace-events mKAn\nCONFIG GET notify-keyspace-events\nCONFIG SET notify-keyspace-events ""\nCONFIG GET notify-keyspace-events');
  });

  it('SCAN-family cursors are read as strtoul does, before the key type; a missing key ignores bad options', async () => {
    await sameReplies('SADD s a\nSSCAN s 18446744073709551616\nSSCAN s +0\nSSCAN s ""\nSSCAN s " 1"\nSSCAN s -\nZSCAN s x\nHSCAN nosuch 0 EXTRA\nHSCAN s 0 EXTRA\nSCAN 18446744073709551616\nSCAN -0');
  });

  it('FCALL looks the function up before the number of keys; XREAD/XREADGROUP unbalanced streams share one message', async () => {
    await sameReplies('FCALL nosuch x k\nFCALL_RO nosuch -1\nXREAD STREAMS a b 0\nXREADGROUP GROUP g c STREAMS a b 0');
  });

  it('random-count commands refuse LONG_MIN before looking at the key', async () => {
    await sameReplies('SRANDMEMBER s -9223372036854775808\nHRANDFIELD h -9223372036854775808\nZRANDMEMBER z -9223372036854775808 WITHSCORES\nSADD s a\nSRANDMEMBER s -9223372036854775808');
  });

  it('BLMPOP and BZMPOP read the timeout after the other arguments; a timed-out BLMOVE is a null array', async () => {
    await sameReplies('BZMPOP x 1 z1 z2 MAX\nBZMPOP -1 1 z MIN COUNT 0\nBLMPOP x 2 a b LEFT COUNT -0\nBLMPOP x 1 a LEFT\nBLMOVE a b LEFT RIGHT 0.01\nBRPOPLPUSH a b 0.01');
    await sameReplies('BLMOVE a b LEFT RIGHT 0.01\nBZMPOP x 1 z1 z2 MAX', 3);
  });

  it('SETBIT and BITFIELD that leave the bits as they were are no write: no event, WATCH holds', async () => {
    await sameEvents('SET s a\nSETBIT s 1 1\nSETBIT s 0 0\nBITFIELD s INCRBY u1 0 -10\nBITFIELD s SET u2 0 1\nSETBIT s 0 1');
    await sameReplies('SET s a\nWATCH s\nSETBIT s 0 0\nBITFIELD s SET u1 0 0\nMULTI\nGET s\nEXEC');
  });

  it('ZINCRBY parses ZADD options, BZPOP*/ZMPOP announce the pop', async () => {
    await sameReplies('ZADD z 1 a\nZINCRBY z xx a\nZINCRBY z incr 1\nZINCRBY z 1 xx\nZRANGE z 0 -1 WITHSCORES');
    await sameEvents('ZADD z 1 a 2 b 3 c\nBZPOPMAX z 0.01\nBZPOPMIN z 0.01\nZMPOP 1 z MIN\nZADD y 1 a\nBZMPOP 0.01 1 y MAX');
  });

  it('unknown subcommand names end at a NUL byte, as %s prints them', async () => {
    await sameReplies('SCRIPT "a\\x00b"'.replace('\\x00', '\u0000'));
  });

  it('adding members that are there, ZADD XX of a missing member, COPY to another db: events as redis-server', async () => {
    await sameEvents('SADD s a\nSADD s a\nZADD z 1 a\nZADD z XX 2 b\nZADD z 1 a\nGEOADD g 0 0 a\nGEOADD g XX 1 1 b\nCOPY s s2 DB 1\nSADD s b');
    await sameReplies('SADD s a\nWATCH s\nSADD s a\nZADD z 1 a\nZADD z 1 a\nMULTI\nGET x\nEXEC');
  });

  it('score range bounds end at a NUL byte (strtod of a C string); GEO errors print %f in full', async () => {
    await sameReplies('ZADD z 1 a\nZCOUNT z -3.25 "\\0"\nZCOUNT z "1\\0x" 2\nZRANGE z "\\0" -1 BYSCORE REV\nGEORADIUS g 0 1e308 200 km\nGEOADD g 0 -1e300 m'.replace(/\\0/g, '\u0000'));
  });

  it('HRANDFIELD/ZRANDMEMBER check count, option and range before the key', async () => {
    await sameReplies('SET s x\nHRANDFIELD s 9223372036854775807 WITHVALUES\nZRANDMEMBER s 9223372036854775807 WITHSCORES\nZRANDMEMBER s 4611686018427387904 WITHSCORES\nZRANDMEMBER s -4611686018427387903 WITHSCORES\nHRANDFIELD s 1 FOO\nZRANDMEMBER nosuch 1 WITHSCORES');
  });

  it('MATCH * is no pattern for the SCAN family, so the empty name comes back', async () => {
    await sameReplies('SET "" x\nSCAN 0 MATCH *\nSADD s ""\nSSCAN s 0 MATCH *\nHSET h "" 1\nHSCAN h 0 MATCH *');
  });

  it('GEO searches centred on longitude 180 or the top latitude read the cell Redis reads', async () => {
    await sameReplies('GEOADD g 180 37.7749 a 179.9 37.7 b -179.9 37.7 c 10 85.05112878 d\nGEOSEARCH g FROMLONLAT 180 37.7749 BYRADIUS 500 km\nGEOSEARCH g FROMMEMBER a BYRADIUS 500 km DESC COUNT 5 ANY\nGEORADIUS g 180 37 100 km\nGEOSEARCH g FROMMEMBER d BYBOX 100 100 km\nGEOSEARCH g FROMLONLAT -180 37.7 BYRADIUS 50 km');
  });

  it('a listpack sorted set reads -0 back as 0 (a skiplist keeps -0)', async () => {
    await sameReplies('ZADD z -0 a\nZRANGE z 0 -1 WITHSCORES\nZINCRBY z -0 b\nZSCORE z b\nZUNIONSTORE u 1 z WEIGHTS -1\nZRANGE u 0 -1 WITHSCORES\nZPOPMIN z\nCONFIG SET zset-max-listpack-entries 0\nZADD s -0 a\nZSCORE s a\nCONFIG SET zset-max-listpack-entries 128');
  });

  it('LPOP/RPOP of 0 and GETDEL of a missing key announce nothing', async () => {
    await sameEvents('RPUSH l a\nLPOP l 0\nRPOP l 0\nSET s 1\nGETDEL s\nGETDEL s\nRPUSH l b');
  });

  it('EVALSHA of a short SHA, CONFIG SET with an odd word count, BITPOS with too many arguments, %f of -0', async () => {
    await sameReplies('EVALSHA x 1\nEVALSHA ffffffffffffffffffffffffffffffffffffffff x\nCONFIG SET list-compress-depth 0 ""\nSET s a\nBITPOS s 1 0 1 BIT x\nBITPOS nosuch 1 0 1 BIT x\nGEORADIUS g -0 -inf 1 km');
  });

  it('EXEC with extra arguments inside MULTI aborts and discards the transaction', async () => {
    await sameReplies('MULTI\nSET a 1\nEXEC 1\nEXEC\nGET a');
  });

  it('BITFIELD whose OVERFLOW FAIL skips every write announces nothing, even where it made room; a write where it made room is a change', async () => {
    await sameEvents('SET s a\nBITFIELD k OVERFLOW FAIL INCRBY u8 100 -10\nBITFIELD s OVERFLOW FAIL INCRBY u63 #0 -10\nBITFIELD s OVERFLOW FAIL SET i8 0 4294967296\nBITFIELD s OVERFLOW FAIL INCRBY u8 64 300\nSETBIT k 0 1');
    // Where it made room, every write it did not refuse is a change, even of a 0 to a 0.
    await sameEvents('SET s a\nBITFIELD s SET u8 100 0\nBITFIELD s INCRBY u1 200 0\nBITFIELD n OVERFLOW SAT INCRBY u63 100 -10\nBITFIELD s SET u8 0 97');
    await sameReplies('BITFIELD k OVERFLOW FAIL INCRBY u8 100 -10\nSTRLEN k\nBITFIELD k OVERFLOW FAIL INCRBY u8 200 -10\nSTRLEN k');
  });

  it('error texts end a name at its NUL byte (%s) and drop CR/LF at their end, as addReplyErrorFormat', async () => {
    await sameReplies('XADD x 1-1 f v\nXPENDING x "a\\0b"\nXCLAIM "\\0" g1 c1 0 3\nXREADGROUP GROUP "g\\0h" c STREAMS x >\nSET k 1\nEXPIRE k 100 "\\r\\n"\nEXPIRE k 100 "\\r\\nx\\r\\n"\nEXPIRE k 100 "\\nNX"'.replace(/\\0/g, '\u0000'));
  });

  it('RESTORE announces restore (del when an expired payload replaces a key) and looks for the key before the TTL; a SCAN cursor ends at a NUL; CLIENT UNPAUSE without a pause', async () => {
    // DUMP of the string "hello" by redis-server 7.0.
    const hello = '\x00\x05hello\x0a\x00cr\xdfve4 \x0a';
    const cmds = [['RESTORE', 'a', '0', hello], ['RESTORE', 'a', '1', hello, 'REPLACE', 'ABSTTL'], ['RESTORE', 'b', '0', hello], ['RESTORE', 'b', '0', hello]];
    const [x, y] = await Promise.all([collectKeyspaceEvents(pair.ours.port, cmds), collectKeyspaceEvents(pair.real.port, cmds)]);
    expect(x).toEqual(y);
    expect(y.length).toBeGreaterThan(0);
    await sameReplies('CLIENT UNPAUSE\nSET s 1\nRESTORE s x ""\nRESTORE s -1 x\nSCAN "\\0"\nSCAN "\\0x" COUNT 10\nSSCAN s "0\\0x"'.replace(/\\0/g, '\u0000'));
  });

  it('CLIENT TRACKING reads its options before ON or OFF, then checks them in redis-server 7.0\'s order; CLIENT UNBLOCK reads the reason first', async () => {
    await sameReplies('CLIENT TRACKING off BCAST\nCLIENT TRACKING off x\nCLIENT TRACKING on OPTIN OPTOUT BCAST\nCLIENT TRACKING on PREFIX a OPTIN\nCLIENT TRACKING on OPTIN\nCLIENT TRACKING on OPTOUT BCAST\nCLIENT TRACKING on OPTOUT\nCLIENT TRACKING off\nCLIENT UNBLOCK x x\nCLIENT UNBLOCK x TIMEOUT\nCLIENT UNBLOCK 0 ERROR');
  });

  it('DUMP payloads are byte for byte redis-server 7.0\'s: liblzf\'s exact choices, %.17g listpack scores, short stream lengths', async () => {
    const digits = '2818806839475865144534336290520386259106935396850039036399484832416209402731761620029582277725573402382897659366101779744743454617391744811667497172377894';
    await sameReplies(`SET s ${digits}880123880\nDUMP s\nSET a ${'a'.repeat(100)}\nDUMP a\nSET r ${'abcdefghij'.repeat(3)}xyz0123xyz\nDUMP r\nSET t ${'0123456789'.repeat(2)}x01234567890123456789\nDUMP t`);
    await sameReplies('PFADD p a b c\nDUMP p\nPFADD q hello\nDUMP q\nZADD z 0.1 a 1 b 2.5 c 1e20 d\nDUMP z');
    await sameReplies('XGROUP CREATE x g 0 MKSTREAM\nDUMP x\nXADD x 1-1 f v\nXADD x 2-1 f w\nXADD x 3-1 c v\nXDEL x 2-1\nXGROUP SETID x g 1-1\nDUMP x\nXADD x 4-1 c v\nXTRIM x MAXLEN 1\nDUMP x\nXDEL x 4-1\nDUMP x');
  });
});

/** The cmd= field of CLIENT INFO after a GET, and of CLIENT LIST for a client whose last command was unknown. */
async function clientCmdFields(port: number): Promise<string[]> {
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  const field = (line: string): string => /cmd=(\S+)/.exec(line)?.[1] ?? '';
  try {
    await a.call('GET', 'k');
    const own = field(await a.call('CLIENT', 'INFO'));
    const id = (await a.call('CLIENT', 'ID')).slice(1).trim();
    await a.call('NOSUCHCOMMAND');
    return [own, field(await b.call('CLIENT', 'LIST', 'ID', id))];
  } finally {
    a.close();
    b.close();
  }
}
