// One process serves every node: a hostile or huge request on one node must not freeze the others.
// The glob matcher is compared with real redis-server on random patterns, and nested stars answer at once.
import { afterAll, describe, expect, it } from 'vitest';
import { newString } from '../../../engines/redis/db/objects.ts';
import { globMatch } from '../../../engines/redis/glob.ts';
import { dumpRdb, dumpRdbSliced, loadRdbSliced } from '../../../engines/redis/rdb/node-rdb.ts';
import { cpuMs } from '../../support/loop-hold.ts';
import { RawClient, realRedisAvailable, startServer, type Started } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { mulberry32, pick } from './random.ts';

const available = realRedisAvailable();

/** Parses a RESP array of bulk strings (KEYS reply) into a sorted list. */
function bulkList(reply: string): string[] {
  const lines = reply.split('\r\n');
  const out: string[] = [];
  for (let i = 1; i < lines.length - 1; i += 2) out.push(lines[i + 1] as string);
  return out.sort();
}

describe.skipIf(!available)('glob matching against redis-server', () => {
  const pair = serverPair();

  it('KEYS answers the same on random patterns with [], ^, -, \\, ? and *', async () => {
    const rnd = mulberry32(12);
    const alphabet = ['a', 'b', 'A', 'B', 'z', '-', ']', '[', '^', '\\', '?', '*', '\xe9', '\x80', '\xff', '0'];
    const keys = new Set<string>(['', 'a', 'ab', 'abc', 'A]b', 'a-b', 'a\\b', 'a*b', '[x]', '^', '\xe9t\xe9']);
    while (keys.size < 120) {
      let k = '';
      const n = 1 + Math.floor(rnd() * 6);
      for (let i = 0; i < n; i++) k += pick(rnd, alphabet);
      keys.add(k);
    }
    const patternTokens = ['a', 'b', 'A', '*', '?', '[a-b]', '[^a]', '[b-a]', '[\\]]', '[', ']', '\\', '\\*', '[a', '[^', '-', '^', '\xe9', '[\x80-\xff]', '[0-\xe9]', '**'];
    const a = await RawClient.connect(pair.ours.port);
    const b = await RawClient.connect(pair.real.port);
    try {
      for (const k of keys) {
        await a.call('SET', k, '1');
        await b.call('SET', k, '1');
      }
      for (let i = 0; i < 400; i++) {
        let p = '';
        const n = 1 + Math.floor(rnd() * 5);
        for (let j = 0; j < n; j++) p += pick(rnd, patternTokens);
        const [x, y] = await Promise.all([a.call('KEYS', p), b.call('KEYS', p)]);
        expect(bulkList(x), `KEYS ${JSON.stringify(p)}`).toEqual(bulkList(y));
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('nested stars answer at once, with the same results and the same nesting bound', async () => {
    const a = await RawClient.connect(pair.ours.port);
    const b = await RawClient.connect(pair.real.port);
    try {
      const key40 = 'a'.repeat(40);
      const long = 'a'.repeat(1100);
      const patterns = [`${'a*'.repeat(20)}b`, `${'*a'.repeat(20)}*b`, '*a'.repeat(1000), '*a'.repeat(1001), `${'a*'.repeat(30)}a`];
      for (const k of [key40, long]) {
        await a.call('SET', k, '1');
        await b.call('SET', k, '1');
      }
      for (const p of patterns) {
        // CPU time, not wall time: the KEYS runs in this process, and a loaded machine can leave it off the CPU
        // for longer than the bound while a match that backtracks would spend seconds of CPU.
        const t0 = cpuMs();
        const x = await a.call('KEYS', p);
        expect(cpuMs() - t0).toBeLessThan(200);
        expect(bulkList(x), p.slice(0, 30)).toEqual(bulkList(await b.call('KEYS', p)));
      }
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('glob matcher bounds', () => {
  it('matches a hostile pattern against a long string in well under a millisecond per call', () => {
    const t0 = cpuMs();
    for (let i = 0; i < 100; i++) expect(globMatch(`${'a*'.repeat(40)}b`, 'a'.repeat(80))).toBe(false);
    expect(cpuMs() - t0).toBeLessThan(100);
  });
});

/** PINGs `port` back to back until `work` settles: the worst round trip and how many were answered. */
async function pingDuring(port: number, work: Promise<unknown>): Promise<{ worst: number; answered: number }> {
  const c = await RawClient.connect(port);
  let done = false;
  const finished = work.finally(() => {
    done = true;
  });
  let worst = 0;
  let answered = 0;
  try {
    while (!done) {
      const t0 = performance.now();
      c.write('PING\r\n');
      await c.read(60000);
      worst = Math.max(worst, performance.now() - t0);
      answered++;
    }
    await finished;
  } finally {
    c.close();
  }
  return { worst, answered };
}

describe('one node cannot stall the others', () => {
  const servers: Started[] = [];
  afterAll(async () => {
    for (const s of servers) await s.server.close();
  });
  const node = async () => {
    const s = await startServer();
    servers.push(s);
    return s;
  };

  it('DEBUG SLEEP pauses its own node only', async () => {
    const [a, b] = [await node(), await node()];
    const sleeper = await RawClient.connect(a.port);
    const other = await RawClient.connect(a.port);
    try {
      const t0 = performance.now();
      const slept = sleeper.call('DEBUG', 'SLEEP', '0.5');
      const waited = other.call('PING');
      const { worst, answered } = await pingDuring(b.port, slept);
      expect(await slept).toBe('+OK\r\n');
      expect(await waited).toBe('+PONG\r\n');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
      expect(answered).toBeGreaterThan(3);
      expect(worst).toBeLessThan(150);
    } finally {
      sleeper.close();
      other.close();
    }
  });

  it('dumps and loads 150,000 keys in slices while another node answers', async () => {
    const [a, b, fresh] = [await node(), await node(), await node()];
    const db = a.server.engine.ks.db(0);
    for (let i = 0; i < 150_000; i++) db.set(`key:${i}`, newString(`value-${i}`));
    const t0 = performance.now();
    const whole = dumpRdb(a.server);
    const oneTurn = performance.now() - t0;
    let rdb: Buffer = Buffer.alloc(0);
    const dump = await pingDuring(
      b.port,
      dumpRdbSliced(a.server).then((r) => (rdb = r)),
    );
    expect(rdb.length).toBeGreaterThan(whole.length - 1000);
    expect(dump.answered).toBeGreaterThan(2);
    // The bound leaves room for garbage-collection pauses of a loaded 2-core machine; a dump in one turn
    // would answer no PING at all while it runs.
    expect(dump.worst).toBeLessThan(Math.max(250, oneTurn / 2));
    const load = await pingDuring(b.port, loadRdbSliced(fresh.server, [rdb]));
    expect(fresh.server.engine.ks.db(0).size).toBe(150_000);
    expect(await (await RawClient.connect(fresh.port)).call('GET', 'key:149999')).toBe('$12\r\nvalue-149999\r\n');
    expect(load.answered).toBeGreaterThan(2);
    expect(load.worst).toBeLessThan(Math.max(250, oneTurn));
  });

  it('refuses a damaged file in a sliced load and keeps the data', async () => {
    const [a, fresh] = [await node(), await node()];
    a.server.engine.ks.db(0).set('k', newString('v'));
    fresh.server.engine.ks.db(0).set('mine', newString('kept'));
    const rdb = dumpRdb(a.server);
    rdb[rdb.length - 12] ^= 0xff;
    await expect(loadRdbSliced(fresh.server, [rdb])).rejects.toThrow(/CRC64|checksum|RDB/i);
    expect(fresh.server.engine.ks.db(0).size).toBe(1);
  });

  it('runs the nested-star KEYS over 100,000 keys without holding the others', async () => {
    const [a, b] = [await node(), await node()];
    const db = a.server.engine.ks.db(0);
    for (let i = 0; i < 100_000; i++) db.set(`${'a'.repeat(40)}${i}`, newString('v'));
    const c = await RawClient.connect(a.port);
    try {
      const { worst } = await pingDuring(b.port, c.call('KEYS', `${'a*'.repeat(20)}b`));
      expect(worst).toBeLessThan(500);
    } finally {
      c.close();
    }
  });
});
