// Holds of sliced commands nest: a replica's own sliced read holds its clients, its primary's sliced
// command then holds them too (they share values), and either may end first. Whichever ends last must
// leave the node as it was before both: no hold of an ended command put back (the node's clients then
// waited for ever), a CLIENT PAUSE from before still on, and a primary's writes held for a replica's read
// free again (they waited for the hold's 60 s limit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pauseAll } from '../../../engines/redis/sliced.ts';
import { holdWrites } from '../../../engines/redis/hold-writes.ts';
import { RawClient, startServer, type Started } from './helpers.ts';

describe('nested holds of sliced commands', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s?.server.close());

  async function answers(cmd: string[]): Promise<string> {
    const c = await RawClient.connect(s.port);
    try {
      return await c.call(...cmd);
    } finally {
      c.close();
    }
  }

  it('the inner one ending first leaves no hold behind', async () => {
    const e = s.server.engine;
    const own = pauseAll(e, true);
    const primarys = pauseAll(e);
    own();
    primarys();
    expect(e.pause).toBe(null);
    expect(await answers(['SET', 'k', 'v'])).toBe('+OK\r\n');
  });

  it('a hold over held writes frees the writes once both ended', async () => {
    const e = s.server.engine;
    const writes = holdWrites([e]);
    const command = pauseAll(e, true);
    writes();
    command();
    expect(e.pause).toBe(null);
    expect(await answers(['SET', 'k', 'w'])).toBe('+OK\r\n');
  });

  it('a CLIENT PAUSE from before both stays on until its end', async () => {
    const e = s.server.engine;
    expect(await answers(['CLIENT', 'PAUSE', '60000', 'WRITE'])).toBe('+OK\r\n');
    const paused = e.pause;
    const own = pauseAll(e, true);
    const primarys = pauseAll(e);
    own();
    primarys();
    expect(e.pause).toBe(paused);
    expect(await answers(['CLIENT', 'UNPAUSE'])).toBe('+OK\r\n');
    expect(await answers(['SET', 'k', 'x'])).toBe('+OK\r\n');
  });
});
