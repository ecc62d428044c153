// What the random differential (tools/memcached-fuzz) found, kept as fixed scripts: each is sent to
// real memcached 1.6.18 and to our engine, and the replies must match.
import { describe, expect, it } from 'vitest';
import { binaryExchange, describe as describePackets, packet, setExtras, u32 } from './binary-helpers.ts';
import { spawnSync } from 'node:child_process';
import { parseMemcachedArgs, type UsageError } from '../../../tools/memcached-t/options.ts';
import { runAdmin } from './fuzz-admin.ts';
import { runMulti, type MultiStep } from './fuzz-multi.ts';
import { runOptionsCase, type OptionsCase } from './fuzz-options.ts';
import { exchange, normalize, REAL_MEMCACHED, realMemcachedAvailable, startOurs, startReal, textExchange, type Target } from './helpers.ts';
import { realAndOursForTests } from './pair.ts';

const available = realMemcachedAvailable();
const K251 = 'y'.repeat(251);
const many = (line: string, n: number) => line.repeat(n);

async function statValue(port: number, name: string): Promise<number> {
  const { reply } = await textExchange(port, 'stats\r\n');
  return Number(new RegExp(`^STAT ${name} (\\d+)\r$`, 'm').exec(reply.toString('latin1'))![1]);
}

const TEXT: Record<string, string> = {
  'md with too many flags': `md k${' q'.repeat(24)}\r\n`,
  'ma with too many flags': `ma k${' N0'.repeat(24)}\r\n`,
  // A get with an over-long key discards the replies not yet written: those after the last get.
  'over-long key after a get': `delete f1\r\nget f1\r\ndelete f2\r\ngets f1 ${K251}\r\n`,
  // ... and memcached writes out when it yields, after the 21st request read in one go.
  'over-long key after a yield': `${many('delete f3\r\n', 24)}get f3 ${K251}\r\n`,
  'over-long key after mn': `delete f4\r\nmn\r\ndelete f4\r\ngat 0 ${K251}\r\n`,
  'me with a key that is not base64': 'me c b\r\nme !! b\r\n',
  // ma walks its flags in order: t before N or T reports the TTL the counter had until then.
  'ma t before N and T': 'ma fz1 t N100 v\r\nma fz1 t\r\nma fz2 N0 t\r\nma fz1 t T0 t\r\nma fz1 q T100\r\nmg fz1 t\r\n',
  // A CAS of 0 compares as none: EX even with I (invalidate), which only lets a lower non-zero CAS win.
  // strtoull reads a stored value up to a NUL byte and takes a sign; safe_strtoull refuses a minus only when
  // the wrapped result is negative as a signed number (seed 31183): "-18446744073709551615" is 1.
  'arithmetic on what strtoull reads': 'set fn1 0 0 22\r\n18446744073709551615\x00\xff\r\nma fn1 N0 v\r\nset fn2 0 0 4\r\n 7\x00x\r\n' +
    'incr fn2 1\r\nget fn2\r\nset fn3 0 0 3\r\n-0 \r\nincr fn3 1\r\nset fn4 0 0 21\r\n-18446744073709551615\r\nincr fn4 1\r\n' +
    'incr fn4 -18446744073709551615\r\nincr fn4 -9223372036854775809\r\nincr fn4 -1\r\nset fn5 0 0 2\r\n-1\r\nincr fn5 1\r\n' +
    'set fn6 -18446744073709551615 0 1\r\nx\r\nmg fn6 f\r\nset fn7 -9223372036854775808 0 1\r\nx\r\n',
  // strtol/strtoull skip leading whitespace and stop at whitespace, ignoring what follows (a tab or CR is
  // part of a token: memcached splits on spaces only).
  'numbers with tabs and CRs inside their token': 'set ft1 0 0 1\r\n5\r\ntouch ft1 10\t\r\ntouch ft1 \t10\r\ntouch ft1 10\tjunk\r\n' +
    'incr ft1 \t3\r\nincr ft1 3\rx\r\nset ft2 0 0 1\tz\r\ny\r\nms ft2 1 T\t5\r\nz\r\nmg ft2 t v\r\nincr ft1 -\t1\r\nincr ft1 \t\r\n' +
    'set ft3 1\t 0 1\r\nx\r\n',
  // The command line is a C string to memcached's tokenizer: it ends at its first NUL byte.
  'a NUL byte ends the command line': 'set fl1 0 0 1\r\n5\r\nincr fl1 5\x00zz\r\nset fl2 7\x00q 0 1\r\nx\r\nmg fl2 f\r\ntouch fl1 10\x00\r\n' +
    'set fl3 0 0 2\x00\r\nab\r\nma fl1 D3\x00x v\r\nget fl1\x00fl3\r\n\x00get fl1\r\nmg fl3 v\x00 k\r\nversion\x00x\r\n',
  'ms with C0 and I': 'set fz3 1 0 0\r\n\r\nms fz3 3 C0 I\r\n007\r\nms fz3 1 C1 I T90\r\nx\r\nmg fz3 v\r\nms fz4 1 C0 I\r\ny\r\n',
};

