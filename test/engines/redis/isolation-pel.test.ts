// XREADGROUP, XAUTOCLAIM, XCLAIM and XACK that move hundreds of thousands of entries in a group's pending list:
// another node answers PING meanwhile, the replies and the groups left equal redis-server's, and a replica
// on the same thread (which shares the stream object) never shows a read or a claim half made.
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { cpuMs } from '../../support/loop-hold.ts';
import { encodeCommand, RawClient, realRedisAvailable, startServer, type Started } from './helpers.ts';
import { bound, digestOf, replies, STALL_BOUND_MS, stallServers, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_N ?? 150_000);
const available = realRedisAvailable();

/** Streams a and b, each of N entries with ids 1-0 .. N-0 and a group g at 0. */
function fill(): string[][] {
  const out: string[][] = [];
  for (const key of ['a', 'b']) {
    for (let i = 1; i <= N; i++) out.push(['XADD', key, `${i}-0`, 'f', `v${i}`]);
    out.push(['XGROUP', 'CREATE', key, 'g', '0']);
  }
  return out;
}

/** What a group holds, times blanked (they differ between two servers): its summary, consumers, and the PEL's ends. */
const groupState = (key: string) => [
  ['XPENDING', key, 'g'],
  ['XINFO', 'GROUPS', key],
  ['XINFO', 'CONSUMERS', key, 'g'],
  ['XPENDING', key, 'g', '-', '+', '5'],
  ['XPENDING', key, 'g', `${N - 4}`, '+', '5'],
];
const timeless = (r: string) => r.replace(/(idle|inactive)\r\n:\d+/g, '$1\r\n:t').replace(/(\*4\r\n\$\d+\r\n[^\r]*\r\n\$\d+\r\n[^\r]*\r\n):\d+\r\n/g, '$1:t\r\n');

/**
 * The CPU time of `cmd` run whole (inside MULTI, where it must not yield), its reply read by bytes up to an
 * ECHO's (RawClient would parse a reply of a million lines at each chunk).
 */
function wholeTurn(port: number, cmd: string[]): Promise<number> {
  const end = '$4\r\ndone\r\n';
  return new Promise((resolve, reject) => {
    const t0 = cpuMs();
    const sock = net.connect(port, '127.0.0.1', () => sock.write(Buffer.concat([['MULTI'], cmd, ['EXEC'], ['ECHO', 'done']].map((x) => encodeCommand(x)))));
    let tail = '';
    sock.on('data', (d: Buffer) => {
      tail = (tail + d.subarray(-end.length).toString('latin1')).slice(-end.length);
      if (tail !== end) return;
      sock.destroy();
      resolve(cpuMs() - t0);
    });
    sock.on('error', reject);
  });
}

/** `cmd`'s whole reply as text, read up to an ECHO's reply (RawClient would parse a long reply at each chunk). */
function rawReply(port: number, cmd: string[]): Promise<string> {
  const end = '$4\r\ndone\r\n';
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let tail = '';
    const sock = net.connect(port, '127.0.0.1', () => sock.write(Buffer.concat([encodeCommand(cmd), encodeCommand(['ECHO', 'done'])])));
    sock.on('data', (d: Buffer) => {
      parts.push(d);
      tail = (tail + d.subarray(-end.length).toString('latin1')).slice(-end.length);
      if (tail !== end) return;
      sock.destroy();
      resolve(Buffer.concat(parts).toString('latin1').slice(0, -end.length));
    });
    sock.on('error', reject);
  });
}

