// One read of a memcached client carries ~4,000 pipelined commands (a 64 KB read); run in one turn they held
// the loop every node shares for 25-140 ms each, read after read. The engine runs a read's commands a slice
// of CPU at a time with the socket paused (connection.ts, TURN_BUDGET_MS): another memcached node and a
// Redis node answer meanwhile, and the client's replies are byte for byte memcached 1.6.18's. A get of
// thousands of keys is one command (one 600 KB line held the loop ~140 ms): it goes on key by key in turns.
// Its reply too goes out turn by turn (many-keys-steps.test.ts checks when it may).
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullGc, watchLoop } from '../../support/loop-hold.ts';
import { startServer as startRedis, type Started } from '../redis/helpers.ts';
import { packet } from './binary-helpers.ts';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';
import { frame, freeUdpPort, udpExchange, type Step } from './udp-helpers.ts';

const KEYS = 20_000;
/** Worst CPU hold allowed: a whole 64 KB read of these commands took 63-94 ms; in turns 11-17 ms (GC included). */
const HOLD_BOUND_MS = 40;
const available = realMemcachedAvailable();

function fillScript(): string {
  let s = '';
  for (let i = 0; i < KEYS; i++) s += `set key:${i} ${i % 7} 0 ${6 + (i % 5)} noreply\r\nv${String(i).padStart(5 + (i % 5), '0')}\r\n`;
  return s;
}

/** Stores with and without replies, gets, meta gets and deletes, hits and misses, a bad data chunk. */
function textPipeline(): Buffer {
  let s = '';
  for (let i = 0; i < KEYS; i++) {
    const k = `key:${(i * 7919) % (KEYS * 2)}`;
    switch (i % 6) {
      case 0: s += `get ${k} key:${i}\r\n`; break;
      case 1: s += `mg ${k} v f s k q\r\n`; break;
      case 2: s += `set n:${i} 3 0 2\r\nab\r\n`; break;
      case 3: s += `add n:${i - 1} 0 0 1 noreply\r\nx\r\nappend ${k} 0 0 1\r\nz\r\n`; break;
      case 4: s += `md key:${i - 4} q\r\nmd key:${i - 3}\r\n`; break;
      default: s += i % 1000 === 5 ? `set bad 0 0 1\r\nxyz\r\n` : `touch ${k} 0\r\n`;
    }
  }
  return Buffer.from(s + 'mn\r\n', 'latin1');
}

/** Binary quiet gets (GETKQ), hits and misses, ended by a NOOP: memcached answers the hits only. */
function binaryPipeline(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < KEYS * 2; i++) parts.push(packet({ opcode: 0x0d, key: `key:${(i * 31) % (KEYS * 2)}`, opaque: i }));
  parts.push(packet({ opcode: 0x0a, opaque: 0xfeed }));
  return Buffer.concat(parts);
}

/**
 * A get of 50,000 keys (hits and misses) and a gets of 20,000: each one command, its line split and its reply
 * written a turn of keys at a time (held 128 ms whole; 51 ms when only the lookups ran in turns).
 * (Not gat: memcached lets only get/gets lines outgrow its 16 KB read buffer; a longer gat line closes.)
 */
function manyKeys(): Buffer {
  let get = 'get';
  for (let i = 0; i < 50_000; i++) get += ` key:${(i * 13) % (KEYS * 2)}`;
  let gets = 'gets';
  for (let i = 0; i < KEYS; i++) gets += ` key:${(i * 3) % (KEYS * 2)}`;
  return Buffer.from(`${get}\r\n${gets}\r\nmn\r\n`, 'latin1');
}

