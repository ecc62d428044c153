// EXISTS, TOUCH and MGET naming hundreds of thousands of keys look them up in slices (a million keys held
// every node for 0.4-0.6 s), PFCOUNT and PFMERGE of thousands of HLLs merge them in slices, and a maxmemory that
// evicts most keys evicts over later turns: another node keeps answering PING, and the replies equal redis-server's.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { replies, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';
import { encodeCommand, RawClient, realRedisAvailable } from './helpers.ts';

const N = Number(process.env.ISO_N ?? 500_000);
const HLLS = 10_000;
const available = realRedisAvailable();

function fill(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const m = ['MSET'];
    for (let i = from; i < Math.min(N, from + 1000); i++) m.push(`k${i}`, `v${i}`);
    out.push(m);
  }
  out.push(['LPUSH', 'list', 'x']);
  // HLLS sparse HLLs and a few dense ones.
  for (let h = 0; h < HLLS; h++) out.push(['PFADD', `hll${h}`, ...Array.from({ length: h % 1000 === 0 ? 5000 : 20 }, (_, i) => `e${(h * 31 + i * 7) % 100_000}`)]);
  return out;
}

/** The digest and length of the reply to `cmd` (then an ECHO, whose reply marks the end): hashed as it comes, costing this process little. */
function answer(port: number, cmd: Buffer): Promise<{ sha: string; bytes: number }> {
  const end = '$3\r\nend\r\n';
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write(Buffer.concat([cmd, encodeCommand(['ECHO', 'end'])])));
    const h = createHash('sha1');
    let bytes = 0;
    let tail = '';
    sock.on('data', (d: Buffer) => {
      h.update(d);
      bytes += d.length;
      tail = (tail + d.subarray(-end.length).toString('latin1')).slice(-end.length);
      if (tail === end) {
        sock.destroy();
        resolve({ sha: h.digest('hex'), bytes });
      }
    });
    sock.on('error', reject);
  });
}

describe.skipIf(!available)('commands naming many keys', () => {
  const s = stallServers(fill);

  it('EXISTS, TOUCH and MGET of twice the keyspace answer as redis-server while another node answers', async () => {
    // Every key twice, missing keys and a key of another type among them.
    const keys = Array.from({ length: 2 * N }, (_, i) => (i % 10 === 9 ? `missing${i}` : i === 5 ? 'list' : `k${i % N}`));
    for (const name of ['EXISTS', 'TOUCH', 'MGET']) {
      // Encoded before the watch: encoding the arguments is this process's own work.
      const cmd = encodeCommand([name, ...keys]);
      let mine!: Promise<{ sha: string; bytes: number }>;
      const { ping } = await whileWorking(s.other.port, () => (mine = answer(s.busy.port, cmd)));
      expect(await mine, name).toEqual(await answer(s.real.port, cmd));
      expect(ping, name).toBeLessThan(STALL_BOUND_MS);
    }
  }, 180_000);

  it('PFCOUNT and PFMERGE of 10k HLLs merge in slices: the count and the merged HLL equal redis-server\'s, another node answers', async () => {
    const hlls = Array.from({ length: HLLS }, (_, h) => `hll${h}`);
    for (const cmd of [['PFCOUNT', ...hlls], ['PFMERGE', 'merged', ...hlls], ['PFMERGE', 'hll1', ...hlls]]) {
      const encoded = encodeCommand(cmd);
      let mine!: Promise<{ sha: string; bytes: number }>;
      const { ping } = await whileWorking(s.other.port, () => (mine = answer(s.busy.port, encoded)));
      expect(await mine, cmd[0]).toEqual(await answer(s.real.port, encoded));
      expect(ping, cmd[0]).toBeLessThan(STALL_BOUND_MS);
      const stored = encodeCommand(['GET', cmd[1] as string]);
      expect(await answer(s.busy.port, stored), cmd[1]).toEqual(await answer(s.real.port, stored));
    }
  }, 180_000);

  it('inside MULTI they run whole and answer the same', async () => {
    const cmds = [['MULTI'], ['EXISTS', 'k1', 'k1', 'nope', 'list'], ['TOUCH', 'k2', 'nope'], ['MGET', 'k3', 'list', 'nope'], ['EXEC']];
    expect(await replies(s.busy.port, cmds)).toEqual(await replies(s.real.port, cmds));
  });

  // Last: it empties the keyspace.
  it('CONFIG SET maxmemory that evicts most of 500k keys answers at once and evicts over later turns, another node answering', async () => {
    const run = async (port: number) => {
      const c = await RawClient.connect(port);
      try {
        expect(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random')).toBe('+OK\r\n');
        let reply = '';
        const { ping } = await whileWorking(s.other.port, async () => (reply = await c.call('CONFIG', 'SET', 'maxmemory', '2mb')));
        await expect.poll(async () => Number((await c.call('DBSIZE')).slice(1)), { timeout: 60_000 }).toBeLessThan(N / 10);
        return { reply, ping };
      } finally {
        c.close();
      }
    };
    const [mine, real] = await Promise.all([run(s.busy.port), run(s.real.port)]);
    expect(mine.reply).toBe(real.reply);
    expect(mine.ping).toBeLessThan(STALL_BOUND_MS);
  }, 120_000);
});
