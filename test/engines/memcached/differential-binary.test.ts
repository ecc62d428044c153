// Binary protocol: identical packet streams to real memcached and our engine, replies compared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryExchange, describe as describeReplies } from './binary-helpers.ts';
import { BINARY_SCRIPTS } from './binary-scripts.ts';
import { realMemcachedAvailable, startOurs, startReal, type Target } from './helpers.ts';

const available = realMemcachedAvailable();

describe.skipIf(!available)('binary protocol matches real memcached', () => {
  let real: Target;
  let ours: Target;
  beforeAll(async () => {
    [real, ours] = await Promise.all([startReal(), startOurs()]);
  });
  afterAll(async () => {
    await Promise.all([real?.close(), ours?.close()]);
  });

  for (const [name, packets] of Object.entries(BINARY_SCRIPTS)) {
    it(name, async () => {
      const a = await binaryExchange(real.port, packets);
      const b = await binaryExchange(ours.port, packets);
      expect(describeReplies(b.packets, b.closed)).toEqual(describeReplies(a.packets, a.closed));
    });
  }
});
