// LATENCY and latency-monitor-threshold against redis-server 7.0. Exact texts are compared where
// they are fixed; where a measured duration or a clock second leaks, the shape is compared.
import { describe, expect, it } from 'vitest';
import { LatencyMonitor } from '../../../engines/redis/latency.ts';
import { differential, RawClient, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

const FIXED = `
LATENCY HELP
LATENCY HELP xxx
LATENCY DOCTOR
LATENCY LATEST
LATENCY HISTORY command
LATENCY HISTORY
LATENCY GRAPH command
LATENCY RESET
LATENCY RESET a b
LATENCY FOO
CONFIG SET latency-monitor-threshold 100000
LATENCY DOCTOR
CONFIG GET latency-monitor-threshold
CONFIG SET latency-monitor-threshold -1
CONFIG SET latency-monitor-threshold 0
`;

/** What LATENCY says right after one DEBUG SLEEP of `sec` with the threshold at 100 ms. */
async function afterSleep(port: number, sec: string): Promise<{ latest: string; history: string; graph: string[]; reset: string; after: string }> {
  const c = await RawClient.connect(port);
  try {
    await c.call('LATENCY', 'RESET');
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '100');
    await c.call('DEBUG', 'SLEEP', sec);
    await c.call('CONFIG', 'SET', 'latency-monitor-threshold', '0');
    const latest = await c.call('LATENCY', 'LATEST');
    const history = await c.call('LATENCY', 'HISTORY', 'command');
    const graph = await c.call('LATENCY', 'GRAPH', 'command');
    return { latest, history, graph: graph.split('\n'), reset: await c.call('LATENCY', 'RESET'), after: await c.call('LATENCY', 'LATEST') };
  } finally {
    c.close();
  }
}

describe.skipIf(!available)('LATENCY against redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('answers the fixed forms byte-for-byte over RESP2 and RESP3', async () => {
    for (const proto of [2, 3] as const) {
      const rows = await differential(pair.ours.port, pair.real.port, script(FIXED), proto);
      expect(rows.filter((r) => r.ours !== r.real)).toEqual([]);
    }
  });

  it('records a command over the threshold as redis-server does: LATEST, HISTORY, GRAPH, RESET', async () => {
    const [o, r] = [await afterSleep(pair.ours.port, '0.25'), await afterSleep(pair.real.port, '0.25')];
    for (const x of [o, r]) {
      const m = /^\*1\r\n\*4\r\n\$7\r\ncommand\r\n:(\d+)\r\n:(\d+)\r\n:(\d+)\r\n$/.exec(x.latest);
      expect(m, x.latest).not.toBeNull();
      const [, time, latency, max] = (m as RegExpExecArray).map(Number) as [number, number, number, number];
      expect(Math.abs(time - Date.now() / 1000)).toBeLessThan(10);
      expect(latency).toBeGreaterThanOrEqual(240);
      expect(latency).toBeLessThan(1500);
      expect(max).toBe(latency);
      expect(x.history).toBe(`*1\r\n*2\r\n:${time}\r\n:${latency}\r\n`);
      expect(x.graph[0]).toMatch(/^\$\d+\r$/);
      expect(x.graph[1]).toBe(`command - high ${latency} ms, low ${latency} ms (all time high ${latency} ms)`);
      expect(x.reset).toBe(':1\r\n');
      expect(x.after).toBe('*0\r\n');
    }
    // The sparkline and its "seconds ago" label, with the number of seconds left out.
    const body = (g: string[]) => g.slice(2).map((l) => l.replace(/[0-9]/g, 'N'));
    expect(body(o.graph)).toEqual(body(r.graph));
  });
});

describe('latency monitor series', () => {
  it('keeps one maximum per second, 160 seconds, the all-time max, and renders a graph as latency.c', () => {
    const m = new LatencyMonitor();
    m.addIfNeeded('command', 50, 100, 1_000_000);
    expect(m.latest()).toEqual([]);
    m.addIfNeeded('command', 150.7, 100, 1_000_000);
    m.addIfNeeded('command', 120, 100, 1_000_500);
    m.addIfNeeded('command', 300, 100, 1_002_000);
    expect(m.history('command')).toEqual([
      { time: 1000, latency: 150 },
      { time: 1002, latency: 300 },
    ]);
    for (let s = 0; s < 200; s++) m.add('expire-cycle', s % 7, 2000 + s);
    expect(m.history('expire-cycle')).toHaveLength(160);
    expect(m.history('expire-cycle')[0]).toEqual({ time: 2040, latency: 40 % 7 });
    expect(m.latest()).toEqual([
      ['command', 1002, 300, 300],
      ['expire-cycle', 2199, 199 % 7, 6],
    ]);
    expect(m.graph('command', 1062)).toBe(
      ['command - high 300 ms, low 150 ms (all time high 300 ms)', '-'.repeat(80), ' #', ' |', ' |', '_|', '  ', '11', 'mm', ''].join('\n'),
    );
    expect(m.reset(['nope', 'command'])).toBe(1);
    expect(m.reset([])).toBe(1);
  });
});
