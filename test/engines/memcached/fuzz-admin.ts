// The fuzzer's admin family: one server pair per seed, one connection, a long run of operator commands that
// change settings at run time (lru tune/mode/temp_ttl, lru_crawler sleep/tocrawl/enable/disable, slabs
// automove and ratio, cache_memlimit, verbosity, stats detail, stats sizes_enable), page moves asked for with
// `slabs reassign`, crawls, stores of every slab size (chunked ones too), and what the operator reads back:
// `stats`, `stats settings`, `stats slabs`, `stats items`, `stats sizes`, `stats detail dump`, `lru_crawler
// metadump`. Settings carry over from one step to the next, so each seed starts both servers afresh.
import { Connection } from './fuzz-multi.ts';
import { masked } from './fuzz-options.ts';
import { exchange, normalize } from './helpers.ts';
import { int, pick } from './random.ts';

// Every slab class from the smallest to chunked items past slab_chunk_max (512 KiB).
const LENGTHS = [0, 1, 5, 50, 100, 300, 1000, 3000, 10000, 50000, 200000, 700000];

function key(r: () => number): string {
  return `${pick(r, ['a', 'b', 'c'])}:${int(r, 0, 7)}`;
}

function store(r: () => number): string {
  const k = key(r);
  const n = pick(r, LENGTHS);
  const v = String.fromCharCode(97 + int(r, 0, 25)).repeat(n);
  // Never an expiry the two clocks could read apart, nor one already past: such an item is stored expired,
  // and when memcached's maintainer thread reclaims it from a tail is its thread's timing.
  // 60 goes to the TEMP LRU under temp_ttl 61 or 100; a seed's run takes well under a minute.
  const ttl = pick(r, ['0', '0', '1000', '60']);
  return pick(r, [`set ${k} ${int(r, 0, 9)} ${ttl} ${n}\r\n${v}\r\n`, `ms ${k} ${n} T${ttl} F3\r\n${v}\r\n`,
    `add ${k} 0 ${ttl} ${n}\r\n${v}\r\n`, `append ${k} 0 0 ${n}\r\n${v}\r\n`]);
}

function access(r: () => number): string {
  const k = key(r);
  return pick(r, [`get ${k} ${key(r)}\r\n`, `mg ${k} s f t\r\n`, `delete ${k}\r\n`, `touch ${k} 1000\r\n`, `incr ${k} 1\r\n`,
    `gat 0 ${k}\r\n`, `md ${k} q\r\n`, `mg ${key(r)} s k\r\n`]);
}

function setting(r: () => number): string {
  return pick(r, [
    `lru tune ${pick(r, ['10', '20', '50', '0', '81', 'x'])} ${pick(r, ['20', '40', '60', '1'])} ${pick(r, ['0.1', '0', '1.5'])} ${pick(r, ['2', '0.5', '10'])}\r\n`,
    `lru mode ${pick(r, ['flat', 'segmented', 'x'])}\r\n`,
    `lru temp_ttl ${pick(r, ['0', '61', '-1', '100', 'x'])}\r\n`,
    // (Not up to its 1 s limit: a hash metadump then takes memcached 65 sleeps, one per 1001 buckets, and ours
    // none; the dump is the same when it comes.)
    `lru_crawler sleep ${pick(r, ['0', '100', '10000', '1000001', 'x'])}\r\n`,
    `lru_crawler tocrawl ${pick(r, ['0', '1', '5', '-1', 'x'])}\r\n`,
    `lru_crawler ${pick(r, ['enable', 'disable'])}\r\n`,
    `slabs automove ${pick(r, ['0', '1', '2', '3'])}\r\n`,
    `slabs automove ratio ${pick(r, ['0.5', '0.8', '0', '1.5', 'x'])}\r\n`,
    `cache_memlimit ${pick(r, ['64', '100', '2000', '0', 'x'])}\r\n`,
    `verbosity ${pick(r, ['0', '1', '2'])}\r\n`,
    `stats detail ${pick(r, ['on', 'off', 'dump'])}\r\n`,
    `stats ${pick(r, ['sizes_enable', 'sizes_disable', 'reset'])}\r\n`,
  ]);
}

function observe(r: () => number): string {
  return pick(r, ['stats\r\n', 'stats settings\r\n', 'stats slabs\r\n', 'stats items\r\n', 'stats sizes\r\n', 'stats detail dump\r\n',
    `lru_crawler metadump ${pick(r, ['all', '1', '1,5,9', 'hash', '39'])}\r\n`,
    `lru_crawler crawl ${pick(r, ['all', '1', '2,3', '99'])}\r\n`,
    `slabs reassign ${pick(r, ['1', '5', '9', '12', '15', '20', '-1'])} ${pick(r, ['0', '2', '5', '9', '15', '30'])}\r\n`]);
}

export function adminSteps(r: () => number, length: number): string[] {
  return Array.from({ length }, () => {
    const x = r();
    return x < 0.35 ? store(r) : x < 0.55 ? access(r) : x < 0.75 ? setting(r) : observe(r);
  });
}

