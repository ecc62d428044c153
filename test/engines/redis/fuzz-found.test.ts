// Small deterministic cases for differences the random differential (tools/redis-fuzz) found,
// each compared with redis-server 7.0: replies byte for byte, and keyspace events in order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectKeyspaceEvents } from './events.ts';
import { differential, RawClient, realRedisAvailable, script, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('differences found by the random differential', () => {
  let ours: Started;
  let real: RealRedis;
  beforeAll(async () => {
    ours = await startServer();
    real = await startRealRedis();
  });
  afterAll(async () => {
    await ours?.server.close();
    await real?.stop();
  });

  async function sameReplies(text: string, proto: 2 | 3 = 2): Promise<void> {
    const results = await differential(ours.port, real.port, script(text), proto);
    expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
  }

  async function sameEvents(text: string): Promise<void> {
    const cmds = script(text);
    const [a, b] = await Promise.all([collectKeyspaceEvents(ours.port, cmds), collectKeyspaceEvents(real.port, cmds)]);
    expect(a).toEqual(b);
    expect(b.length).toBeGreaterThan(0);
  }

  it('CLIENT INFO names itself as the current command; after an unknown command CLIENT LIST says cmd=NULL', async () => {
    const [a, b] = await Promise.all([clientCmdFields(ours.port), clientCmdFields(real.port)]);
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

  it('EXEC with extra arguments inside MULTI aborts and discards the transaction', async () => {
    await sameReplies('MULTI\nSET a 1\nEXEC 1\nEXEC\nGET a');
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
