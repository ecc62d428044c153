// SPOP, SRANDMEMBER, HRANDFIELD and ZRANDMEMBER draw from a big collection as redis-server does: one pick
// costs a walk of one part of the table (about 1/256 of it), not of half the table (a million-member set
// took 10-150 ms a pick, so draining a work pool with SPOP took hours), and the picks are fair: every
// member is as likely, wherever the table keeps it.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuMs } from '../../support/loop-hold.ts';
import { startServer, type Started } from './helpers.ts';

/** Past the size at which a table splits into parts (split-table.ts: 2^14). */
const N = 40_000;

let ours: Started;
let r: Redis;

beforeAll(async () => {
  ours = await startServer();
  r = new Redis({ port: ours.port, lazyConnect: true });
  await r.connect();
  for (let from = 0; from < N; from += 1000) {
    const members = Array.from({ length: 1000 }, (_, k) => `${(from + k) % 2 === 0 ? 'a' : 'b'}${from + k}`);
    await r.sadd('s', ...members);
    await r.hset('h', Object.fromEntries(members.map((m) => [m, 'v'])));
    await r.zadd('z', ...members.flatMap((m, k) => [String(k), m]));
  }
});

afterAll(async () => {
  r.disconnect();
  await ours.server.close();
});

/** The share of `picks` that start with 'a' (half of every collection). */
const shareOfA = (picks: string[]) => picks.filter((m) => m.startsWith('a')).length / picks.length;

describe('random draws from big collections', () => {
  it('single picks are fair and cost a part of the table, not half of it', async () => {
    const draws = 20_000;
    for (const cmd of [['SRANDMEMBER', 's'], ['HRANDFIELD', 'h'], ['ZRANDMEMBER', 'z']]) {
      const p = r.pipeline();
      for (let i = 0; i < draws; i++) p.call(cmd[0] as string, cmd[1] as string);
      const t0 = cpuMs();
      const picks = ((await p.exec()) ?? []).map(([, v]) => v as string);
      const spent = cpuMs() - t0;
      // Half 'a', half 'b': 20,000 fair draws land within 3% of a half (over 8 standard deviations).
      expect(Math.abs(shareOfA(picks) - 0.5), cmd[0]).toBeLessThan(0.03);
      // Many distinct members: draws spread over the whole table (a fair draw repeats ~22% of 20,000 here).
      expect(new Set(picks).size, cmd[0]).toBeGreaterThan(draws * 0.7);
      // A walk of half the table per pick (20,000 steps) cost ~100 us a pick, ~2 s here; a part's walk ~1 us.
      expect(spent, `${cmd[0]}: ${spent.toFixed(0)} ms of CPU for ${draws} picks`).toBeLessThan(1000);
    }
  });

  it('small negative and positive counts draw pick by pick, with repeats only for a negative count', async () => {
    for (const count of [-500, 500]) {
      const picks = (await r.call('SRANDMEMBER', 's', String(count))) as string[];
      expect(picks).toHaveLength(500);
      if (count > 0) expect(new Set(picks).size).toBe(500);
      expect(picks.every((m) => /^[ab]\d+$/.test(m))).toBe(true);
      // ioredis hands HRANDFIELD ... WITHVALUES back as [field, value] pairs.
      const fields = (await r.call('HRANDFIELD', 'h', String(count), 'WITHVALUES')) as [string, string][];
      expect(fields).toHaveLength(500);
      expect(fields.every(([f, v]) => /^[ab]\d+$/.test(f) && v === 'v')).toBe(true);
    }
  });

  it('SPOP drains a big set one member at a time, each member once', async () => {
    await r.del('pool');
    for (let from = 0; from < N; from += 1000) await r.sadd('pool', ...Array.from({ length: 1000 }, (_, k) => `j${from + k}`));
    const seen = new Set<string>();
    const t0 = cpuMs();
    for (let left = N; left > 0; left -= 2000) {
      const p = r.pipeline();
      for (let i = 0; i < Math.min(2000, left); i++) p.spop('pool');
      for (const [, v] of (await p.exec()) ?? []) seen.add(v as string);
    }
    const spent = cpuMs() - t0;
    expect(seen.size).toBe(N);
    expect(await r.scard('pool')).toBe(0);
    expect(spent, `${spent.toFixed(0)} ms of CPU for ${N} SPOPs`).toBeLessThan(4000);
  });
});
