// A real memcached and our engine side by side for a differential describe block (kept apart from helpers.ts,
// which the fuzz tools load outside vitest).
import { afterAll, beforeAll } from 'vitest';
import { startOurs, startReal, type Target } from './helpers.ts';

/** Both servers with default options, started before the calling block's tests and closed after them. */
export function realAndOursForTests(): { real: Target; ours: Target } {
  const pair = {} as { real: Target; ours: Target };
  beforeAll(async () => {
    [pair.real, pair.ours] = await Promise.all([startReal(), startOurs()]);
  });
  afterAll(async () => {
    await Promise.all([pair.real?.close(), pair.ours?.close()]);
  });
  return pair;
}
