// A node of ours and a redis-server for one differential test file: both start before its tests and
// stop after them. Read the fields inside tests (they are set by beforeAll).
import { afterAll, beforeAll } from 'vitest';
import { startRealRedis, startServer, type RealRedis, type Started } from './helpers.ts';

export interface ServerPair {
  ours: Started;
  real: RealRedis;
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
