// `stats cachedump` as memcached 1.6.18: only the class's COLD queue, newest first. Items reach COLD
// when the LRU maintainer moves them out of HOT, so both servers are polled until they settle. With -X
// both dumps are refused.
import { afterEach, describe, expect, it } from 'vitest';
import { realMemcachedAvailable, type Target } from './helpers.ts';
import { closeAll, pair, send } from './memory-helpers.ts';

const available = realMemcachedAvailable();
afterEach(closeAll);

async function settledDump(t: Target, command: string, lines: number): Promise<string> {
  let reply = '';
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    reply = await send(t, command);
    if (reply.split('\r\n').filter((l) => l.startsWith('ITEM ')).length >= lines) break;
  }
  return reply;
}

describe.skipIf(!available)('stats cachedump as memcached', () => {
  it('lists the COLD queue newest first, with a limit', async () => {
    const [real, ours] = await pair([], {});
    const script = Array.from({ length: 6 }, (_, i) => `set key${i} ${i} 0 ${i + 1}\r\n${'v'.repeat(i + 1)}\r\n`).join('');
    await Promise.all([send(real, script), send(ours, script)]);
    for (const [command, lines] of [['stats cachedump 1 0\r\n', 6], ['stats cachedump 1 2\r\n', 2]] as const) {
      expect(await settledDump(ours, command, lines), command).toBe(await settledDump(real, command, lines));
    }
  });

  it('-X refuses stats cachedump and lru_crawler metadump', async () => {
    const [real, ours] = await pair(['-X'], { settings: { dumpEnabled: false } });
    const script = 'set k 0 0 1\r\nx\r\nstats cachedump 1 0\r\nlru_crawler metadump all\r\nlru_crawler metadump 1\r\n';
    const reply = await send(real, script);
    expect(reply).toContain('ERROR metadump not allowed');
    expect(await send(ours, script)).toBe(reply);
  });
});
