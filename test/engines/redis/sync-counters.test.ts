// INFO's sync_full and sync_partial_err, and PSYNC's offset check, as redis-server 7.0 counts and checks them:
// every SYNC or PSYNC served with a full sync counts in sync_full; a PSYNC that named a replication ID (not
// '?') and could not continue also counts in sync_partial_err; a PSYNC whose offset is not a number is refused
// before anything is counted; CONFIG RESETSTAT zeroes both.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

/** Sends one SYNC-family command on a new connection: its reply's first line (a full sync's payload is left unread). */
function syncOnce(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => {
      // redis-server sends newlines while it prepares a payload.
      got = (got + d.latin1Slice()).replace(/^\n+/, '');
      const nl = got.indexOf('\r\n');
      if (nl >= 0) {
        s.destroy();
        resolve(got.slice(0, nl).replace(/^\+FULLRESYNC \w+ \d+$/, '+FULLRESYNC <id> <offset>').replace(/^\$\d+$/, '$<payload>'));
      }
    });
    s.on('error', reject);
    s.write(command);
  });
}

async function syncStats(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return ((await c.call('INFO', 'stats')).match(/sync_\w+:\d+/g) ?? []).join(' ');
  } finally {
    c.close();
  }
}

describe.skipIf(!available)('SYNC and PSYNC in INFO stats, as redis-server', () => {
  // A SYNC's payload begins at once rather than after 7.0's 5 s diskless delay.
  const pair = serverPair(['--repl-diskless-sync-delay', '0']);

  it('counts full syncs and refused partial ones; a bad offset is refused uncounted; RESETSTAT clears them', async () => {
    const steps = ['PSYNC ? abc\r\n', 'PSYNC ? -1\r\n', 'SYNC\r\n', 'PSYNC 0123456789012345678901234567890123456789 5\r\n', 'PSYNC ? 1x\r\n'];
    const run = async (port: number): Promise<string[]> => {
      const c = await RawClient.connect(port);
      await c.call('CONFIG', 'RESETSTAT');
      c.close();
      const out: string[] = [];
      for (const step of steps) out.push(`${step.trim()} -> ${await syncOnce(port, step)} | ${await syncStats(port)}`);
      const r = await RawClient.connect(port);
      await r.call('CONFIG', 'RESETSTAT');
      r.close();
      out.push(`RESETSTAT | ${await syncStats(port)}`);
      return out;
    };
    const [ours, real] = [await run(pair.ours.port), await run(pair.real.port)];
    expect(ours).toEqual(real);
    expect(real.join('\n')).toContain('sync_full:3 sync_partial_ok:0 sync_partial_err:1');
  });
});
