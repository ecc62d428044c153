// Stream commands over a stream of hundreds of thousands of entries: another node keeps answering PING,
// and what they answer and leave equals redis-server's.
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { differential, encodeCommand, realRedisAvailable } from './helpers.ts';
import { digestOf, onBoth, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 200_000);
const available = realRedisAvailable();

/** Stream `st` of N entries with ids 1-0 .. N-0. */
function fill(): string[][] {
  const out: string[][] = [];
  for (let i = 1; i <= N; i++) out.push(['XADD', 'st', `${i}-0`, 'f', `v${i}`]);
  return out;
}

describe.skipIf(!available)('stream commands over a big stream', () => {
  const s = stallServers(fill);

  it('XDEL of 50,000 ids (some twice, some missing) leaves what redis-server leaves, another node answering', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50_000; i++) ids.push(`${1 + ((i * 7919) % (N + 1000))}-0`);
    ids.push('5-0', '5-0', '7-0');
    let ours!: Promise<{ reply: string; content: string }[]>;
    const { ping, loop } = await whileWorking(s.other.port, () => (ours = onBoth(s, ['XDEL', 'st', ...ids], ['XRANGE', 'st', '-', '+'])));
    const [mine, real] = await ours;
    expect(mine).toEqual(real);
    expect(ping).toBeLessThan(STALL_BOUND_MS);
    expect(loop).toBeLessThan(STALL_BOUND_MS);
    const info = await Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, ['XINFO', 'STREAM', 'st'])));
    expect(info[0]).toEqual(info[1]);
  }, 120_000);

  // A range is found by two binary searches and read as it is written (EntryRange): nothing is copied out first.
  it('XRANGE/XREVRANGE of the whole stream, with COUNT and exclusive ends, then XTRIM ~, answer as redis-server, another node answering', async () => {
    const half = String(N / 2);
    for (const cmd of [
      ['XRANGE', 'st', '-', '+', 'COUNT', String(N)],
      ['XREVRANGE', 'st', '+', '-'],
      ['XRANGE', 'st', `(${half}-0`, '+', 'COUNT', String(N / 4)],
      ['XREVRANGE', 'st', `(${half}-0`, '-', 'COUNT', String(N / 4)],
      ['XRANGE', 'st', half, '10'],
      ['XTRIM', 'st', 'MINID', '~', half],
      ['XTRIM', 'st', 'MAXLEN', '~', String(N / 4)],
      ['XINFO', 'STREAM', 'st'],
      ['XRANGE', 'st', '-', '+'],
    ]) {
      let mine = '';
      const { ping, loop } = await whileWorking(s.other.port, async () => (mine = (await digestOf(s.busy.port, cmd)).sha));
      expect(mine, cmd.join(' ')).toBe((await digestOf(s.real.port, cmd)).sha);
      expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
    }
  }, 180_000);

  // MEMORY USAGE is not compared: ours differs from redis-server's for existing keys (issue 9's known gap).
  it('XDEL of a few or many ids of small streams answers, dumps and reports as redis-server', async () => {
    const cmds: string[][] = [];
    for (const [len, per] of [[10, 3], [300, 100], [1000, 100]] as const) {
      cmds.push(['DEL', 'x']);
      for (let i = 1; i <= len; i++) cmds.push(['XADD', 'x', `${i}-1`, 'a', String(i), ...(i % 3 === 0 ? ['b', 'c'] : [])]);
      const del = ['XDEL', 'x'];
      for (let i = 0; i < per; i++) del.push(`${1 + ((i * 37) % (len + 5))}-1`);
      cmds.push(del, ['XDEL', 'x', '1-1', '2-1', '3-1'], ['XINFO', 'STREAM', 'x'], ['XRANGE', 'x', '-', '+'], ['DUMP', 'x']);
      cmds.push(['XADD', 'x', `${len + 10}-0`, 'a', 'z'], ['XINFO', 'STREAM', 'x'], ['XTRIM', 'x', 'MAXLEN', '2'], ['XRANGE', 'x', '-', '+'], ['DUMP', 'x']);
    }
    cmds.push(['XDEL', 'x', `${1000 + 10}-0`, 'bad-id'], ['XLEN', 'x'], ['MULTI'], ['XDEL', 'x', `${1000 + 10}-0`, '1-1'], ['XLEN', 'x'], ['EXEC'], ['XDEL', 'nosuch', '1-1']);
    const pairs = await differential(s.busy.port, s.real.port, cmds);
    expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
  });
});