/** Sends `data` in one write; collects the reply until `done` says it ended (its tail is checked only). */
function send(port: number, data: Buffer, done: (tail: string) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let tail = '';
    const c = net.connect(port, '127.0.0.1', () => c.write(data));
    c.on('data', (b: Buffer) => {
      chunks.push(b);
      tail = (tail + b.toString('latin1')).slice(-32);
      if (done(tail)) {
        c.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    c.on('error', reject);
  });
}

/** Asks `port` the one-line `question` again and again until `finished` settles; how many answers came. */
async function keepAsking(port: number, question: string, finished: () => boolean): Promise<number> {
  const c = net.connect(port, '127.0.0.1');
  await new Promise((r) => c.once('connect', r));
  let answered = 0;
  while (!finished()) {
    await new Promise<void>((resolve) => {
      c.once('data', () => resolve());
      c.write(question);
    });
    answered++;
  }
  c.destroy();
  return answered;
}

/** '' when equal, else the bytes around the first difference. */
function firstDifference(a: Buffer, b: Buffer): string {
  if (a.equals(b)) return '';
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (x: Buffer) => JSON.stringify(x.subarray(Math.max(0, i - 60), i + 60).toString('latin1'));
  return `at byte ${i} of ${a.length}/${b.length}: ours ${around(a)}, memcached ${around(b)}`;
}

const endsMn = (tail: string) => tail.endsWith('MN\r\n');
const endsNoop = (tail: string) => tail.length >= 24 && tail.charCodeAt(tail.length - 23) === 0x0a && tail.charCodeAt(tail.length - 24) === 0x81;

describe.skipIf(!available)('a long memcached pipeline in one write', () => {
  let busy: Target;
  let other: Target;
  let real: Target;
  let redis: Started;
  beforeAll(async () => {
    [busy, other, real, redis] = await Promise.all([startOurs(), startOurs(), startReal(), startRedis()]);
  });
  afterAll(async () => {
    await Promise.all([busy?.close(), other?.close(), real?.close(), redis?.server.close()]);
  });

  for (const [name, build, done, bound] of [
    ['text: get, mg, set, add, append, md, touch, noreply and quiet', textPipeline, endsMn, HOLD_BOUND_MS],
    ['binary: 40,000 quiet gets and a noop', binaryPipeline, endsNoop, HOLD_BOUND_MS],
    ['get of 50,000 keys and gets of 20,000', manyKeys, endsMn, HOLD_BOUND_MS],
  ] as const) {
    it(`${name}: runs in turns, other nodes answer, replies as memcached's`, async () => {
      await Promise.all([textExchange(busy.port, fillScript(), 30_000), textExchange(real.port, fillScript(), 30_000)]);
      const data = build();
      fullGc();
      const watch = watchLoop();
      let over = false;
      const ours = send(busy.port, data, done).finally(() => (over = true));
      const [versions, pings] = await Promise.all([
        keepAsking(other.port, 'version\r\n', () => over),
        keepAsking(redis.port, 'PING\r\n', () => over),
      ]);
      const held = watch.stop();
      const theirs = await send(real.port, data, done);
      expect(firstDifference(await ours, theirs), 'replies differ from memcached 1.6.18').toBe('');
      expect(versions + pings).toBeGreaterThan(4);
      expect(held.cpu, `worst hold ${held.cpu.toFixed(1)} ms CPU (${held.wall.toFixed(0)} ms wall)`).toBeLessThan(bound);
    }, 60_000);
  }
});

/**
 * Four 60 KB datagrams of ~1,700 noreply sets each, then gets of a sample: served in turns and in order
 * while datagrams queue behind. (These hold ~10-20 ms even whole; a datagram of 4,600 gets held 20-60 ms,
 * but its 100 KB of replies overflow a receiving socket in this same process, so it is measured in the docs.)
 */
function udpSteps(): Step[] {
  const steps: Step[] = [];
  for (let d = 0; d < 4; d++) {
    let script = '';
    for (let i = 0; script.length < 60_000; i++) script += `set u:${d}:${i} ${i} 0 8 noreply\r\n${String(i * 7).padStart(8, '-')}\r\n`;
    steps.push(frame(d + 1, script));
    // Four at once overflow the socket's receive buffer (212 KB) before this process reads them.
    steps.push(() => new Promise((r) => setTimeout(r, 20)));
  }
  steps.push(frame(9, 'get u:0:0 u:1:77 u:2:1000 u:3:1650 u:3:9999\r\n'));
  return steps;
}

describe.skipIf(!available)('big UDP datagrams', () => {
  let busy: Target & { udp: number };
  let real: Target & { udp: number };
  let other: Target;
  beforeAll(async () => {
    const [ourUdp, realUdp] = [await freeUdpPort(), await freeUdpPort()];
    const [a, b] = await Promise.all([startOurs({ udpPort: ourUdp }), startReal(['-U', String(realUdp)])]);
    busy = { ...a, udp: ourUdp };
    real = { ...b, udp: realUdp };
    other = await startOurs();
  });
  afterAll(async () => {
    await Promise.all([busy?.close(), real?.close(), other?.close()]);
  });

  it('run in turns, queued in order: another node answers, datagrams and items as memcached', async () => {
    fullGc();
    const watch = watchLoop();
    let over = false;
    const ours = udpExchange(busy.udp, udpSteps()).finally(() => (over = true));
    const versions = await keepAsking(other.port, 'version\r\n', () => over);
    const held = watch.stop();
    const theirs = await udpExchange(real.udp, udpSteps());
    expect(await ours).toEqual(theirs);
    expect(versions).toBeGreaterThan(2);
    const check = 'get u:0:5 u:1:1600 u:2:123 u:3:7 u:3:2499\r\n';
    const [a, b] = await Promise.all([textExchange(busy.port, check), textExchange(real.port, check)]);
    expect(a.reply.toString('latin1')).toBe(b.reply.toString('latin1'));
    expect(held.cpu, `worst hold ${held.cpu.toFixed(1)} ms CPU (${held.wall.toFixed(0)} ms wall)`).toBeLessThan(HOLD_BOUND_MS);
  }, 60_000);
});