const BUSY = 'BUSY currently processing crawler request';

// memcached hands a metadump's connection to its crawler thread and reads nothing pipelined behind it, so a
// dump goes on a connection of its own and ends at its last line.
async function metadump(port: number, command: string): Promise<string> {
  const done = (b: Buffer) => /(END|BUSY[^\r]*|CLIENT_ERROR[^\r]*|ERROR[^\r]*)\r\n$/.test(b.toString('latin1'));
  const reply = (await exchange(port, command, done, 3000)).reply.toString('latin1');
  // The crawl walks HOT, WARM and COLD as memcached's maintainer thread has split them: order is timing.
  // Its lines end in a bare newline; times and CAS numbers are each server's own.
  const lines = reply.split('\n');
  const items = lines.filter((l) => l.startsWith('key=')).map((l) => l.replace(/ la=\d+/, ' la=?').replace(/ cas=\d+/, ' cas=?'));
  const exp = (l: string) => l.replace(/ exp=(\d+)/, ' exp=?');
  return [...items.map(exp).sort(), ...lines.filter((l) => !l.startsWith('key='))].join('\n');
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A crawl or dump asked for while one runs answers BUSY: both servers are asked until theirs has finished. */
async function untilIdle(ask: () => Promise<string>): Promise<string> {
  let reply = await ask();
  for (let i = 0; i < 30 && reply.includes(BUSY); i++) {
    await settle(100);
    reply = await ask();
  }
  return reply;
}

/**
 * An item memcached's maintainer thread moves between HOT, WARM and COLD while the crawler walks them is
 * missed by that dump: the lines of two dumps in a row (nothing changes between them) are taken together.
 */
async function dumpedItems(port: number, command: string): Promise<string> {
  const dumps = [];
  for (let i = 0; i < 2; i++) dumps.push(await untilIdle(() => metadump(port, command)));
  if (dumps.some((d) => !d.endsWith('END\r\n'))) return dumps[0]!;
  const items = new Set(dumps.flatMap((d) => d.split('\n').filter((l) => l.startsWith('key='))));
  return [...[...items].sort(), 'END\r\n'].join('\n');
}

const slabsMoved = async (conn: Connection) => Number(/STAT slabs_moved (\d+)\r/.exec(await conn.send('stats\r\n'))?.[1] ?? -1);

/**
 * A page move is carried out by memcached's rebalancer thread after `OK` (until its thread has started it,
 * slab_reassign_running is still 0 and another request is BUSY): wait until slabs_moved counts it.
 */
async function untilMoved(conn: Connection, before: number): Promise<void> {
  for (let i = 0; i < 60 && (await slabsMoved(conn)) <= before; i++) await settle(50);
}

// Gauges of a crawl still running or of the maintainer's thread (masked in `stats` by `masked` already).
const MORE_RUNTIME = /^STAT (lru_crawler_running|get_flushed|slab_global_page_pool) /;

/** The transcript one server gives for the steps. */
export async function runAdmin(port: number, steps: string[]): Promise<string> {
  const conn = await Connection.open(port);
  const out: string[] = [];
  try {
    let fetched = false;
    for (const command of steps) {
      // A second fetch of an item in COLD queues its move to WARM for memcached's maintainer thread, which
      // holds a reference until it wakes (within a second when idle): meanwhile a crawl skips the item and
      // a delete or replacement leaves its chunk in use. Before reading either, that second passes, and before
      // `lru mode`: the thread drains its queued bumps only while the LRU is segmented, so a bump queued just
      // before a switch to flat would hold its item until the LRU is segmented again.
      if (fetched && /^(lru_crawler metadump|stats slabs|lru mode)/.test(command)) {
        await settle(1100);
        fetched = false;
      }
      if (/^(get|gat|mg|touch) /.test(command)) fetched = true;
      let reply: string;
      if (command.startsWith('lru_crawler metadump')) reply = await dumpedItems(port, command);
      else if (command.startsWith('lru_crawler crawl')) reply = await untilIdle(() => conn.send(command));
      else if (command.startsWith('slabs reassign')) {
        const before = await slabsMoved(conn);
        reply = await conn.send(command);
        if (reply.startsWith('OK')) await untilMoved(conn, before);
      } else reply = await conn.send(command);
      // memcached's crawler thread stops after `OK`, in its own time: until then a crawl answers `ERROR an
      // unknown error happened` and an enable fails.
      if (command === 'lru_crawler disable\r\n') await settle(100);
      if (command.startsWith('stats')) {
        reply = masked(reply).split('\r\n').map((l) => (MORE_RUNTIME.test(l) ? l.replace(/ \S+$/, ' ?') : l)).join('\r\n');
      }
      out.push(`> ${JSON.stringify(command.length > 80 ? command.slice(0, 80) + '...' : command)}\r\n${reply}`);
    }
  } finally {
    conn.close();
  }
  return normalize(out.join('\r\n'));
}