describe.skipIf(!available)('consumer group commands over a big PEL', () => {
  /**
   * Stream `st` of N entries, all read by consumer c of group g: a thousand at a time, since the fill's
   * client parses each reply whole at every chunk it gets (one read of N took minutes under load).
   */
  const s = stallServers(() => [...fill(), ['XGROUP', 'CREATE', 'st', 'g', '0'], ...Array.from({ length: Math.ceil(N / 1000) }, () => ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1000', 'STREAMS', 'st', '>'])]);

  /** XPENDING's rows with their idle times (which differ between two servers) blanked. */
  const idleless = (reply: string) => reply.replace(/(\*4\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n/g, '$1:idle\r\n');

  /** Runs `cmd` on the busy node while another node is PINGed (read by digest: reading costs this process little). */
  async function watched(cmd: string[]): Promise<string> {
    let sha = '';
    const { ping, loop } = await whileWorking(s.other.port, async () => (sha = (await digestOf(s.busy.port, cmd)).sha));
    expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
    expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
    return sha;
  }

  const pendingSummaries = () => Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, ['XPENDING', 'st', 'g'])));

  /** `cmd`'s reply from both servers, each through `normalize` (read up to an ECHO's: RawClient reparses a long reply per chunk). */
  const readBoth = (cmd: string[], normalize: (reply: string) => string) =>
    Promise.all(
      [s.busy.port, s.real.port].map(
        (port) =>
          new Promise<string>((resolve, reject) => {
            const end = '$6\r\nmarker\r\n';
            const parts: Buffer[] = [];
            let tail = '';
            const sock = net.connect(port, '127.0.0.1', () => sock.write(Buffer.concat([encodeCommand(cmd), encodeCommand(['ECHO', 'marker'])])));
            sock.on('data', (d: Buffer) => {
              parts.push(d);
              tail = (tail + d.subarray(-end.length).toString('latin1')).slice(-end.length);
              if (tail !== end) return;
              sock.destroy();
              resolve(normalize(Buffer.concat(parts).toString('latin1').slice(0, -end.length)));
            });
            sock.on('error', reject);
          }),
      ),
    );

  it('XPENDING of the whole PEL is sliced and answers as redis-server', async () => {
    const cmd = ['XPENDING', 'st', 'g', 'IDLE', '0', '-', '+', String(N)];
    await watched(cmd);
    const [mine, real] = await readBoth(cmd, idleless);
    expect(mine?.length).toBeGreaterThan(N * 20);
    expect(mine === real).toBe(true);
  }, 180_000);

  it('XINFO STREAM FULL COUNT 0 is sliced and answers as redis-server (delivery and seen times blanked)', async () => {
    const cmd = ['XINFO', 'STREAM', 'st', 'FULL', 'COUNT', '0'];
    await watched(cmd);
    const [mine, real] = await readBoth(cmd, (r) => r.replace(/:\d{13}\r\n/g, ':time\r\n'));
    expect(mine?.length).toBeGreaterThan(N * 40);
    expect(mine === real).toBe(true);
  }, 180_000);

  it('XREAD of the whole stream is written in slices and answers as redis-server', async () => {
    const cmd = ['XREAD', 'COUNT', String(N), 'STREAMS', 'st', '0'];
    const mine = await watched(cmd);
    expect(mine).toBe((await digestOf(s.real.port, cmd)).sha);
  }, 180_000);

  it('XREADGROUP of new entries (a key twice) and of a history answers and leaves what redis-server does', async () => {
    const cmds: string[][] = [['XGROUP', 'CREATE', 'st', 'g2', `${N - 20}-0`]];
    cmds.push(['XREADGROUP', 'GROUP', 'g2', 'a', 'COUNT', '5', 'STREAMS', 'st', 'st', '>', '>']);
    cmds.push(['XREADGROUP', 'GROUP', 'g2', 'a', 'STREAMS', 'st', 'st', '>', '>']);
    cmds.push(['XDEL', 'st', `${N - 18}-0`], ['XREADGROUP', 'GROUP', 'g2', 'a', 'COUNT', '4', 'STREAMS', 'st', 'st', '0', `${N - 17}-0`]);
    cmds.push(['XREADGROUP', 'GROUP', 'g2', 'b', 'STREAMS', 'st', '0'], ['XPENDING', 'st', 'g2'], ['XINFO', 'GROUPS', 'st']);
    const pairs = await differential(s.busy.port, s.real.port, cmds);
    expect(pairs.filter((p) => p.ours !== p.real)).toEqual([]);
  });

  // The claims apply in one turn at the end (a replica shares the stream and must not see them half made):
  // a quarter of the PEL is claimed here, while the whole PEL is sorted and walked in slices.
  it('XAUTOCLAIM over a big PEL is sliced and answers and leaves what redis-server does', async () => {
    await Promise.all([s.busy.port, s.real.port].map((p) => digestOf(p, ['XDEL', 'st', '3-0', '5-0', `${N / 2}-0`])));
    const count = String(N / 4);
    for (const cmd of [
      ['XAUTOCLAIM', 'st', 'g', 'c2', '0', '2-0', 'COUNT', count, 'JUSTID'],
      ['XAUTOCLAIM', 'st', 'g', 'c3', '0', String(N / 2 - 10), 'COUNT', count],
    ]) {
      const mine = await watched(cmd);
      expect(mine, cmd.join(' ')).toBe((await digestOf(s.real.port, cmd)).sha);
      const [a, b] = await pendingSummaries();
      expect(a, cmd.join(' ')).toEqual(b);
    }
  }, 180_000);
});
