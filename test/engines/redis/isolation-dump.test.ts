// DUMP and RESTORE of values of a hundred thousand elements and more run in slices: another node answers
// PING meanwhile, redis-server takes our payloads back with the same content, and we take its payloads
// back with the same content (compared by DEBUG DIGEST-VALUE, which does not depend on element order).
import { describe, expect, it } from 'vitest';
import { encodeCommand, RawClient, realRedisAvailable } from './helpers.ts';
import { expectHeldWithin, replies, stallServers, wholeTurn, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_DUMP_N ?? 50_000);
const available = realRedisAvailable();
if (!available && process.env.CI === 'true') throw new Error('redis-server is needed for the DUMP isolation test');

const KEYS = ['list', 'hash', 'set', 'zset', 'stream'] as const;

function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const l = ['RPUSH', 'list'];
    const h = ['HSET', 'hash'];
    const s = ['SADD', 'set'];
    const z = ['ZADD', 'zset'];
    for (let i = from; i < from + 1000; i++) {
      l.push(`element-${i}`);
      h.push(`field-${i}`, i % 3 === 0 ? String(i) : `value-${i}-${'x'.repeat(i % 40)}`);
      s.push(`member-${i}`);
      z.push(String((i % 1000) / 7), `member-${i}`);
    }
    out.push(l, h, s, z);
  }
  for (let i = 1; i <= N / 4; i++) out.push(['XADD', 'stream', `${i}-1`, 'f', `v${i}`, ...(i % 10 === 0 ? ['g', 'other'] : [])]);
  out.push(['XGROUP', 'CREATE', 'stream', 'readers', '0'], ['XREADGROUP', 'GROUP', 'readers', 'alice', 'COUNT', '1000', 'STREAMS', 'stream', '>'], ['XDEL', 'stream', '5-1']);
  return out;
}

/** One reply of `cmd` on `port`, as raw bytes. */
async function call(port: number, cmd: (string | Buffer)[]): Promise<Buffer> {
  const c = await RawClient.connect(port);
  try {
    c.write(encodeCommand(cmd));
    return Buffer.from(await c.read(60_000));
  } finally {
    c.close();
  }
}

/** The bulk string of a DUMP reply. */
function payloadOf(reply: Buffer): Buffer {
  const head = reply.indexOf('\r\n');
  return reply.subarray(head + 2, reply.length - 2);
}

const digest = async (port: number, key: string) => (await call(port, ['DEBUG', 'DIGEST-VALUE', key])).toString('latin1');

describe.skipIf(!available)('DUMP and RESTORE run in slices', () => {
  const s = stallServers(fill, ['--enable-debug-command', 'yes']);

  it('DUMP of each big type: another node answers, redis-server restores the same content', async () => {
    const c = await RawClient.connect(s.busy.port);
    try {
      for (const key of KEYS) {
        let reply!: Promise<Buffer>;
        const held = await whileWorking(s.other.port, () => (reply = call(s.busy.port, ['DUMP', key])));
        expect(held.answered, key).toBeGreaterThan(0);
        await expectHeldWithin(held, `DUMP ${key}`, () => wholeTurn(c, ['DUMP', key]));
        const restored = await call(s.real.port, ['RESTORE', `${key}:ours`, '0', payloadOf(await reply)]);
        expect(restored.toString('latin1'), key).toBe('+OK\r\n');
        expect(await digest(s.real.port, `${key}:ours`), key).toBe(await digest(s.real.port, key));
      }
    } finally {
      c.close();
    }
  }, 180_000);

  it("RESTORE of each big type from redis-server's payload: another node answers, the content is the same", async () => {
    const c = await RawClient.connect(s.busy.port);
    try {
      for (const key of KEYS) {
        const payload = payloadOf(await call(s.real.port, ['DUMP', key]));
        const cmd = ['RESTORE', `${key}:theirs`, '0', payload.toString('latin1'), 'REPLACE'];
        let reply!: Promise<Buffer>;
        const held = await whileWorking(s.other.port, () => (reply = call(s.busy.port, [...cmd.slice(0, 3), payload, 'REPLACE'])));
        expect((await reply).toString('latin1'), key).toBe('+OK\r\n');
        await expectHeldWithin(held, `RESTORE ${key}`, () => wholeTurn(c, cmd));
        expect(await digest(s.busy.port, `${key}:theirs`), key).toBe(await digest(s.real.port, key));
      }
    } finally {
      c.close();
    }
  }, 180_000);

  it('a damaged payload, a busy key and a small value answer as redis-server, also inside MULTI', async () => {
    for (const port of [s.busy.port, s.real.port]) await call(port, ['RPUSH', 'small:src', 'a', 'b', 'c']);
    const payload = payloadOf(await call(s.real.port, ['DUMP', 'small:src']));
    const bad = Buffer.from(payload);
    bad[1] = (bad[1] as number) ^ 0xff;
    const cmds = [
      ['RESTORE', 'small:bad', '0', bad],
      ['RESTORE', 'small:src', '0', payload],
      ['RESTORE', 'small:new', '0', payload],
      ['LRANGE', 'small:new', '0', '-1'],
      ['DUMP', 'small:new'],
      ['MULTI'],
      ['DUMP', 'small:new'],
      ['RESTORE', 'small:multi', '0', payload],
      ['RESTORE', 'small:multi', '0', bad],
      ['EXEC'],
      ['LRANGE', 'small:multi', '0', '-1'],
    ];
    const [ours, real] = await Promise.all([s.busy.port, s.real.port].map((port) => replies(port, cmds)));
    expect(ours).toEqual(real);
  }, 60_000);
});
