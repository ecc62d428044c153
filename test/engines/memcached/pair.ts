// A real memcached and our engine side by side for a differential describe block (kept apart from helpers.ts,
// which the fuzz tools load outside vitest).
import { afterAll, beforeAll } from 'vitest';
import type { MemcachedServerOptions } from '../../../engines/memcached/index.ts';
import { startOurs, startReal, type Target } from './helpers.ts';

export interface PairOptions {
  /** Flags for memcached (e.g. -C); `ours` should mean the same for our node. */
  realArgs?: string[];
  ours?: Partial<MemcachedServerOptions>;
}

/** Both servers, started before the calling block's tests and closed after them. */
export function realAndOursForTests(options: PairOptions = {}): { real: Target; ours: Target } {
  const pair = {} as { real: Target; ours: Target };
  beforeAll(async () => {
    [pair.real, pair.ours] = await Promise.all([startReal(options.realArgs), startOurs(options.ours)]);
  });
  afterAll(async () => {
    await Promise.all([pair.real?.close(), pair.ours?.close()]);
  });
  return pair;
}
