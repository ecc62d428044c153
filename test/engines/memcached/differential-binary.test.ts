// Binary protocol: identical packet streams to real memcached and our engine, replies compared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryExchange, describe as describeReplies, packet } from './binary-helpers.ts';
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

  it('stats by a name that starts with settings: the settings (their values name ports, so keys are compared)', async () => {
    const stat = [packet({ opcode: 0x10, key: 'settingsX', opaque: 1 })];
    const keys = async (port: number) => (await binaryExchange(port, stat)).packets.map((p) => `${p.status} ${p.key}`);
    const [onReal, onOurs] = await Promise.all([keys(real.port), keys(ours.port)]);
    expect(onOurs).toEqual(onReal);
    expect(onOurs).toContain('0 maxconns');
  });
});
