// A node of ours and a redis-server for one differential test file: both start before its tests and
// stop after them. Read the fields inside tests (they are set by beforeAll).
import { afterAll, beforeAll, expect } from 'vitest';
import { differential, script, startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

export interface ServerPair {
  ours: Started;
  /** With its pid, for tests that look at redis-server's own children. */
  real: RealRedis & { pid: number };
}

/** Call inside a describe; `realArgs` go to redis-server (e.g. --enable-debug-command yes). */
export function serverPair(realArgs: string[] = []): ServerPair {
  const pair = {} as ServerPair;
  beforeAll(async () => {
    [pair.ours, pair.real] = await Promise.all([startServer(), startRealRedis(realArgs)]);
  }, 60000);
  afterAll(async () => {
    await pair.ours?.server.close();
    await pair.real?.stop();
  });
  return pair;
}

/** Runs a compact script (helpers.ts script()) on both servers and expects the same replies, byte for byte. */
export async function expectSameReplies(pair: ServerPair, text: string, proto: 2 | 3 = 2): Promise<void> {
  const results = await differential(pair.ours.port, pair.real.port, script(text), proto);
  expect(results.filter((r) => r.ours !== r.real)).toEqual([]);
}

/** Sends each script as EVAL to both servers and expects the same reply, byte for byte, from each. */
export async function expectSameEvalReplies(pair: ServerPair, scripts: string[]): Promise<void> {
  const out = await differential(pair.ours.port, pair.real.port, scripts.map((s) => ['EVAL', s, '0']));
  expect(out.filter((r) => r.ours !== r.real)).toEqual([]);
}
