// Partial resynchronisation from a bare engine's backlog, against redis-server 7.0.15: a replica whose link
// broke sends PSYNC with the replication ID and the first offset it lacks, and continues (+CONTINUE, then
// the stream from that byte) when the backlog still holds it; otherwise it gets a full sync, counted in
// sync_partial_err. The backlog outlives its last replica for repl-backlog-ttl seconds, and keeps the
// stream meanwhile; once freed, the replication ID changes and no old replica can continue.
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startRealRedis, startServer, waitUntil } from './helpers.ts';
import { SyncStream } from './sync-stream-client.ts';

const available = realRedisAvailable();

const field = (info: string, name: string): string => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? 'none';

const syncStats = (info: string): string => (info.match(/\bsync_\w+:\d+/g) ?? []).join(' ');

type Server = { port: number; stop(): Promise<void> };

// A full sync's payload begins at once rather than after 7.0's 5 s diskless delay.
const REAL_ARGS = ['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes'];

async function both(): Promise<[Server, Server]> {
  const ours = await startServer();
  const real = await startRealRedis(REAL_ARGS);
  return [{ port: ours.port, stop: () => ours.server.close() }, real];
}

/** The commands of a stream up to `last`, without the periodic pings. */
async function commandsUntil(s: SyncStream, last: string): Promise<string[]> {
  return (await s.until(last)).filter((c) => c !== 'ping');
}

