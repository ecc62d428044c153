// Clients redis-server 7.0 counts among its replicas, against redis-server 7.0.15: a MONITOR client may
// not touch the keyspace ("Replica can't interact with the keyspace" for reads, writes and may-replicate
// commands; PING, ECHO and RESET run, and it sees its own commands after their replies), and a SYNC client whose command would be answered loses its link
// (only REPLCONF ACK/GETACK go unanswered), where a bare engine of ours ran them all.
import { describe, expect, it } from 'vitest';
import { encodeCommand, RawClient, realRedisAvailable, waitUntil } from './helpers.ts';
import { serverPair } from './server-pair.ts';
import { SyncStream } from './sync-stream-client.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('MONITOR and SYNC clients are replicas, as in redis-server 7.0', () => {
  const pair = serverPair();

  it('a MONITOR client is refused keyspace commands until RESET', async () => {
    const run = async (port: number): Promise<string[]> => {
      const m = await RawClient.connect(port);
      const out = [await m.call('MONITOR')];
      const cmds = [['GET', 'x'], ['SET', 'x', '1'], ['DBSIZE'], ['EVAL', 'return 1', '0'], ['PUBLISH', 'c', 'm'], ['INCR', 'x'], ['PING'], ['ECHO', 'hi'], ['RESET'], ['GET', 'x']];
      for (const [i, cmd] of cmds.entries()) {
        // Each command and an ECHO after it: what comes back up to the ECHO's reply, monitor lines (the
        // monitor's own commands, after their replies) without their time and address.
        m.write(encodeCommand(cmd));
        m.write(encodeCommand(['ECHO', `end${i}`]));
        for (;;) {
          const reply = (await m.read()).toString('latin1').replace(/^\+\d+\.\d+ \[\d+ [^\]]*\]/, '+<line>');
          out.push(reply);
          if (reply.includes(`end${i}`) && !reply.startsWith('+<line>')) break;
        }
      }
      m.close();
      return out;
    };
    const theirs = await run(pair.real.port);
    expect(theirs[1]).toBe("-ERR Replica can't interact with the keyspace\r\n");
    expect(theirs).toContain('+<line> "PING"\r\n');
    expect(await run(pair.ours.port)).toEqual(theirs);
  });

  it('a SYNC client that sends a command other than REPLCONF ACK/GETACK is disconnected, and its writes do not run', async () => {
    const run = async (port: number, cmd: string): Promise<[boolean, string]> => {
      const { stream } = await SyncStream.attach(port);
      stream.send('REPLCONF', 'ACK', '0');
      stream.send('REPLCONF', 'GETACK', '*');
      stream.send(...cmd.split(' '));
      const closed = await waitUntil('the link to close', () => stream.closed, 3000).then(() => true, () => false);
      stream.close();
      const c = await RawClient.connect(port);
      const x = await c.call('GET', 'synced');
      c.close();
      return [closed, x];
    };
    for (const cmd of ['PING', 'SET synced 1', 'GET synced']) {
      const theirs = await run(pair.real.port, cmd);
      expect(theirs, cmd).toEqual([true, '$-1\r\n']);
      expect(await run(pair.ours.port, cmd), cmd).toEqual(theirs);
    }
  }, 60000);

  it('REPLCONF ACK and GETACK keep the link', async () => {
    const kept = async (port: number): Promise<boolean> => {
      const { stream } = await SyncStream.attach(port);
      stream.send('REPLCONF', 'ACK', '0');
      stream.send('REPLCONF', 'GETACK', '*');
      const c = await RawClient.connect(port);
      await waitUntil('the ACK to arrive', async () => (await c.call('INFO', 'replication')).includes('lag=0'));
      const still = (await c.call('INFO', 'replication')).includes('connected_slaves:1') && !stream.closed;
      c.close();
      stream.close();
      return still;
    };
    expect(await kept(pair.real.port)).toBe(true);
    expect(await kept(pair.ours.port)).toBe(true);
  });
});
