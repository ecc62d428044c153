// WAIT and INFO replication with replicas that follow a bare engine over SYNC/PSYNC, against redis-server
// 7.0.15: WAIT counts a replica by the offset it acknowledged (REPLCONF ACK) against the stream's offset
// after the waiting client's last command; a WAIT that blocks puts REPLCONF GETACK * on the stream; the
// first replica opens a backlog with a new replication ID, kept (with its offset) after the replica left.
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startRealRedis, startServer, waitBlocked, waitUntil } from './helpers.ts';
import { SyncStream } from './sync-stream-client.ts';

const available = realRedisAvailable();

const field = (info: string, name: string): string => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? 'none';

/** The next command on the stream other than the periodic ping. */
async function nextCommand(s: SyncStream): Promise<string> {
  for (;;) {
    const cmd = await s.next();
    if (cmd !== 'ping') return cmd;
  }
}

type Server = { port: number; stop(): Promise<void> };

async function both(): Promise<[Server, Server]> {
  const ours = await startServer();
  const real = await startRealRedis();
  return [{ port: ours.port, stop: () => ours.server.close() }, real];
}

describe.skipIf(!available)('WAIT and INFO with SYNC replicas of a bare engine, against redis-server 7.0', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('WAIT counts a SYNC client once it acknowledged the offset of the client\'s last command; a blocked WAIT asks with REPLCONF GETACK and answers on the ACK', async () => {
    const run = async (port: number): Promise<string[]> => {
      const a = await RawClient.connect(port);
      const idle = await RawClient.connect(port);
      const q = await RawClient.connect(port);
      await a.call('PING');
      const { stream } = await SyncStream.attach(port);
      try {
        await waitUntil('the replica online', async () => (await q.call('INFO', 'replication')).includes('state=online'));
        const out: string[] = [];
        // Neither wrote since the backlog began: a replica that acknowledged nothing has their offset.
        out.push(await a.call('WAIT', '1', '100'), await idle.call('WAIT', '1', '100'));
        out.push(await a.call('SET', 'k', 'v'), await a.call('WAIT', '1', '100'));
        out.push(await nextCommand(stream), await nextCommand(stream), await nextCommand(stream));
        const offset = field(await q.call('INFO', 'replication'), 'master_repl_offset');
        stream.send('REPLCONF', 'ACK', '5');
        await waitUntil('the ACK of 5', async () => field(await q.call('INFO', 'replication'), 'slave0').includes('offset=5,'));
        out.push(await a.call('WAIT', '1', '100'));
        stream.send('REPLCONF', 'ACK', offset);
        await waitUntil('the ACK', async () => field(await q.call('INFO', 'replication'), 'slave0').includes(`offset=${offset},`));
        out.push(await a.call('WAIT', '1', '100'));
        // Blocked without a timeout until the replica acknowledges the write.
        await a.call('SET', 'k', 'v2');
        a.write('*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$1\r\n0\r\n');
        await waitBlocked(q, 1);
        out.push(await nextCommand(stream), await nextCommand(stream));
        const later = field(await q.call('INFO', 'replication'), 'master_repl_offset');
        stream.send('REPLCONF', 'ACK', later);
        out.push((await a.read()).toString('latin1'));
        const info = await q.call('INFO', 'replication');
        // redis-server 7.0 now and then prints lag=-1 right after an ACK (seen in a CI run).
        out.push(field(info, 'slave0').replace(/lag=-?\d+/, 'lag=?') === `ip=127.0.0.1,port=0,state=online,offset=${later},lag=?` ? 'slave0 shows the ACK' : field(info, 'slave0'));
        out.push((await q.call('ROLE')).endsWith(`$${later.length}\r\n${later}\r\n`) ? 'ROLE shows the ACK' : await q.call('ROLE'));
        return out;
      } finally {
        stream.close();
        for (const c of [a, idle, q]) c.close();
      }
    };
    const [ours, real] = await both();
    stops.push(ours.stop, real.stop);
    const theirs = await run(real.port);
    expect(theirs.slice(0, 2)).toEqual([':1\r\n', ':1\r\n']);
    expect(await run(ours.port)).toEqual(theirs);
  }, 60000);

  it('a redis-server 7.0.15 replica of a bare engine acknowledges its writes: WAIT 1 answers 1, INFO shows its offset', async () => {
    const run = async (port: number): Promise<string[]> => {
      // The replica's sync starts at once instead of after 7.0's 5 s diskless delay.
      const a = await RawClient.connect(port);
      expect(await a.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0')).toBe('+OK\r\n');
      const replica = await startRealRedis(['--replicaof', '127.0.0.1', String(port)]);
      try {
        await waitUntil('the replica online', async () => (await a.call('INFO', 'replication')).includes('state=online'), 30000);
        const out = [await a.call('SET', 'k', 'v'), await a.call('WAIT', '1', '20000'), await a.call('INCR', 'n'), await a.call('WAIT', '1', '20000')];
        await waitUntil('the replica to acknowledge everything', async () => {
          const info = await a.call('INFO', 'replication');
          return field(info, 'slave0').includes(`offset=${field(info, 'master_repl_offset')},`);
        }, 30000);
        return out;
      } finally {
        a.close();
        await replica.stop();
      }
    };
    const [ours, real] = await both();
    stops.push(ours.stop, real.stop);
    const theirs = await run(real.port);
    expect(theirs).toEqual(['+OK\r\n', ':1\r\n', ':1\r\n', ':1\r\n']);
    expect(await run(ours.port)).toEqual(theirs);
  }, 120000);

  it('min-replicas-to-write counts a redis-server replica that acknowledged within min-replicas-max-lag; one stopped refuses writes until it is back', async () => {
    const run = async (port: number): Promise<string[]> => {
      const a = await RawClient.connect(port);
      await a.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0');
      const replica = await startRealRedis(['--replicaof', '127.0.0.1', String(port)]);
      const good = async () => field(await a.call('INFO', 'replication'), 'min_slaves_good_slaves');
      try {
        await waitUntil('the replica online', async () => (await a.call('INFO', 'replication')).includes('state=online'), 30000);
        const out = [await a.call('CONFIG', 'SET', 'min-replicas-to-write', '1', 'min-replicas-max-lag', '2'), await a.call('SET', 'k', '1'), `good ${await good()}`];
        await a.call('CONFIG', 'SET', 'min-replicas-to-write', '2');
        out.push(await a.call('SET', 'k', '2'), await a.call('GET', 'k'));
        await a.call('CONFIG', 'SET', 'min-replicas-to-write', '1');
        // A replica that stops sends no ACK: past the lag it is not a good one.
        process.kill(replica.pid, 'SIGSTOP');
        await waitUntil('the replica lagging', async () => (await good()) === '0', 10000);
        out.push(await a.call('SET', 'k', '3'));
        process.kill(replica.pid, 'SIGCONT');
        await waitUntil('the replica good again', async () => (await good()) === '1', 10000);
        out.push(await a.call('SET', 'k', '4'));
        await a.call('CONFIG', 'SET', 'min-replicas-to-write', '0');
        return out;
      } finally {
        a.close();
        process.kill(replica.pid, 'SIGCONT');
        await replica.stop();
      }
    };
    const [ours, real] = await both();
    stops.push(ours.stop, real.stop);
    const theirs = await run(real.port);
    expect(theirs).toEqual(['+OK\r\n', '+OK\r\n', 'good 1', '-NOREPLICAS Not enough good replicas to write.\r\n', '$1\r\n1\r\n', '-NOREPLICAS Not enough good replicas to write.\r\n', '+OK\r\n']);
    expect(await run(ours.port)).toEqual(theirs);
  }, 90000);

  it('the first SYNC opens a backlog: a new replication ID, the offset counted from byte 1; both kept once the replica left', async () => {
    const run = async (port: number): Promise<string[]> => {
      const q = await RawClient.connect(port);
      const before = await q.call('INFO', 'replication');
      const first = await SyncStream.attach(port);
      await waitUntil('the replica online', async () => (await q.call('INFO', 'replication')).includes('state=online'));
      await q.call('SET', 'k', 'v');
      const attached = await q.call('INFO', 'replication');
      first.stream.close();
      await waitUntil('the replica gone', async () => (await q.call('INFO', 'replication')).includes('connected_slaves:0'));
      const left = await q.call('INFO', 'replication');
      const second = await SyncStream.attach(port);
      const again = await q.call('INFO', 'replication');
      second.stream.close();
      q.close();
      const offset = Number(field(attached, 'master_repl_offset'));
      return [
        `before: backlog ${field(before, 'repl_backlog_active')}, offset ${field(before, 'master_repl_offset')}, first byte ${field(before, 'repl_backlog_first_byte_offset')}`,
        `new id: ${field(attached, 'master_replid') !== field(before, 'master_replid')}, id2 ${field(attached, 'master_replid2')}, second offset ${field(attached, 'second_repl_offset')}`,
        `attached: backlog ${field(attached, 'repl_backlog_active')}, first byte ${field(attached, 'repl_backlog_first_byte_offset')}, histlen is the offset: ${field(attached, 'repl_backlog_histlen') === String(offset)}, offset counts the SET: ${offset >= 50}`,
        `left: backlog ${field(left, 'repl_backlog_active')}, same id ${field(left, 'master_replid') === field(attached, 'master_replid')}, offset kept ${Number(field(left, 'master_repl_offset')) >= offset}`,
        `again: same id ${field(again, 'master_replid') === field(attached, 'master_replid')}, ${field(again, 'connected_slaves')} slave, first byte ${field(again, 'repl_backlog_first_byte_offset')}`,
      ];
    };
    const [ours, real] = await both();
    stops.push(ours.stop, real.stop);
    const theirs = await run(real.port);
    expect(await run(ours.port)).toEqual(theirs);
  }, 60000);
});
