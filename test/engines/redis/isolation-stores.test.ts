// SUNIONSTORE & co and ZUNION(STORE) & co over sets of hundreds of thousands of members run in slices:
// another node answers PING meanwhile, and what they store or answer equals real redis-server's, keyspace
// notifications included.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSet, newZSet } from '../../../engines/redis/db/objects.ts';
import { encodeCommand, RawClient, realRedisAvailable, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';
import { expectHeldWithin, wholeTurn, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 100_000);
const available = realRedisAvailable();
const run = promisify(execFile);

/** A key's whole content through redis-cli, which reads a reply of a million lines quickly; set members sorted. */
async function contentOf(port: number, cmd: string[], sort: boolean): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...cmd], { maxBuffer: 1 << 28 });
  return sort ? stdout.split('\n').sort().join('\n') : stdout;
}

/** Sends `cmds` pipelined and waits for every reply. */
async function pipeline(port: number, cmds: string[][]): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    c.write(Buffer.concat(cmds.map((x) => encodeCommand(x))));
    for (let i = 0; i < cmds.length; i++) await c.read(60_000);
  } finally {
    c.close();
  }
}

/** The same data in the real server, by SADD/ZADD in batches. */
function fillCommands(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 2000) {
    const sa = ['SADD', 'sa'];
    const sb = ['SADD', 'sb'];
    const za = ['ZADD', 'za'];
    const zb = ['ZADD', 'zb'];
    for (let i = from; i < Math.min(N, from + 2000); i++) {
      sa.push(`m${i}`);
      sb.push(`m${i + N / 2}`);
      za.push(String(i / 4), `m${i}`);
      zb.push(String(-i), `m${i + 1}`);
    }
    out.push(sa, sb, za, zb);
  }
  out.push(['ZADD', 'zsmall', '1.5', 'm7', '2', 'm100', '3', 'nothere'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
  return out;
}

describe.skipIf(!available)('set and sorted-set operations run in slices', () => {
  let busy: Started;
  let other: Started;
  let real: RealRedis;
  beforeAll(async () => {
    [busy, other, real] = await Promise.all([startServer(), startServer(), startRealRedis()]);
    const db = busy.server.engine.ks.db(0);
    const [sa, sb, za, zb] = [newSet(), newSet(), newZSet(), newZSet()];
    sa.big = sb.big = za.big = zb.big = true;
    for (let i = 0; i < N; i++) {
      sa.v.add(`m${i}`);
      sb.v.add(`m${i + N / 2}`);
      za.v.add(`m${i}`, i / 4);
      zb.v.add(`m${i + 1}`, -i);
    }
    db.set('sa', sa);
    db.set('sb', sb);
    db.set('za', za);
    db.set('zb', zb);
    await pipeline(busy.port, fillCommands().slice(-2));
    await pipeline(real.port, fillCommands());
  }, 60_000);
  afterAll(async () => {
    await busy?.server.close();
    await other?.server.close();
    await real?.stop();
  });

  /** Runs `cmd` on the busy node while PINGing the other; its reply, checked against redis-server's. True when it also ran whole. */
  async function sliced(cmd: string[]): Promise<boolean> {
    const c = await RawClient.connect(busy.port);
    const r = await RawClient.connect(real.port);
    try {
      let answer!: Promise<Buffer>;
      const held = await whileWorking(other.port, () => {
        c.write(encodeCommand(cmd));
        return (answer = c.read(60_000));
      });
      r.write(encodeCommand(cmd));
      expect((await answer).toString('latin1'), cmd.join(' ')).toBe((await r.read(60_000)).toString('latin1'));
      expect(held.answered, cmd.join(' ')).toBeGreaterThan(0);
      return await expectHeldWithin(held, cmd.join(' '), () => wholeTurn(c, cmd));
    } finally {
      c.close();
      r.close();
    }
  }

  it('SUNIONSTORE, SINTERSTORE, SDIFFSTORE store what redis-server stores and raise its events', async () => {
    const events = await RawClient.connect(busy.port);
    const realEvents = await RawClient.connect(real.port);
    try {
      for (const e of [events, realEvents]) {
        e.write(encodeCommand(['SUBSCRIBE', '__keyevent@0__:sunionstore', '__keyevent@0__:sinterstore', '__keyevent@0__:sdiffstore', '__keyevent@0__:del']));
        for (let i = 0; i < 4; i++) await e.read();
      }
      const runs: number[] = [];
      for (const op of ['SUNIONSTORE', 'SINTERSTORE', 'SDIFFSTORE']) {
        runs.push((await sliced([op, 'dst', 'sa', 'sb'])) ? 2 : 1);
        expect(await contentOf(busy.port, ['SMEMBERS', 'dst'], true), op).toBe(await contentOf(real.port, ['SMEMBERS', 'dst'], true));
      }
      // An empty result deletes the destination: del, not the command's own event.
      for (const port of [busy.port, real.port]) await pipeline(port, [['SINTERSTORE', 'dst', 'sa', 'nosuchkey']]);
      // Only the destination is announced. Our node ran a command twice when it was also run whole.
      for (let i = 0; i < 4; i++) {
        const expected = (await realEvents.read(10_000)).toString('latin1');
        for (let n = runs[i] ?? 1; n > 0; n--) expect((await events.read(10_000)).toString('latin1')).toBe(expected);
      }
    } finally {
      events.close();
      realEvents.close();
    }
  }, 60_000);

  it('ZUNIONSTORE and ZINTERSTORE (a plain set among the inputs) with WEIGHTS and AGGREGATE store what redis-server stores', async () => {
    for (const cmd of [
      ['ZUNIONSTORE', 'zdst', '2', 'za', 'zb', 'WEIGHTS', '1', '2.5', 'AGGREGATE', 'MAX'],
      ['ZINTERSTORE', 'zdst', '2', 'za', 'sb', 'WEIGHTS', '3', '1'],
    ]) {
      await sliced(cmd);
      expect(await contentOf(busy.port, ['ZRANGE', 'zdst', '0', '-1', 'WITHSCORES'], false), cmd[0]).toBe(await contentOf(real.port, ['ZRANGE', 'zdst', '0', '-1', 'WITHSCORES'], false));
    }
  }, 60_000);

  it('ZUNION, ZINTER and ZDIFF over large inputs answer as redis-server does, the reply written in slices too', async () => {
    await sliced(['ZINTER', '2', 'za', 'zsmall', 'AGGREGATE', 'MIN', 'WITHSCORES']);
    await sliced(['ZDIFF', '2', 'za', 'zb', 'WITHSCORES']);
    await sliced(['ZUNION', '2', 'za', 'zb', 'WEIGHTS', '2', '1', 'WITHSCORES']);
    await sliced(['ZINTER', '2', 'za', 'sa']);
  }, 60_000);
});

describe.skipIf(!available)('SINTERCARD and ZINTERCARD over large inputs', () => {
  let busy: Started;
  let other: Started;
  let real: RealRedis;
  beforeAll(async () => {
    [busy, other, real] = await Promise.all([startServer(), startServer(), startRealRedis()]);
    const data = fillCommands().slice(0, -1);
    await Promise.all([pipeline(busy.port, data), pipeline(real.port, data)]);
  }, 60_000);
  afterAll(async () => {
    await busy?.server.close();
    await other?.server.close();
    await real?.stop();
  });

  it('count in slices, stop at LIMIT, and answer as redis-server does', async () => {
    const c = await RawClient.connect(busy.port);
    const r = await RawClient.connect(real.port);
    try {
      for (const cmd of [
        ['SINTERCARD', '2', 'sa', 'sb'],
        ['SINTERCARD', '2', 'sb', 'sa', 'LIMIT', '1000'],
        ['ZINTERCARD', '2', 'za', 'zb'],
        ['ZINTERCARD', '3', 'za', 'sb', 'zb', 'LIMIT', '7'],
        ['ZINTERCARD', '2', 'za', 'nosuchkey'],
      ]) {
        let answer!: Promise<string>;
        const { answered } = await whileWorking(other.port, () => (answer = c.call(...cmd)));
        expect(answered, cmd.join(' ')).toBeGreaterThan(0);
        expect(await answer, cmd.join(' ')).toBe(await r.call(...cmd));
      }
    } finally {
      c.close();
      r.close();
    }
  }, 60_000);
});
