// MEMORY DOCTOR and LATENCY DOCTOR word their reports as redis-server 7.0 does: the disabled,
// quiet and empty-instance texts exactly, and after a slow command the same events and advice
// (the measured milliseconds differ between servers, so digits in the statistics line are masked).
import { describe, expect, it } from 'vitest';
import { differential, realRedisAvailable, script } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('doctor reports as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  it('empty instance, disabled monitor, no spikes, then a slow command with each slowlog setting', async () => {
    const replies = await differential(
      pair.ours.port,
      pair.real.port,
      script(`
        MEMORY DOCTOR
        LATENCY DOCTOR
        CONFIG SET latency-monitor-threshold 20
        LATENCY DOCTOR
        DEBUG SLEEP 0.05
        LATENCY DOCTOR
        CONFIG SET slowlog-log-slower-than -1
        LATENCY DOCTOR
        CONFIG SET slowlog-log-slower-than 1000
        LATENCY DOCTOR
        LATENCY RESET
        LATENCY DOCTOR
      `),
    );
    const mask = (s: string): string => s.replace(/\d+ latency spikes \(average \d+ms, mean deviation \d+ms, period [\d.]+ sec\)\. Worst all time event \d+ms/g, 'N spikes').replace(/^\$\d+/, '$N');
    expect(replies.map((r) => ({ cmd: r.cmd, ours: mask(r.ours) }))).toEqual(replies.map((r) => ({ cmd: r.cmd, ours: mask(r.real) })));
  });
});
