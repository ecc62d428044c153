// Deterministic cases for introspection differences the random differential's session-25 families
// (tools/redis-fuzz/families-wide.ts) found: INFO's field names and their order per section, the
// counters two servers share after the same commands, sections that add up. Compared with redis-server 7.0.
import { describe, expect, it } from 'vitest';
import { infoText } from '../../../tools/redis-fuzz/normalize-wide.ts';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.skipIf(!available)('introspection differences found by the random differential', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  /** INFO of each server after the same commands, normalised as the fuzzer does (clocks, sizes, allocator figures masked). */
  async function infos(commands: string[][], section: string[]): Promise<[string, string]> {
    const out: string[] = [];
    for (const port of [pair.ours.port, pair.real.port]) {
      const c = await RawClient.connect(port);
      try {
        await c.call('FLUSHALL');
        await c.call('CONFIG', 'RESETSTAT');
        for (const cmd of commands) await c.call(...cmd);
        const raw = await c.call('INFO', ...section);
        out.push(infoText(raw.slice(raw.indexOf('\r\n') + 2, -2)));
      } finally {
        c.close();
      }
    }
    return out as [string, string];
  }

  it('INFO everything has 7.0.15\'s fields, section by section in its order, and no 7.2 field', async () => {
    const [ours, real] = await infos([['SET', 'k', 'v'], ['GET', 'k'], ['GET', 'nosuch'], ['LPUSH', 'k', 'x'], ['SET', 'e', '1', 'EX', '1000']], ['everything']);
    expect(ours).toBe(real);
    expect(ours).not.toMatch(/pubsub_clients|watching_clients|total_watched_keys|total_blocking_keys/);
    expect(ours).toMatch(/\r\nunexpected_error_replies:0\r\ntotal_error_replies:1\r\n/);
  });

  it('INFO with no section, each section alone, and sections that add up (default commandstats, cpu all)', async () => {
    for (const section of [[], ['default'], ['all'], ['server'], ['clients'], ['memory'], ['persistence'], ['stats'], ['cpu'], ['replication'], ['keyspace', 'stats'], ['default', 'everything'], ['cpu', 'all'], ['default', 'commandstats'], ['x', 'everything'], ['x']]) {
      const [ours, real] = await infos([['SET', 'k', 'v']], section);
      expect(ours).toBe(real);
    }
  });

  it('INFO replication shows min_slaves_good_slaves while min-replicas-to-write and min-replicas-max-lag are both set (options family, seeds 90126, 90296)', async () => {
    try {
      for (const [to, lag] of [['2', '10'], ['2', '0'], ['0', '10']]) {
        const [ours, real] = await infos([['CONFIG', 'SET', 'min-replicas-to-write', to as string, 'min-replicas-max-lag', lag as string]], ['replication']);
        expect(ours).toBe(real);
      }
      const [, withLine] = await infos([['CONFIG', 'SET', 'min-replicas-to-write', '1']], ['replication']);
      expect(withLine).toContain('min_slaves_good_slaves:');
    } finally {
      for (const port of [pair.ours.port, pair.real.port]) {
        const c = await RawClient.connect(port);
        await c.call('CONFIG', 'SET', 'min-replicas-to-write', '0', 'min-replicas-max-lag', '10');
        c.close();
      }
    }
  });

  it('INFO latencystats lists no histogram while latency-tracking is off, and its commands again once it is on (seed 72429)', async () => {
    const [ours, real] = await infos([['SET', 'k', 'v'], ['CONFIG', 'SET', 'latency-tracking', 'no'], ['GET', 'k']], ['latencystats']);
    expect(ours).toBe(real);
    expect(real).not.toContain('latency_percentiles_usec_set');
    const [ours2, real2] = await infos([['CONFIG', 'SET', 'latency-tracking', 'yes'], ['SET', 'k', 'v']], ['latencystats']);
    expect(ours2).toBe(real2);
    expect(real2).toContain('latency_percentiles_usec_set');
  });

  it('a WAIT that blocked and timed out is counted in commandstats but not in the latency histogram (seed 76372)', async () => {
    const calls: string[] = [];
    for (const port of [pair.ours.port, pair.real.port]) {
      const c = await RawClient.connect(port);
      try {
        await c.call('CONFIG', 'RESETSTAT');
        await c.call('SET', 'k', 'v');
        await c.call('WAIT', '1', '10');
        await c.call('WAIT', '0', '0');
        const histogram = await c.call('LATENCY', 'HISTOGRAM', 'wait');
        const stats = await c.call('INFO', 'commandstats');
        calls.push(`${/calls\r\n:(\d+)/.exec(histogram)?.[1]} ${/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1]}`);
      } finally {
        c.close();
      }
    }
    expect(calls[0]).toBe(calls[1]);
    expect(calls[1]).toBe('1 2');
  });

  it('errorstats take an error code only from a space in the reply\'s first 32 bytes, else ERR (seed 100953)', async () => {
    const long = 'y'.repeat(70);
    const [ours, real] = await infos(
      [
        ['EVAL', `error({err='${long}'})`, '0'],
        ['EVAL', "error({err='yyy'})", '0'],
        ['EVAL', `return {err='${long}'}`, '0'],
        ['EVAL', "return {err='NOSPACE'}", '0'],
        ['EVAL', `return redis.error_reply('${'c'.repeat(30)} x')`, '0'],
        ['EVAL', `return redis.error_reply('${'d'.repeat(31)} x')`, '0'],
        ['EVAL', "return redis.error_reply('MYCODE tail')", '0'],
      ],
      ['errorstats'],
    );
    expect(ours).toBe(real);
    expect(real).toContain('errorstat_yyy:count=1');
  });
});
