// A client's reply buffer (CLIENT LIST rbs/rbp, unit/replybufsize): redis-server 7.0's clientsCron doubles it
// while replies fill it, shrinks it to its recent peak, and DEBUG REPLYBUFFER sets the peak reset time and
// turns resizing off. Differential: a new client's buffer and the sizes an idle and a busy client go through.
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable, waitUntil } from './helpers.ts';
import { expectSameReplies, serverPair } from './server-pair.ts';

const available = realRedisAvailable();

describe.runIf(available)('reply buffer sizes as redis-server 7.0', () => {
  const pair = serverPair(['--enable-debug-command', 'yes']);

  async function field(admin: RawClient, name: string, f: string): Promise<number> {
    const line = (await admin.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes(`name=${name} `)) ?? '';
    return Number(new RegExp(` ${f}=(\\d+)`).exec(line)?.[1]);
  }

  async function sizes(port: number): Promise<{ fresh: string; grown: number[]; idle: string }> {
    const admin = await RawClient.connect(port);
    const tc = await RawClient.connect(port);
    try {
      // A new client's buffer is 16 KB and its peak all of it until the first clientsCron visit resets the
      // peak (7.0 compares a reset time in seconds with milliseconds), within 100 ms: either peak may show.
      const fresh = (/ rbs=\d+ rbp=\d+/.exec(await tc.call('CLIENT', 'INFO'))?.[0] ?? '').replace(/rbp=(16384|0)$/, 'rbp=16384-or-0');
      await admin.call('SET', 'bigval', 'x'.repeat(32768));
      await admin.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', '100');
      await tc.call('CLIENT', 'SETNAME', 'tc');
      await waitUntil('the idle buffer to shrink', async () => (await field(admin, 'tc', 'rbs')) === 1024);
      const idle = `${await field(admin, 'tc', 'rbs')} ${await field(admin, 'tc', 'rbp')}`;
      // Each cron that finds the buffer filled doubles it, up to 16 KB.
      await admin.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'never');
      const seen = new Set<number>();
      await waitUntil('the busy buffer to grow', async () => {
        await tc.call('GET', 'bigval');
        const rbs = await field(admin, 'tc', 'rbs');
        seen.add(rbs);
        return rbs >= 16384;
      }, 30000);
      await admin.call('DEBUG', 'REPLYBUFFER', 'peak-reset-time', 'reset');
      return { fresh, grown: [...seen].sort((a, b) => a - b), idle };
    } finally {
      admin.close();
      tc.close();
    }
  }

  it('grows while replies fill it and shrinks when idle', async () => {
    const theirs = await sizes(pair.real.port);
    expect(theirs.grown).toEqual([1024, 2048, 4096, 8192, 16384]);
    expect(await sizes(pair.ours.port)).toEqual(theirs);
  }, 90000);

  it('DEBUG REPLYBUFFER arguments', async () => {
    await expectSameReplies(
      pair,
      `DEBUG REPLYBUFFER peak-reset-time abc
DEBUG REPLYBUFFER peak-reset-time 5000
DEBUG REPLYBUFFER resizing x
DEBUG REPLYBUFFER resizing 1
DEBUG REPLYBUFFER other 1
DEBUG REPLYBUFFER peak-reset-time`,
    );
  });
});
