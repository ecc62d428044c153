// -o read_buf_mem_limit as memcached 1.6.18 enforces it: split between 32 worker threads, 1 MB leaves
// each thread two 16 KiB buffers, one to read into and one bundle of 13 response objects. A multiget
// needing more answers SERVER_ERROR in place of its replies, pipelined commands past that close the
// connection unanswered, and stats count response_obj_oom. Compared with real memcached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describe as describePackets, packet, parseResponses } from './binary-helpers.ts';
import { exchange, realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';

const available = realMemcachedAvailable();

describe.skipIf(!available)('read_buf_mem_limit=1 with -t 32', () => {
  let real: Target;
  let ours: Target;
  beforeAll(async () => {
    [real, ours] = await Promise.all([
      startReal(['-o', 'read_buf_mem_limit=1', '-t', '32', '-R', '500']),
      startOurs({ version: '1.6.18', settings: { readBufMemLimit: 1024 * 1024, workerThreads: 32, reqsPerEvent: 500 } }),
    ]);
    const fill = Array.from({ length: 20 }, (_, i) => `set k${i} 0 0 2 noreply\r\nv${i % 10}\r\n`).join('');
    await Promise.all([textExchange(real.port, fill), textExchange(ours.port, fill)]);
  });
  afterAll(async () => {
    await Promise.all([real?.close(), ours?.close()]);
  });

  const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`).join(' ');
  const cases: [string, string][] = [
    ['a multiget of 13 keys fits', `get ${keys(13)}\r\n`],
    ['a multiget of 14 keys does not', `get ${keys(14)}\r\n`],
    ['replies queued before it are lost with it', `mn\r\nversion\r\nget ${keys(30)}\r\n`],
    ['twelve commands then a multiget', `${'mn\r\n'.repeat(12)}get k1 k2\r\n`],
  ];
  for (const [label, script] of cases) {
    it(label, async () => {
      const [a, b] = await Promise.all([textExchange(real.port, script, 3000), textExchange(ours.port, script, 3000)]);
      expect(b.reply.toString()).toEqual(a.reply.toString());
      expect(b.closed).toBe(a.closed);
    });
  }

  it('pipelined commands past the bundle close the connection without a reply', async () => {
    const script = 'mg k1 v\r\n'.repeat(40);
    const [a, b] = await Promise.all([textExchange(real.port, script, 3000), textExchange(ours.port, script, 3000)]);
    expect(b).toEqual(a);
    expect(b.closed).toBe(true);
  });

  // Binary requests take a response object each, as text commands do: past the bundle the connection
  // closes, and the replies not yet written go with it.
  for (const n of [12, 13, 14, 40]) {
    it(`${n} pipelined binary gets`, async () => {
      const script = Buffer.concat(Array.from({ length: n }, (_, i) => packet({ opcode: 0x00, key: `k${i % 20}`, opaque: i })));
      const run = async (t: Target) => {
        const r = await exchange(t.port, script, () => false, 300);
        return describePackets(parseResponses(r.reply).packets, r.closed);
      };
      const [a, b] = await Promise.all([run(real), run(ours)]);
      expect(b).toEqual(a);
    });
  }

  it('stats count the refusals and report the limit', async () => {
    const pick = async (t: Target) =>
      (await textExchange(t.port, 'stats\r\nstats settings\r\n')).reply
        .toString()
        .split('\r\n')
        .filter((l) => /^STAT (response_obj_oom|read_buf_mem_limit) /.test(l));
    expect(await pick(ours)).toEqual(await pick(real));
  });
});