const BINARY: Record<string, Buffer[]> = {
  'version with a key': [packet({ opcode: 0x0b, key: 'k', opaque: 1 })],
  'noop with extras': [packet({ opcode: 0x0a, extras: u32(1), opaque: 1 })],
  'quitq with a body': [packet({ opcode: 0x17, value: 'x', opaque: 1 })],
  'getq with a value': [packet({ opcode: 0x09, key: 'k', value: 'x', opaque: 1 })],
  // Touch and stat read no value: memcached parses it as the next request.
  'touch with a packet for a value': [
    packet({ opcode: 0x1c, key: 'fb1', extras: u32(0), value: packet({ opcode: 0x0a, opaque: 77 }), opaque: 1 }),
  ],
  'stat with a packet for a value': [packet({ opcode: 0x10, key: 'bogus', value: packet({ opcode: 0x0b, opaque: 78 }), opaque: 1 })],
  // An unknown opcode swallows its body length after its extras and key: it eats into the next packet.
  'unknown opcode with a body': [
    packet({ opcode: 0x25, key: 'ab', opaque: 1 }),
    packet({ opcode: 0x99, key: 'c', extras: Buffer.alloc(8), opaque: 2 }),
    packet({ opcode: 0x0a, opaque: 3 }),
  ],
  'add with a cas': [
    packet({ opcode: 0x02, key: 'fb2', extras: setExtras(0, 0), value: 'v', cas: 1n, opaque: 1 }),
    packet({ opcode: 0x12, key: 'fb2', extras: setExtras(0, 0), value: 'v', cas: 1n, opaque: 2 }),
    packet({ opcode: 0x02, key: 'fb2', extras: setExtras(0, 0), value: 'v', opaque: 3 }),
    packet({ opcode: 0x02, key: 'fb2', extras: setExtras(0, 0), value: 'w', cas: 999999n, opaque: 4 }),
    packet({ opcode: 0x00, key: 'fb2', opaque: 5 }),
  ],
  // Errors are written at once; quiet successes wait, and a bad magic byte drops what waits.
  'bad magic after an error': [
    packet({ opcode: 0x00, key: 'fb3', opaque: 1 }),
    packet({ opcode: 0x11, key: 'fb3', extras: setExtras(0, 0), value: 'v', opaque: 2 }),
    packet({ opcode: 0x01, key: 'fb3', extras: setExtras(0, 0), value: 'v', opaque: 3 }),
    Buffer.concat([Buffer.from([0x81]), Buffer.alloc(23)]),
  ],
};

