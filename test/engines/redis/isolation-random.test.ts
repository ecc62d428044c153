// SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with counts near the size of a big collection pick and write in
// slices: another node answers PING meanwhile, and the replies have redis-server's shape (length,
// distinct picks for a positive count, members of the key, values and scores that belong to them).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RawClient, realRedisAvailable } from './helpers.ts';
import { digestOf, expectHeldWithin, stallServers, wholeTurn, whileWorking } from './stall.ts';

const N = Number(process.env.ISO_RANDOM_N ?? 50_000);
const available = realRedisAvailable();
if (!available && process.env.CI === 'true') throw new Error('redis-server is needed for the random-pick isolation test');
const run = promisify(execFile);

function fillCommands(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const [h, s, z] = [['HSET', 'h'], ['SADD', 's'], ['ZADD', 'z']];
    for (let i = from; i < from + 1000; i++) {
      h.push(`f${i}`, `v${i}`);
      s.push(`m${i}`);
      z.push(String(i / 4), `m${i}`);
    }
    out.push(h, s, z);
  }
  return out;
}

/** What a user sees of a random reply: its length, its distinct picks, and picks that do not belong. */
async function shape(port: number, cmd: string[]): Promise<{ lines: number; distinct: number; strangers: number }> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...cmd], { maxBuffer: 1 << 28 });
  const lines = stdout.split('\n').filter((l) => l !== '');
  const paired = cmd.length > 3;
  const picks: string[] = [];
  let strangers = 0;
  for (let i = 0; i < lines.length; i += paired ? 2 : 1) {
    const name = lines[i] as string;
    const n = Number(name.slice(1));
    if (!/^[fm]\d+$/.test(name) || n >= N) strangers++;
    if (paired && lines[i + 1] !== (cmd[0] === 'HRANDFIELD' ? `v${n}` : String(n / 4))) strangers++;
    picks.push(name);
  }
  return { lines: lines.length, distinct: new Set(picks).size, strangers };
}

describe.skipIf(!available)('random picks with big counts run in slices', () => {
  const s = stallServers(fillCommands);

  it('another node answers while SRANDMEMBER, HRANDFIELD and ZRANDMEMBER pick hundreds of thousands', async () => {
    const c = await RawClient.connect(s.busy.port);
    try {
      for (const cmd of [
        ['HRANDFIELD', 'h', String(-2 * N), 'WITHVALUES'],
        ['SRANDMEMBER', 's', String(-2 * N)],
        ['ZRANDMEMBER', 'z', String(N - 7), 'WITHSCORES'],
      ]) {
        const held = await whileWorking(s.other.port, () => digestOf(s.busy.port, cmd));
        expect(held.answered, cmd.join(' ')).toBeGreaterThan(0);
        await expectHeldWithin(held, cmd.join(' '), () => wholeTurn(c, cmd));
      }
    } finally {
      c.close();
    }
  }, 90_000);

  it('the replies have the shape of redis-server\'s', async () => {
    for (const cmd of [
      ['SRANDMEMBER', 's', String(N / 2)],
      ['SRANDMEMBER', 's', String(-N)],
      ['SRANDMEMBER', 's', String(N + 5)],
      ['HRANDFIELD', 'h', String(N - 1), 'WITHVALUES'],
      ['HRANDFIELD', 'h', String(-N / 2), 'WITHVALUES'],
      ['ZRANDMEMBER', 'z', String(Math.floor(N / 3)), 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', String(-N / 4)],
      ['ZRANDMEMBER', 'z', String(2 * N)],
    ]) {
      const [ours, theirs] = [await shape(s.busy.port, cmd), await shape(s.real.port, cmd)];
      expect(ours.strangers, cmd.join(' ')).toBe(0);
      expect(ours.lines, cmd.join(' ')).toBe(theirs.lines);
      // Picks with repeats collide alike on both; distinct picks must be distinct on both.
      if (Number(cmd[2]) > 0) expect(ours.distinct, cmd.join(' ')).toBe(theirs.distinct);
      else expect(Math.abs(ours.distinct - theirs.distinct), cmd.join(' ')).toBeLessThan(N / 50);
    }
  }, 90_000);
});
