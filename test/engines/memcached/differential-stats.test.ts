// `stats` sub-commands: same field names in the same order as real memcached, and the counters
// that a fixed script determines have the same values.
import { beforeAll, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, textExchange } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';
import { MAINTAINER_TIMING } from './memory-helpers.ts';

const available = realMemcachedAvailable();

/**
 * Values that depend on the process, the clock or the build rather than on the commands sent, and those
 * memcached's LRU maintainer thread decides by when it runs: a get counts in hits_to_hot or hits_to_cold
 * as the maintainer has or has not yet moved the item just set out of HOT (it may, between two commands
 * of one pipelined script, when the worker thread is descheduled).
 */
const VOLATILE = new Set([
  'pid', 'uptime', 'time', 'version', 'rusage_user', 'rusage_system', 'curr_connections', 'total_connections',
  'connection_structures', 'response_obj_count', 'response_obj_bytes', 'read_buf_count', 'read_buf_bytes',
  'read_buf_bytes_free', 'reserved_fds', 'bytes_read', 'bytes_written', 'lru_crawler_starts',
  'lru_maintainer_juggles', 'tcpport', 'addr', 'listen_addr', 'secs_since_last_cmd', 'log_worker_written', 'log_watcher_sent',
  // How often memcached yields a busy connection depends on how the bytes arrived.
  'conn_yields',
  ...MAINTAINER_TIMING,
]);

function rows(reply: string): [string, string][] {
  return reply
    .split('\r\n')
    .filter((l) => l.startsWith('STAT '))
    .map((l) => {
      const [, name, ...rest] = l.split(' ');
      const short = name!.split(':').pop()!;
      return [name!, VOLATILE.has(short) ? '?' : rest.join(' ')];
    });
}

const SCRIPT =
  'set a 0 0 1\r\nx\r\nset b 0 0 3\r\nabc\r\nget a b c\r\ndelete b\r\ndelete b\r\nincr a 1\r\ntouch a 10\r\ntouch zz 1\r\n' +
  'cas a 0 0 1 999999\r\ny\r\ncas zz 0 0 1 1\r\ny\r\nset n 0 0 1\r\n5\r\nincr n 2\r\ndecr n 1\r\ndecr zz 1\r\n' +
  'gat 10 a zz\r\ngats 10 n\r\nmg a v\r\nmg zz v\r\nms m 1\r\nx\r\nmd m\r\nmd m\r\nma n\r\nma zz\r\nmn\r\n' +
  'set big 0 0 2000000\r\n' + 'z'.repeat(2000000) + '\r\n';

describe.skipIf(!available)('stats match real memcached', () => {
  const pair = realAndOursForTests({ ours: { version: '1.6.18' } });
  beforeAll(async () => {
    // The script has an mn of its own before the 2 MB value: textExchange waits for the last MN, and
    // both servers answer (and count) the too-large set before swallowing the value.
    await Promise.all([textExchange(pair.real.port, SCRIPT), textExchange(pair.ours.port, SCRIPT)]);
  });

  for (const sub of ['', ' items', ' slabs']) {
    it(`stats${sub}`, async () => {
      const a = rows((await textExchange(pair.real.port, `stats${sub}\r\n`)).reply.toString());
      const b = rows((await textExchange(pair.ours.port, `stats${sub}\r\n`)).reply.toString());
      expect(b).toEqual(a);
    });
  }

  for (const sub of [' settings', ' conns']) {
    it(`stats${sub} has memcached's fields`, async () => {
      const a = rows((await textExchange(pair.real.port, `stats${sub}\r\n`)).reply.toString());
      const b = rows((await textExchange(pair.ours.port, `stats${sub}\r\n`)).reply.toString());
      // Connection stats are keyed by file descriptor, which only memcached has.
      const shape = (r: [string, string][]) => r.map(([name, value]) => [name.replace(/^\d+:/, 'fd:'), value.replace(/:\d+$/, ':port')]);
      expect(shape(b)).toEqual(shape(a));
    });
  }

  it('stats reset zeroes the counters', async () => {
    const a = await textExchange(pair.real.port, 'stats reset\r\nstats\r\n');
    const b = await textExchange(pair.ours.port, 'stats reset\r\nstats\r\n');
    expect(b.reply.toString().startsWith('RESET\r\n')).toBe(true);
    expect(rows(b.reply.toString())).toEqual(rows(a.reply.toString()));
  });
});