describe.skipIf(!available)('random differential findings', () => {
  const pair = realAndOursForTests({ ours: { version: '1.6.18' } });

  it('text and meta', async () => {
    for (const [name, script] of Object.entries(TEXT)) {
      const [a, b] = [await textExchange(pair.real.port, script), await textExchange(pair.ours.port, script)];
      const show = (e: typeof a) => normalize(e.reply.toString('latin1')) + (e.closed ? '<closed>' : '');
      expect({ name, reply: show(b) }).toEqual({ name, reply: show(a) });
    }
  });

  it('binary framing and errors', async () => {
    for (const [name, packets] of Object.entries(BINARY)) {
      const [a, b] = [await binaryExchange(pair.real.port, packets), await binaryExchange(pair.ours.port, packets)];
      expect({ name, reply: describePackets(b.packets, b.closed) }).toEqual({ name, reply: describePackets(a.packets, a.closed) });
    }
  });

  // A binary flush reads its time unsigned: 0x83838383 is an absolute time years ahead, not a negative
  // delay (an immediate flush). A time before start-up (0x05050505, or flush_all 84215045) gives memcached
  // an oldest_live of 0, which it reads as no flush at all. Fresh servers: such a flush would also lift an
  // earlier one from items memcached has not reclaimed yet, which is timing (the fuzzer avoids it).
  it('delayed flushes: far future and before start-up flush nothing now', async () => {
    const [r, o] = await Promise.all([startReal(), startOurs({ version: '1.6.18' })]);
    try {
      const packets = [
        packet({ opcode: 0x01, key: 'fd1', extras: setExtras(0, 0), value: 'v', opaque: 1 }),
        packet({ opcode: 0x08, extras: u32(0x83838383), opaque: 2 }),
        packet({ opcode: 0x00, key: 'fd1', opaque: 3 }),
        packet({ opcode: 0x08, extras: u32(0x05050505), opaque: 4 }),
        packet({ opcode: 0x00, key: 'fd1', opaque: 5 }),
      ];
      const [a, b] = [await binaryExchange(r.port, packets), await binaryExchange(o.port, packets)];
      expect(describePackets(b.packets, b.closed)).toEqual(describePackets(a.packets, a.closed));
      // Both gets find the item.
      expect(a.packets.filter((p) => p.opaque === 3 || p.opaque === 5).map((p) => p.status)).toEqual([0, 0]);
      const script = 'set fd2 0 0 1\r\nw\r\nflush_all 84215045\r\nget fd2\r\n';
      const [c, d] = [await textExchange(r.port, script), await textExchange(o.port, script)];
      expect(normalize(d.reply.toString('latin1'))).toBe(normalize(c.reply.toString('latin1')));
      expect(c.reply.toString('latin1')).toMatch(/^STORED\r\nOK\r\nVALUE fd2 0 1\r\nw\r\nEND\r\n/);
    } finally {
      await Promise.all([r.close(), o.close()]);
    }
  });

  // The multi-connection family (fuzz-multi.ts) compares what `stats` counted: me counts in cmd_meta (the
  // only meta command 1.6.18 counts), an md refused by its CAS is a delete miss, and ms with C is a
  // compare-and-swap in cas_misses/cas_hits/cas_badval (with I a stale write is a hit), as text cas is.
  it('stats counters of meta commands and CAS across connections', async () => {
    const steps: MultiStep[] = [
      { conn: 0, key: 'fm1', command: 'me fm1\r\n' },
      { conn: 1, key: 'fm1', command: 'ms fm1 1 C999999\r\nx\r\n' },
      { conn: 1, key: 'fm1', command: 'set fm1 0 0 1\r\nx\r\n' },
      { conn: 0, key: 'fm1', command: 'gets fm1\r\n' },
      { conn: 1, key: 'fm1', command: 'set fm1 0 0 1\r\ny\r\n' },
      { conn: 0, key: 'fm1', command: 'ms fm1 1 C$CAS\r\nz\r\n' },
      { conn: 0, key: 'fm1', command: 'ms fm1 1 C$CAS I\r\nz\r\n' },
      { conn: 0, key: 'fm1', command: 'ms fm1 1 C0 MA\r\nz\r\n' },
      { conn: 1, key: 'fm1', command: 'md fm1 C999999\r\n' },
      { conn: 1, key: 'fm1', command: 'me fm1\r\n' },
      { conn: 2, key: 'fm2', command: 'cas fm2 0 0 1 $CAS\r\nx\r\n' },
    ];
    const [a, b] = [await runMulti(pair.real.port, steps), await runMulti(pair.ours.port, steps)];
    expect(b).toBe(a);
    expect(a).toMatch(/cmd_meta \+2\r\n[^]*delete_misses \+1\r\n[^]*cas_misses \+2\r\ncas_hits \+1\r\ncas_badval \+1\r\n/);
  });

  // memcached counts a compare-and-swap's hit or bad value in the slab class of the item it compared with,
  // not of the new value's.
  it('cas_hits and cas_badval per slab class are the old item\'s', async () => {
    const big = 'v'.repeat(5000);
    const steps: MultiStep[] = [
      { conn: 0, key: 'fc1', command: 'set fc1 0 0 1\r\nx\r\n' },
      { conn: 0, key: 'fc1', command: 'gets fc1\r\n' },
      { conn: 1, key: 'fc1', command: `cas fc1 0 0 5000 999999\r\n${big}\r\n` },
      { conn: 0, key: 'fc1', command: `cas fc1 0 0 5000 $CAS\r\n${big}\r\n` },
      { conn: 0, key: 'fc1', command: 'ms fc1 1 C999999\r\ny\r\n' },
    ];
    const perClass = async (t: Target) => {
      await runMulti(t.port, steps);
      return (await textExchange(t.port, 'stats slabs\r\n')).reply.toString('latin1').split('\r\n').filter((l) => /:cas_(hits|badval) [1-9]/.test(l));
    };
    const [a, b] = [await perClass(pair.real), await perClass(pair.ours)];
    expect(b).toEqual(a);
    expect(a).toHaveLength(3);
  });

  // Every lookup of a flushed item counts in get_flushed (memcached's do_item_get): a delete's, touch's and
  // incr's too, not only a get's. A set of the same size does not: allocating its item reclaims the flushed
  // one from the LRU's tail first. Without the LRU maintainer and crawler nothing else reclaims it.
  it('get_flushed counts lookups by any command', async () => {
    const [r, o] = await Promise.all([
      startReal(['-o', 'no_lru_maintainer,no_lru_crawler']),
      startOurs({ version: '1.6.18', lruMaintainer: false, lruCrawler: false }),
    ]);
    try {
      const steps: MultiStep[] = ['set', 'delete', 'touch', 'incr', 'get'].flatMap((cmd, i) => [
        { conn: 0, key: `ff${i}`, command: `set ff${i} 0 0 1\r\n1\r\n` },
        { conn: 1, key: `ff${i}`, command: 'flush_all\r\n' },
        { conn: 2, key: `ff${i}`, command: cmd === 'set' ? `set ff${i} 0 0 1\r\n2\r\n` : cmd === 'touch' ? `touch ff${i} 10\r\n`
          : cmd === 'incr' ? `incr ff${i} 1\r\n` : `${cmd} ff${i}\r\n` },
      ]);
      const flushed = async (t: Target) => {
        const before = await statValue(t.port, 'get_flushed');
        const transcript = await runMulti(t.port, steps);
        return { transcript, flushed: (await statValue(t.port, 'get_flushed')) - before };
      };
      const [a, b] = [await flushed(r), await flushed(o)];
      expect(b).toEqual(a);
      expect(a.flushed).toBe(4);
    } finally {
      await Promise.all([r.close(), o.close()]);
    }
  });

  // While a value is still arriving memcached reads on and writes nothing new, not even the replies
  // of the commands before it; a get's reply was written before.
  it('replies wait for a value that is still arriving', async () => {
    const script = 'delete fw1\r\nget fw1\r\ndelete fw1\r\nset fw1 0 0 10\r\nabc';
    const [a, b] = [await exchange(pair.real.port, script, () => false, 400), await exchange(pair.ours.port, script, () => false, 400)];
    expect(b.reply.toString()).toBe(a.reply.toString());
    expect(a.reply.toString()).toBe('NOT_FOUND\r\nEND\r\n');
  });
});

