// oom-score-adj in a bare engine, as redis-server 7.0 applies it to its own process (found by Redis's
// unit/oom-score-adj): relative to the score found when it takes control, absolute, restored on `no`,
// and a score the process may not set refused with the whole CONFIG SET rolled back. Both servers run
// in processes of their own, found by INFO process_id; each scenario starts from the score it found.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, startRealRedis, type RealRedis } from './helpers.ts';
import { startStandaloneProcess, type StandaloneProcess } from './standalone-process.ts';

const available = realRedisAvailable() && existsSync('/proc/self/oom_score_adj');

describe.runIf(available)('oom-score-adj as redis-server 7.0', () => {
  let ours: StandaloneProcess;
  let real: RealRedis;
  beforeAll(async () => {
    [ours, real] = await Promise.all([startStandaloneProcess(), startRealRedis()]);
  }, 90_000);
  afterAll(async () => {
    await ours?.stop();
    await real?.stop();
  });

  async function scenario(port: number): Promise<string[]> {
    const c = await RawClient.connect(port);
    try {
      const pid = /process_id:(\d+)/.exec(await c.call('INFO', 'server'))?.[1];
      const file = `/proc/${pid}/oom_score_adj`;
      const score = () => Number(readFileSync(file, 'latin1'));
      await c.call('CONFIG', 'SET', 'oom-score-adj', 'no');
      const base = score() + 1;
      writeFileSync(file, `${base}\n`);
      const out: string[] = [];
      const step = async (...args: string[]) => out.push(`${(await c.call(...args)).trim()} -> ${score() - base}`);
      await step('CONFIG', 'SET', 'oom-score-adj-values', '9 9 9', 'oom-score-adj', 'yes');
      await step('CONFIG', 'SET', 'oom-score-adj-values', '15 20 30');
      await step('CONFIG', 'SET', 'oom-score-adj', 'absolute');
      await step('CONFIG', 'SET', 'oom-score-adj', 'relative');
      await step('CONFIG', 'SET', 'oom-score-adj', 'no');
      await step('CONFIG', 'SET', 'oom-score-adj-values', '5 5 5');
      // Lowering a score needs a privilege the test may not have: then both refuse it alike.
      await step('CONFIG', 'SET', 'oom-score-adj-values', '-1000 -1000 -1000', 'oom-score-adj', 'yes');
      // One name per CONFIG GET: a pattern's matches come in redis-server's config dict order, seeded at random per process.
      for (const name of ['oom-score-adj', 'oom-score-adj-values']) out.push((await c.call('CONFIG', 'GET', name)).replace(/\r\n/g, ' '));
      await step('CONFIG', 'SET', 'oom-score-adj', 'no', 'oom-score-adj-values', '0 200 800');
      return out;
    } finally {
      c.close();
    }
  }

  it('follows oom-score-adj and its values, and rolls back what it cannot apply', async () => {
    const theirs = await scenario(real.port);
    expect(await scenario(ours.port)).toEqual(theirs);
  });
});
