// A store memcached cannot allocate an item for (too large, or no memory under -M) drops the key's old value
// only for some commands: text set (not cas), every meta set mode (with or without C), binary SET/SETQ (with or
// without a CAS, not ADD). Found by comparing libmemcached clients and probing the cases around them.
import { describe, expect, it } from 'vitest';
import { parseMemcachedArgs } from '../../../tools/memcached-t/options.ts';
import { binaryExchange, describe as describePackets, packet, setExtras } from './binary-helpers.ts';
import { realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';

const available = realMemcachedAvailable();
const value = (n: number, c = 'v') => c.repeat(n);

/** Sets `key` to "old", sends `store` (a refused store of it), then reads the key back. */
const refused = (key: string, store: string) => `set ${key} 0 0 3\r\nold\r\n${store}mg ${key} v\r\n`;

/** The same storing commands for a value of `n` bytes, each on its own key. */
function variants(n: number, tag: string): string {
  const v = `${value(n)}\r\n`;
  return [
    refused(`${tag}set`, `set ${tag}set 0 0 ${n}\r\n${v}`),
    refused(`${tag}cas`, `cas ${tag}cas 0 0 ${n} 999999\r\n${v}`),
    refused(`${tag}add`, `add ${tag}add 0 0 ${n}\r\n${v}`),
    refused(`${tag}ms`, `ms ${tag}ms ${n}\r\n${v}`),
    refused(`${tag}msa`, `ms ${tag}msa ${n} MA\r\n${v}`),
    refused(`${tag}msc`, `ms ${tag}msc ${n} C999999\r\n${v}`),
    refused(`${tag}mse`, `ms ${tag}mse ${n} ME\r\n${v}`),
  ].join('');
}

async function sameReplies(real: Target, ours: Target, script: string): Promise<string> {
  const a = (await textExchange(real.port, script, 20_000)).reply.toString('latin1');
  const b = (await textExchange(ours.port, script, 20_000)).reply.toString('latin1');
  expect(b).toBe(a);
  return a;
}

describe.skipIf(!available)('a store memcached cannot allocate', () => {
  const pair = realAndOursForTests();

  it('too large: set and every ms mode drop the old value, cas and add keep it (read in full or skipped)', async () => {
    const replies = await sameReplies(pair.real, pair.ours, variants(1048576, 'a') + variants(2 << 20, 'b'));
    expect(replies.match(/EN\r\n/g)).toHaveLength(2 * 5);
  });

  it('binary: a too-large SET with a CAS drops the old value, an ADD with one keeps it', async () => {
    const big = Buffer.alloc(2 << 20, 120);
    const packets = [
      packet({ opcode: 0x01, key: 'c1', extras: setExtras(0, 0), value: 'old', opaque: 1 }),
      packet({ opcode: 0x01, key: 'c1', extras: setExtras(0, 0), value: big, cas: 1n, opaque: 2 }),
      packet({ opcode: 0x00, key: 'c1', opaque: 3 }),
      packet({ opcode: 0x01, key: 'c2', extras: setExtras(0, 0), value: 'old', opaque: 4 }),
      packet({ opcode: 0x02, key: 'c2', extras: setExtras(0, 0), value: big, cas: 1n, opaque: 5 }),
      packet({ opcode: 0x00, key: 'c2', opaque: 6 }),
    ];
    const [a, b] = [await binaryExchange(pair.real.port, packets), await binaryExchange(pair.ours.port, packets)];
    expect(describePackets(b.packets, b.closed)).toEqual(describePackets(a.packets, a.closed));
  });
});

describe.skipIf(!available)('a store refused for want of memory (-M)', () => {
  it('set and ms drop the old value, cas and add keep it; binary SET drops it, ADD with a CAS keeps it; ENOMEM texts', async () => {
    const args = ['-m', '2', '-M'];
    const [real, ours] = await Promise.all([startReal(args), startOurs({ ...parseMemcachedArgs(args).options, port: 0 })]);
    try {
      const keys = ['set', 'cas', 'add', 'ms', 'msa', 'msc', 'mse', 'bin', 'binadd'];
      const fill = (tag: string) => Array.from({ length: 30_000 }, (_, i) => `set ${tag}${i} 0 0 100 noreply\r\n${value(100)}\r\n`).join('');
      await sameReplies(real, ours, keys.map((k) => `set m${k} 0 0 100\r\n${value(100, 'o')}\r\n`).join('') + fill('f'));
      const n = 100;
      const v = `${value(n)}\r\n`;
      // After each refused store a filler takes back whatever a dropped value freed, so the next is refused too.
      const stores = [`set mset 0 0 ${n}`, `cas mcas 0 0 ${n} 999999`, `add madd 0 0 ${n}`, `ms mms ${n}`, `ms mmsa ${n} MA`, `ms mmsc ${n} C999999`, `ms mmse ${n} ME`];
      const replies = await sameReplies(real, ours, stores.map((c, i) => `${c}\r\n${v}set z${i} 0 0 ${n}\r\n${v}`).join('') + keys.map((k) => `mg m${k} s\r\n`).join(''));
      expect(replies.match(/SERVER_ERROR out of memory storing object/g)).toHaveLength(7 + 2);
      expect(replies.match(/^(EN|HD s\d+)(?=\r$)/gm)).toEqual(['EN', 'HD s100', 'HD s100', 'EN', 'EN', 'EN', 'EN', 'HD s100', 'HD s100']);
      // What the dropped values freed is taken again before the binary stores.
      await sameReplies(real, ours, fill('g'));
      const packets = [
        packet({ opcode: 0x02, key: 'mbinadd', extras: setExtras(0, 0), value: value(n), cas: 1n, opaque: 1 }),
        packet({ opcode: 0x00, key: 'mbinadd', opaque: 2 }),
        packet({ opcode: 0x01, key: 'mbin', extras: setExtras(0, 0), value: value(n), opaque: 3 }),
        packet({ opcode: 0x00, key: 'mbin', opaque: 4 }),
      ];
      const [a, b] = [await binaryExchange(real.port, packets), await binaryExchange(ours.port, packets)];
      expect(describePackets(b.packets, b.closed)).toEqual(describePackets(a.packets, a.closed));
      expect(a.packets.map((p) => p.status)).toEqual([0x82, 0, 0x82, 1, 0]);
    } finally {
      await Promise.all([real.close(), ours.close()]);
    }
  }, 60_000);
});