// What the start-options family (fuzz-options.ts) found: the same command line to both, `stats`, `stats
// settings` and the start-up checks as memcached 1.6.18's.
describe.skipIf(!available)('start options findings', () => {
  const started = async (args: string[]) => {
    const { options } = parseMemcachedArgs(args);
    return Promise.all([startReal(args), startOurs({ ...options, port: 0, version: '1.6.18' })]);
  };
  const statsOf = async (t: Target, script: string, names: RegExp) =>
    (await textExchange(t.port, script)).reply.toString('latin1').split('\r\n').filter((l) => names.test(l));

  // Under -C an item has no 8-byte CAS field, which the bytes stat and the slab class chosen show.
  it('-C items are 8 bytes smaller; -M reports evictions off; hashpower is reported', async () => {
    const [r, o] = await started(['-C', '-M', '-o', 'hashpower=12']);
    try {
      const script = `${Array.from({ length: 40 }, (_, i) => `set fo${i} 0 0 ${i * 10}\r\n${'x'.repeat(i * 10)}\r\n`).join('')}` +
        'stats\r\nstats settings\r\nstats slabs\r\n';
      const names = /^STAT (bytes|evictions|hashpower_init|hash_power_level|hash_bytes|\d+:(chunk_size|used_chunks)) /;
      const [a, b] = [await statsOf(r, script, names), await statsOf(o, script, names)];
      expect(b).toEqual(a);
      expect(a).toContain('STAT evictions off');
      expect(a).toContain('STAT hash_power_level 12');
    } finally {
      await Promise.all([r.close(), o.close()]);
    }
  });

  // A chunked item's value is read into chunks allocated as it arrives: under -M, with memory for its header
  // but not its chunks, memcached answers 'Out of memory during read' (which q and noreply silence, and
  // binary sends as ENOMEM with that text), counts no set and leaves the old value.
  it('-M: a large value that runs out of memory while it is read', async () => {
    const [r, o] = await started(['-m', '3', '-I', '1m', '-M']);
    try {
      const big = (n: number) => 'x'.repeat(1048576 - n);
      const script = `set fr0 0 0 ${1048576 - 100}\r\n${big(100)}\r\nset fr1 0 0 ${1048576 - 200}\r\n${big(200)}\r\n` +
        `set fr2 0 0 ${1048576 - 120}\r\n${big(120)}\r\nms fr2 ${1048576 - 120} q\r\n${big(120)}\r\n` +
        `set fr2 0 0 ${1048576 - 120} noreply\r\n${big(120)}\r\nmg fr2 s\r\nmg fr0 s\r\n`;
      const [a, b] = [await textExchange(r.port, script, 20_000), await textExchange(o.port, script, 20_000)];
      expect(b.reply.toString('latin1')).toBe(a.reply.toString('latin1'));
      expect(a.reply.toString('latin1')).toBe('STORED\r\nSTORED\r\nSERVER_ERROR Out of memory during read\r\nEN\r\nHD s1048476\r\nMN\r\n');
      const packets = [packet({ opcode: 0x01, key: 'fr3', extras: setExtras(0, 0), value: big(150), opaque: 7 })];
      const [c, d] = [await binaryExchange(r.port, packets), await binaryExchange(o.port, packets)];
      expect(describePackets(d.packets, d.closed)).toEqual(describePackets(c.packets, c.closed));
      const names = /^STAT (cmd_set|store_no_memory|curr_items) /;
      expect(await statsOf(o, 'stats\r\n', names)).toEqual(await statsOf(r, 'stats\r\n', names));
    } finally {
      await Promise.all([r.close(), o.close()]);
    }
  });

  // Without slab_reassign memcached starts no rebalancer: automove 2's page per eviction never moves a page,
  // so a fill of another size evicts its own class and the large items stay (seed 252).
  it('automove 2 with no_slab_reassign moves no pages', async () => {
    const c: OptionsCase = { args: ['-m', '8', '-I', '2m', '-o', 'slab_automove=2,no_slab_reassign'], lengths: [2097034, 2097072, 2097060] };
    for (let i = 0; i < 126; i++) c.lengths.push(100000);
    const [r, o] = await started(c.args);
    try {
      const [a, b] = [await runOptionsCase(r.port, c), await runOptionsCase(o.port, c)];
      expect(b).toBe(a);
      expect(a).toContain('\r\nHD s2097072\r\nHD s2097060\r\n');
      expect(a.match(/^HD s100000\r$/gm)!.length).toBeLessThan(126);
    } finally {
      await Promise.all([r.close(), o.close()]);
    }
  });

  // Found by the admin family under start options: without the maintainer thread `lru mode` and `lru
  // temp_ttl` are refused; under -C `stats sizes_enable` answers an error (the histogram needs CAS).
  it('no_lru_maintainer refuses lru mode and temp_ttl; -C refuses sizes_enable', async () => {
    const [r, o] = await started(['-C', '-o', 'no_lru_maintainer']);
    try {
      const steps = ['lru mode flat\r\n', 'lru temp_ttl 0\r\n', 'lru temp_ttl x\r\n', 'lru tune 10 20 0.1 2\r\n', 'stats sizes_enable\r\n',
        'stats sizes\r\n', 'stats sizes_disable\r\n', 'stats settings\r\n'];
      const a = await runAdmin(r.port, steps);
      expect(await runAdmin(o.port, steps)).toBe(a);
      expect(a).toContain('STAT sizes_error cas_support_disabled');
      const packets = [packet({ opcode: 0x10, key: 'sizes_enable', opaque: 1 }), packet({ opcode: 0x0a, opaque: 2 })];
      const [c, d] = [await binaryExchange(r.port, packets), await binaryExchange(o.port, packets)];
      expect(describePackets(d.packets, d.closed)).toEqual(describePackets(c.packets, c.closed));
    } finally {
      await Promise.all([r.close(), o.close()]);
    }
  });

  it('hashpower and tail_repair_time: checked at start-up as memcached checks them', () => {
    for (const sub of ['hashpower=11', 'hashpower=33', 'hashpower=x', 'tail_repair_time=0', 'tail_repair_time=9']) {
      const real = spawnSync(REAL_MEMCACHED, ['-p', '0', '-U', '0', '-u', 'root', '-o', sub], { encoding: 'latin1', timeout: 10_000 });
      let ours = { status: 0, stderr: '' };
      try {
        parseMemcachedArgs(['-o', sub]);
      } catch (err) {
        ours = { status: (err as UsageError).exitCode, stderr: (err as UsageError).message + '\n' };
      }
      expect({ sub, ...ours }).toEqual({ sub, status: real.status, stderr: real.stderr });
    }
    expect(parseMemcachedArgs(['-o', 'tail_repair_time=10,hashpower=20,no_hashexpand']).options.settings).toMatchObject({
      tailRepairTime: 10, hashpowerInit: 20, hashExpand: false,
    });
  });
});


