// Replies of hundreds of thousands of elements (HGETALL, SMEMBERS, LRANGE 0 -1, ZRANGE WITHSCORES, XRANGE)
// are written in slices: another node answers PING meanwhile, the reply equals redis-server's, and a
// client over its normal output-buffer limit is dropped as redis-server drops it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { encodeCommand, RawClient, realRedisAvailable } from './helpers.ts';
import { digestOf, slicedDigest, stallServers } from './stall.ts';

const N = Number(process.env.ISO_N ?? 40_000);
const STREAM_N = N / 5;
const available = realRedisAvailable();
const run = promisify(execFile);

function fillCommands(): string[][] {
  const out: string[][] = [];
  for (let from = 0; from < N; from += 1000) {
    const [h, s, l, z] = [['HSET', 'h'], ['SADD', 's'], ['RPUSH', 'l'], ['ZADD', 'z']];
    for (let i = from; i < from + 1000; i++) {
      h.push(`f${i}`, `v${i % 777}`);
      s.push(`m${i}`);
      l.push(`e${i % 5000}`);
      z.push(String(i / 3), `m${i}`);
    }
    out.push(h, s, l, z);
  }
  for (let i = 1; i <= STREAM_N; i++) out.push(['XADD', 'x', `${i}-1`, 'f', `v${i}`, 'g', String(i * 7)]);
  return out;
}

/** A reply through redis-cli, one element a line; `pairs` keeps HGETALL's field and value together when sorting. */
async function sortedLines(port: number, cmd: string[], pairs: boolean): Promise<string[]> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...cmd], { maxBuffer: 1 << 28 });
  const lines = stdout.split('\n');
  if (!pairs) return lines.sort();
  const out: string[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) out.push(`${lines[i]} ${lines[i + 1]}`);
  return out.sort();
}

describe.skipIf(!available)('big replies are written in slices', () => {
  const s = stallServers(fillCommands);

  const sliced = (cmd: string[]) => slicedDigest(s, cmd);

  it('LRANGE, ZRANGE (by rank and score, REV, LIMIT), XRANGE and XREVRANGE answer byte for byte as redis-server', async () => {
    for (const cmd of [
      ['LRANGE', 'l', '0', '-1'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZREVRANGE', 'z', '0', '-1'],
      ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'WITHSCORES', 'LIMIT', '5', '-1'],
      ['ZREVRANGEBYSCORE', 'z', '+inf', '(100', 'LIMIT', '3', '100000'],
      ['ZRANGE', 'z', '(9000', '100', 'BYSCORE', 'REV', 'LIMIT', '7', '20000', 'WITHSCORES'],
      ['ZRANGE', 'z', '-2000', '-1', 'REV'],
      ['XRANGE', 'x', '-', '+'],
      ['XREVRANGE', 'x', '+', '-'],
      ['LREM', 'l', '0', 'nothere'],
    ]) {
      const ours = await sliced(cmd);
      expect(ours, cmd.join(' ')).toEqual(await digestOf(s.real.port, cmd));
    }
  }, 90_000);

  it('HGETALL, HVALS and SMEMBERS hold what redis-server answers, in its own order', async () => {
    for (const cmd of [['HGETALL', 'h'], ['HVALS', 'h'], ['SMEMBERS', 's']]) {
      const ours = await sliced(cmd);
      expect(ours.head, cmd.join(' ')).toBe((await digestOf(s.real.port, cmd)).head);
      const pairs = cmd[0] === 'HGETALL';
      expect(await sortedLines(s.busy.port, cmd, pairs), cmd.join(' ')).toEqual(await sortedLines(s.real.port, cmd, pairs));
    }
  }, 90_000);

  it('a client that does not read a huge reply is dropped at its normal output-buffer limit, as by redis-server', async () => {
    for (const port of [s.busy.port, s.real.port]) {
      const admin = await RawClient.connect(port);
      try {
        expect(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 100kb 0 0')).toBe('+OK\r\n');
        const reader = await RawClient.connect(port);
        reader.socket.pause();
        reader.write(encodeCommand(['HGETALL', 'h']));
        const deadline = Date.now() + 30_000;
        while ((await admin.call('CLIENT', 'LIST')).split('\n').filter((l) => l.includes('id=')).length > 1) {
          expect(Date.now()).toBeLessThan(deadline);
          await new Promise((r) => setTimeout(r, 50));
        }
        reader.socket.resume();
        await reader.waitClosed(30_000);
        // The node goes on serving its other clients.
        expect(await admin.call('HLEN', 'h')).toBe(`:${N}\r\n`);
      } finally {
        await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0');
        admin.close();
      }
    }
  }, 60_000);
});
