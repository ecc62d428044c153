// Binary protocol: identical packet streams to real memcached and our engine, replies compared.
import { describe, expect, it } from 'vitest';
import { binaryExchange, describe as describeReplies, packet } from './binary-helpers.ts';
import { BINARY_SCRIPTS } from './binary-scripts.ts';
import { realMemcachedAvailable } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';

const available = realMemcachedAvailable();

describe.skipIf(!available)('binary protocol matches real memcached', () => {
  const pair = realAndOursForTests();

  for (const [name, packets] of Object.entries(BINARY_SCRIPTS)) {
    it(name, async () => {
      const a = await binaryExchange(pair.real.port, packets);
      const b = await binaryExchange(pair.ours.port, packets);
      expect(describeReplies(b.packets, b.closed)).toEqual(describeReplies(a.packets, a.closed));
    });
  }

  it('stats by a name that starts with settings: the settings (their values name ports, so keys are compared)', async () => {
    const stat = [packet({ opcode: 0x10, key: 'settingsX', opaque: 1 })];
    const keys = async (port: number) => (await binaryExchange(port, stat)).packets.map((p) => `${p.status} ${p.key}`);
    const [onReal, onOurs] = await Promise.all([keys(pair.real.port), keys(pair.ours.port)]);
    expect(onOurs).toEqual(onReal);
    expect(onOurs).toContain('0 maxconns');
  });
});