// What the admin family (fuzz-admin.ts) found: operator commands on one connection, settings carried from
// one to the next, so each case starts its own pair.
describe.skipIf(!available)('admin findings', () => {
  const pair = () => Promise.all([startReal(), startOurs({ version: '1.6.18' })]);

  // lru tune's factors and the automove ratio are read by strtod (inf, nan, hex floats, whitespace; ERANGE
  // refused) and shown with printf's %.2f (inf, nan, whole digits, ties to even).
  it('lru tune and automove ratio read and shown as strtod and printf do', async () => {
    const [r, o] = await pair();
    try {
      const steps = ['lru tune 10 20 inf 2\r\n', 'slabs automove ratio nan(x)\r\n', 'stats settings\r\n', 'lru tune 10 20 0x1p-2 2\r\n',
        'lru tune 10 20 1e-400 2\r\n', 'lru tune 10 20 1e400 2\r\n', 'slabs automove ratio 1e-310\r\n', 'lru tune 10 20 0.125 0.625\r\n',
        'slabs automove ratio -0\r\n', 'stats settings\r\n', 'lru tune 10 20 1e22 0X.8P1\r\n', 'slabs automove ratio \t-0.375\t\r\n',
        'lru tune 10 20 INFINITY 0x\r\n', 'lru tune 10 20 1e 2\r\n', 'stats settings\r\n'];
      expect(await runAdmin(o.port, steps)).toBe(await runAdmin(r.port, steps));
    } finally {
      await Promise.all([r.close(), o.close()]);
    }
  });

  // memcached's `lru_crawler disable` stops a crawler thread only when one runs and answers OK either way.
  it('lru_crawler disable when the crawler is already off', async () => {
    const [r, o] = await pair();
    try {
      const steps = ['lru_crawler disable\r\n', 'lru_crawler disable\r\n', 'stats settings\r\n', 'lru_crawler crawl all\r\n'];
      const a = await runAdmin(r.port, steps);
      expect(await runAdmin(o.port, steps)).toBe(a);
      expect(a.split('\r\n').filter((l) => l === 'OK')).toHaveLength(2);
    } finally {
      await Promise.all([r.close(), o.close()]);
    }
  });
});