describe.skipIf(!available)('PSYNC continues from the backlog, as redis-server 7.0', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('a redis-server 7.0.15 replica whose link broke continues where it was: no second full sync, the writes made meanwhile arrive', async () => {
    const run = async (port: number): Promise<string[]> => {
      const p = await RawClient.connect(port);
      const replica = await startRealRedis(['--replicaof', '127.0.0.1', String(port), '--enable-debug-command', 'yes']);
      const r = await RawClient.connect(replica.port);
      try {
        await waitUntil('the link up', async () => field(await r.call('INFO', 'replication'), 'master_link_status') === 'up', 20000);
        await p.call('SET', 'before', '1');
        await p.call('SELECT', '3');
        await p.call('RPUSH', 'list', 'a', 'b');
        await waitUntil('the first writes on the replica', async () => (await r.call('EXISTS', 'before')) === ':1\r\n');
        // The primary drops the link; what is written before the replica is back must reach it from the backlog.
        const killed = await p.call('CLIENT', 'KILL', 'TYPE', 'replica');
        await p.call('SET', 'during', 'x', 'PX', '600000');
        await p.call('LPOP', 'list');
        await p.call('INCRBY', 'n', '5');
        await waitUntil('the link up again', async () => field(await p.call('INFO', 'replication'), 'connected_slaves') === '1', 20000);
        await p.call('SET', 'after', '1');
        const digest = await p.call('DEBUG', 'DIGEST');
        await waitUntil('the replica to hold the same data', async () => (await r.call('DEBUG', 'DIGEST')) === digest, 20000);
        const primary = await p.call('INFO');
        const seen = await r.call('INFO', 'replication');
        return [
          `killed ${killed.trim()}`,
          syncStats(primary),
          `same ID: ${field(seen, 'master_replid') === field(primary, 'master_replid')}`,
          `same offset: ${field(seen, 'master_repl_offset') === field(primary, 'master_repl_offset')}`,
          `db3 on the replica: ${(await r.call('SELECT', '3')).trim()} ${(await r.call('LRANGE', 'list', '0', '-1')).replace(/\r\n/g, ' ').trim()} ${(await r.call('GET', 'n')).replace(/\r\n/g, ' ').trim()}`,
        ];
      } finally {
        r.close();
        p.close();
        await replica.stop();
      }
    };
    const [ours, real] = await both();
    stops.push(ours.stop, real.stop);
    const theirs = await run(real.port);
    expect(theirs).toEqual(['killed :1', 'sync_full:1 sync_partial_ok:1 sync_partial_err:0', 'same ID: true', 'same offset: true', 'db3 on the replica: +OK *1 $1 b $1 5']);
    expect(await run(ours.port)).toEqual(theirs);
  }, 90000);

  it('PSYNC <id> <offset> on a raw link: +CONTINUE (with the ID after REPLCONF capa psync2) and the stream from that byte; an offset past the stream or another ID gets a full sync', async () => {
    const run = async (port: number): Promise<string[]> => {
      const p = await RawClient.connect(port);
      const first = await SyncStream.attach(port, true);
      const [, id, start] = first.header.split(' ') as [string, string, string];
      first.stream.close();
      await waitUntil('the replica gone', async () => field(await p.call('INFO', 'replication'), 'connected_slaves') === '0');
      await p.call('SET', 'k', 'v1');
      await p.call('HSET', 'h', 'f', 'v');
      const offset = Number(field(await p.call('INFO', 'replication'), 'master_repl_offset'));
      const out: string[] = [];
      // From the byte after the full sync: everything written since.
      const again = await SyncStream.attach(port, `PSYNC ${id} ${Number(start) + 1}\r\n`);
      out.push(`from the start: ${again.header} | ${(await commandsUntil(again.stream, 'HSET h f v')).join(' | ')}`);
      await p.call('DEL', 'k');
      out.push(`then live: ${(await commandsUntil(again.stream, 'DEL k')).join(' | ')}`);
      again.stream.close();
      await waitUntil('the replica gone', async () => field(await p.call('INFO', 'replication'), 'connected_slaves') === '0');
      // From the offset the stream had reached: nothing missed, then what comes next. The ID is given in any case.
      const now = Number(field(await p.call('INFO', 'replication'), 'master_repl_offset'));
      const level = await SyncStream.attach(port, `PSYNC ${id.toUpperCase()} ${now + 1}\r\n`, 10000, ['REPLCONF capa eof capa psync2\r\n']);
      out.push(`level, capa psync2: ${level.header.replace(id, '<id>')}`);
      await p.call('SET', 'k', 'v2');
      out.push(`then live: ${(await commandsUntil(level.stream, 'SET k v2')).join(' | ')}`);
      level.stream.close();
      // A PSYNC read with the REPLCONF before it, whose +OK is not written yet, is refused.
      const eager = await SyncStream.attach(port, `REPLCONF capa psync2\r\nPSYNC ${id} ${now + 1}\r\n`);
      out.push(`pipelined after REPLCONF: ${eager.header} ${await eager.stream.next()}`);
      eager.stream.close();
      for (const [what, at] of [
        ['past the stream', `PSYNC ${id} ${now + 1000}`],
        ['before the backlog', `PSYNC ${id} ${Number(start)}`],
        ['another ID', `PSYNC 0123456789012345678901234567890123456789 ${offset + 1}`],
      ] as const) {
        const s = await SyncStream.attach(port, `${at}\r\n`);
        s.stream.close();
        out.push(`${what}: ${s.header.replace(/^\+FULLRESYNC \w+ \d+$/, '+FULLRESYNC <id> <offset>')}`);
      }
      out.push(syncStats(await p.call('INFO', 'stats')));
      p.close();
      return out;
    };
    const [ours, real] = await both();
    stops.push(ours.stop, real.stop);
    const theirs = await run(real.port);
    expect(theirs[0]).toBe('from the start: +CONTINUE | SELECT 0 | SET k v1 | HSET h f v');
    expect(theirs[2]).toBe('level, capa psync2: +CONTINUE <id>');
    expect(theirs.at(-1)).toBe('sync_full:4 sync_partial_ok:2 sync_partial_err:3');
    expect(await run(ours.port)).toEqual(theirs);
  }, 60000);

  it('the backlog holds whole 16 KB blocks as 7.0 keeps them: repl-backlog-size raised to 16 KB, oldest blocks dropped past it, big writes spread over blocks; PSYNC continues from its first byte, not the one before', async () => {
    const run = async (port: number): Promise<string[]> => {
      const p = await RawClient.connect(port);
      const out: string[] = [];
      await p.call('CONFIG', 'SET', 'repl-backlog-size', '1');
      out.push(`size ${(await p.call('CONFIG', 'GET', 'repl-backlog-size')).split('\r\n')[4]}`);
      const first = await SyncStream.attach(port, true);
      const [, id] = first.header.split(' ') as [string, string];
      first.stream.close();
      await waitUntil('the replica gone', async () => field(await p.call('INFO', 'replication'), 'connected_slaves') === '0');
      const span = async (what: string): Promise<[number, number]> => {
        const info = await p.call('INFO', 'replication');
        out.push(`${what}: offset ${field(info, 'master_repl_offset')}, first byte ${field(info, 'repl_backlog_first_byte_offset')}, histlen ${field(info, 'repl_backlog_histlen')}, size ${field(info, 'repl_backlog_size')}`);
        return [Number(field(info, 'repl_backlog_first_byte_offset')), Number(field(info, 'master_repl_offset'))];
      };
      for (let i = 0; i < 300; i++) await p.call('SET', `key${i}`, 'x'.repeat(300));
      await span('300 small writes');
      await p.call('SET', 'big', 'y'.repeat(100000));
      await span('a 100 KB write');
      await p.call('CONFIG', 'SET', 'repl-backlog-size', '1mb');
      await p.call('SET', 'big', 'z'.repeat(200000));
      await span('a 200 KB write under a 1 MB size');
      await p.call('CONFIG', 'SET', 'repl-backlog-size', '50000');
      const [firstByte, offset] = await span('resized to 50000');
      for (const at of [firstByte - 1, firstByte, offset + 1]) {
        const s = await SyncStream.attach(port, `PSYNC ${id} ${at}\r\n`);
        s.stream.close();
        out.push(`PSYNC at ${at - firstByte} from the first byte: ${s.header.replace(/^\+FULLRESYNC \w+ \d+$/, '+FULLRESYNC <id> <offset>')}`);
      }
      p.close();
      return out;
    };
    const [ours, real] = await both();
    stops.push(ours.stop, real.stop);
    const theirs = await run(real.port);
    expect(theirs[0]).toBe('size 16384');
    expect(theirs.slice(-3)).toEqual(['PSYNC at -1 from the first byte: +FULLRESYNC <id> <offset>', 'PSYNC at 0 from the first byte: +CONTINUE', expect.stringMatching(/^PSYNC at \d+ from the first byte: \+CONTINUE$/)]);
    expect(await run(ours.port)).toEqual(theirs);
  }, 60000);

  it('the backlog keeps the stream with no replica; repl-backlog-ttl after the last one left it is freed: a new ID, the offset kept, no continuing', async () => {
    const run = async (port: number): Promise<string[]> => {
      const p = await RawClient.connect(port);
      await p.call('CONFIG', 'SET', 'repl-backlog-ttl', '1');
      const first = await SyncStream.attach(port, true);
      const [, id] = first.header.split(' ') as [string, string];
      first.stream.close();
      await waitUntil('the replica gone', async () => field(await p.call('INFO', 'replication'), 'connected_slaves') === '0');
      const left = Number(field(await p.call('INFO', 'replication'), 'master_repl_offset'));
      await p.call('SET', 'k', 'v');
      const kept = await p.call('INFO', 'replication');
      await waitUntil('the backlog freed', async () => field(await p.call('INFO', 'replication'), 'repl_backlog_active') === '0', 10000);
      const freed = await p.call('INFO', 'replication');
      const late = await SyncStream.attach(port, `PSYNC ${id} ${left + 1}\r\n`);
      late.stream.close();
      const reopened = await p.call('INFO', 'replication');
      p.close();
      return [
        `while kept: offset grew ${Number(field(kept, 'master_repl_offset')) > left}, histlen is the offset ${field(kept, 'repl_backlog_histlen') === field(kept, 'master_repl_offset')}`,
        `freed: new ID ${field(freed, 'master_replid') !== id}, offset kept ${field(freed, 'master_repl_offset') === field(kept, 'master_repl_offset')}, first byte ${field(freed, 'repl_backlog_first_byte_offset')}, histlen ${field(freed, 'repl_backlog_histlen')}`,
        `late replica: ${late.header.replace(/^\+FULLRESYNC \w+ \d+$/, '+FULLRESYNC <id> <offset>')}, offset goes on ${late.header.endsWith(` ${field(freed, 'master_repl_offset')}`)}`,
        `reopened: new ID again ${field(reopened, 'master_replid') !== field(freed, 'master_replid')}, first byte after the old stream ${field(reopened, 'repl_backlog_first_byte_offset') === String(Number(field(freed, 'master_repl_offset')) + 1)}`,
      ];
    };
    const [ours, real] = await both();
    stops.push(ours.stop, real.stop);
    const theirs = await run(real.port);
    expect(theirs.join('\n')).not.toMatch(/false/);
    expect(await run(ours.port)).toEqual(theirs);
  }, 60000);
});