describe.skipIf(!available)('consumer group commands moving a big PEL', () => {
  const s = stallServers(fill);
  let replica: Started;
  let watcher: RawClient;

  /**
   * Runs `cmd` on key b of the busy node, sliced, while another node is PINGed and the replica's view of
   * b's group is read over and over (every view must be the one before or the one after); first on key a
   * run whole inside MULTI, for the bound. Returns our reply's digest.
   */
  async function sliced(cmd: (key: string) => string[], view: string[]): Promise<string> {
    const whole = await wholeTurn(s.busy.port, cmd('a'));
    const look = async () => {
      watcher.write(encodeCommand(view));
      return timeless((await watcher.read(60_000)).toString('latin1'));
    };
    {
      const before = await look();
      const seen = new Set<string>();
      let running = true;
      const watching = (async () => {
        while (running) seen.add(await look());
      })();
      let sha = '';
      const { ping, loop } = await whileWorking(s.other.port, async () => (sha = (await digestOf(s.busy.port, cmd('b'))).sha));
      running = false;
      await watching;
      const after = await look();
      seen.delete(before);
      seen.delete(after);
      expect([...seen], 'a replica view that is neither before nor after').toEqual([]);
      expect(ping, cmd('b').join(' ').slice(0, 60)).toBeLessThan(bound(whole));
      expect(loop, cmd('b').join(' ').slice(0, 60)).toBeLessThan(bound(whole));
      return sha;
    }
  }

  async function sameAsRedis(cmd: string[], ours: string): Promise<void> {
    expect(ours, cmd.join(' ').slice(0, 60)).toBe((await digestOf(s.real.port, cmd)).sha);
    const [mine, real] = await Promise.all([s.busy.port, s.real.port].map((p) => replies(p, groupState('b'))));
    expect(mine?.map(timeless)).toEqual(real?.map(timeless));
  }

  it('XREADGROUP of every entry, XAUTOCLAIM of the whole PEL, XCLAIM and XACK of half of it, in slices, as redis-server', async () => {
    replica = await startServer();
    replica.server.replicaOf(s.busy.server);
    watcher = await RawClient.connect(replica.port);
    try {
      const c = await RawClient.connect(s.busy.port);
      expect(await c.call('WAIT', '1', '0')).toBe(':1\r\n');
      c.close();

      const read = (key: string) => ['XREADGROUP', 'GROUP', 'g', 'c1', 'STREAMS', key, '>'];
      await sameAsRedis(read('b'), await sliced(read, ['XPENDING', 'b', 'g']));

      // Some entries leave the stream: XAUTOCLAIM drops them from the PEL and lists them.
      const del = (key: string) => ['XDEL', key, '3-0', '5-0', `${N / 2}-0`];
      await Promise.all([s.busy.port, s.real.port].map((p) => replies(p, [del('a'), del('b')])));
      const autoclaim = (key: string) => ['XAUTOCLAIM', key, 'g', 'c2', '0', '0', 'COUNT', String(N), 'JUSTID'];
      await sameAsRedis(autoclaim('b'), await sliced(autoclaim, ['XPENDING', 'b', 'g']));

      // Half the ids, one of them twice and one no longer in the stream; RETRYCOUNT sets the deliveries.
      const ids: string[] = [];
      for (let i = 1; i <= N; i += 2) ids.push(`${i}-0`);
      ids.push('7-0', '5-0');
      const claim = (key: string) => ['XCLAIM', key, 'g', 'c3', '0', ...ids, 'RETRYCOUNT', '4'];
      await sameAsRedis(claim('b'), await sliced(claim, ['XPENDING', 'b', 'g']));

      // The history of c3: its entries delivered again, after the claim (deliveries 5).
      const history = (key: string) => ['XREADGROUP', 'GROUP', 'g', 'c3', 'STREAMS', key, '0'];
      await sameAsRedis(history('b'), await sliced(history, ['XPENDING', 'b', 'g', '-', '+', '3']));

      // Acknowledged: the claimed half and some ids not pending.
      const ack = (key: string) => ['XACK', key, 'g', ...ids, `${N + 5}-0`];
      await sameAsRedis(ack('b'), await sliced(ack, ['XPENDING', 'b', 'g']));
    } finally {
      watcher.close();
      await replica.server.close();
    }
  }, 600_000);
});

describe.skipIf(!available)('a group of many consumers', () => {
  const M = Number(process.env.ISO_CONSUMERS ?? 50_000);
  /** Stream k of M entries, each read by its own consumer of group g (names in no sorted order). */
  const s = stallServers(() => {
    const out: string[][] = [];
    for (let i = 1; i <= M; i++) out.push(['XADD', 'k', `${i}-0`, 'f', 'v']);
    out.push(['XGROUP', 'CREATE', 'k', 'g', '0']);
    for (let i = 0; i < M; i++) out.push(['XREADGROUP', 'GROUP', 'g', `c${(i * 7919) % M}`, 'COUNT', '1', 'STREAMS', 'k', '>']);
    return out;
  });

  it('XINFO CONSUMERS and the XPENDING summary sort and write them in slices, as redis-server', async () => {
    for (const cmd of [['XPENDING', 'k', 'g'], ['XINFO', 'CONSUMERS', 'k', 'g']]) {
      let ours = '';
      const { ping, loop } = await whileWorking(s.other.port, async () => (ours = (await digestOf(s.busy.port, cmd)).sha));
      expect(ping, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      expect(loop, cmd.join(' ')).toBeLessThan(STALL_BOUND_MS);
      // Idle times differ between the servers: XINFO CONSUMERS is compared without them.
      if (cmd[0] === 'XPENDING') expect(ours).toBe((await digestOf(s.real.port, cmd)).sha);
      else {
        const [mine, real] = await Promise.all([s.busy.port, s.real.port].map((p) => rawReply(p, cmd)));
        expect(mine?.length).toBeGreaterThan(M * 40);
        expect(timeless(mine ?? '') === timeless(real ?? '')).toBe(true);
      }
    }
  }, 300_000);
});
