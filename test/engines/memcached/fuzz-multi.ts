// The fuzzer's multi-connection family: steps sent one at a time, each on one of a few connections held
// open for the whole batch, so what one client does is seen by another (cas races, gets on one and cas on
// another, meta win/stale/recache tokens, flush_all with a delay) and the counters of `stats` move with it.
// Keys carry the batch's own prefix: a delayed flush can bring back items earlier batches flushed, and
// those must not be seen here.
import net from 'node:net';
import { normalize, normalizeLoose } from './helpers.ts';
import { int, pick } from './random.ts';

export const CONNECTIONS = 3;

export interface MultiStep {
  conn: number;
  key: string;
  /** The command; `$CAS` stands for the last CAS this connection saw for `key` (999999 when none). */
  command: string;
}

// No arithmetic result shorter than its value (a wrap past 2^64-1): memcached then rewrites in place or not
// depending on references its background threads hold (see meta-generator.ts).
const VALUES = ['', '1', '42', 'abc', 'hello world', '18446744073709551000'];
const TTLS = ['0', '100', '1000'];

function step(r: () => number, prefix: string, delayedFlush: boolean): MultiStep {
  const key = prefix + pick(r, ['a', 'b', 'c']);
  const value = pick(r, VALUES);
  const command = pick(r, [
    `set ${key} 0 ${pick(r, TTLS)} ${value.length}\r\n${value}\r\n`,
    `add ${key} 3 0 ${value.length}\r\n${value}\r\n`,
    `append ${key} 0 0 ${value.length}\r\n${value}\r\n`,
    `cas ${key} 7 0 ${value.length} $CAS\r\n${value}\r\n`,
    `cas ${key} 7 0 ${value.length} $CAS noreply\r\n${value}\r\n`,
    `gets ${key}\r\n`,
    `gets ${key} ${prefix}a ${prefix}b\r\n`,
    `get ${key}\r\n`,
    `gat 100 ${key}\r\n`,
    `incr ${key} ${pick(r, ['1', '7'])}\r\n`,
    `delete ${key}\r\n`,
    `touch ${key} 1000\r\n`,
    // Win, recache and stale tokens: R200 with TTLs of 100 or 0 (never) decides the same way on both clocks.
    `mg ${key} ${pick(r, ['v c', 'c t', 'N30 c v', 'N30 s', 'R200 c v t', 'R200 v', 'c v q', 'k O5 c', 'h l c'])}\r\n`,
    `ms ${key} ${value.length} ${pick(r, ['', 'C$CAS', 'C$CAS I', 'I', 'T100', 'MA', 'MP C$CAS', 'ME', 'c'])}\r\n${value}\r\n`,
    `md ${key}${pick(r, ['', ' I T30', ' C$CAS', ' I', ' q', ' C$CAS I'])}\r\n`,
    `ma ${key}${pick(r, ['', ' v', ' N0 J5 v', ' C$CAS v', ' MD v', ' D3 c'])}\r\n`,
    `me ${key}\r\n`,
    delayedFlush ? pick(r, ['flush_all 100\r\n', 'flush_all 1000 noreply\r\n']) : pick(r, ['flush_all\r\n', 'flush_all 0 noreply\r\n']),
    // Admin commands, good and bad, that leave the server as the defaults have it for the batches after.
    pick(r, ['verbosity 1\r\n', 'verbosity 0 noreply\r\n', 'verbosity\r\n', 'slabs automove 1\r\n', 'slabs automove 3\r\n',
      'slabs automove\r\n', 'cache_memlimit 64\r\n', 'cache_memlimit 64 noreply\r\n', 'cache_memlimit x\r\n', 'cache_memlimit 0\r\n',
      'lru_crawler tocrawl 0\r\n', 'lru_crawler sleep 100\r\n', 'lru_crawler bogus\r\n', 'lru mode segmented\r\n', 'lru tune 20 40 0.1 2\r\n',
      'lru temp_ttl 61\r\n', 'slabs reassign 1 2\r\n', 'stats detail on\r\n', 'stats detail off\r\n', 'version\r\n']),
  ]);
  return { conn: int(r, 0, CONNECTIONS - 1), key, command };
}

// A batch flushes either at once or with a delay, never both: a delayed flush lifts an earlier immediate
// one from the items memcached's LRU maintainer has not reclaimed yet, and when it does is a race.
export function multiBatch(r: () => number, prefix: string, length: number): MultiStep[] {
  const delayedFlush = r() < 0.5;
  return Array.from({ length }, () => step(r, prefix, delayedFlush));
}

/** A reply is whole once the `mn` sent after its command is answered. */
export class Connection {
  private buffer = '';
  private waiting: ((reply: string) => void) | null = null;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (c: Buffer) => {
      this.buffer += c.toString('latin1');
      if (this.waiting && this.buffer.endsWith('MN\r\n')) this.settle(this.buffer.slice(0, -4));
    });
    socket.on('close', () => this.settle(this.buffer + '<closed>'));
    socket.on('error', () => {});
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new Connection(s)));
      s.once('error', reject);
    });
  }

  private settle(reply: string): void {
    const w = this.waiting;
    this.waiting = null;
    this.buffer = '';
    w?.(reply);
  }

  send(command: string, timeoutMs = 5000): Promise<string> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(this.buffer + '<timeout>'), timeoutMs);
      this.waiting = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.socket.write(command + 'mn\r\n', 'latin1');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

// Counters that only the batch's commands move; time, rusage, memory and connection gauges do not belong,
// nor get_flushed: whether a command or memcached's LRU maintainer meets a flushed item first is a race.
const COUNTED = ['cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'cmd_meta', 'get_hits', 'get_misses', 'get_expired',
  'delete_misses', 'delete_hits', 'incr_misses', 'incr_hits', 'decr_misses', 'decr_hits', 'cas_misses',
  'cas_hits', 'cas_badval', 'touch_hits', 'touch_misses', 'store_too_large', 'store_no_memory', 'total_items',
  'bytes_read', 'total_connections', 'evictions'];

async function counters(port: number): Promise<Map<string, bigint>> {
  const c = await Connection.open(port);
  const text = await c.send('stats\r\n');
  c.close();
  return new Map([...text.matchAll(/^STAT (\S+) (\d+)\r$/gm)].map((m) => [m[1]!, BigInt(m[2]!)]));
}

/** Runs the steps on one server: each reply tagged with its connection, then what `stats` counted. */
export async function runMulti(port: number, steps: MultiStep[]): Promise<string> {
  const before = await counters(port);
  const conns = await Promise.all(Array.from({ length: CONNECTIONS }, () => Connection.open(port)));
  const seen = new Map<string, string>();
  const out: string[] = [];
  // CAS numbers differ in length between the servers: bytes_read is counted as if each were the template's.
  let substituted = 0;
  try {
    for (const s of steps) {
      const command = s.command.replace('$CAS', seen.get(`${s.conn}:${s.key}`) ?? '999999');
      substituted += command.length - s.command.length;
      const reply = await conns[s.conn]!.send(command);
      for (const m of reply.matchAll(/^VALUE (\S+) \d+ \d+ (\d+)\r$/gm)) seen.set(`${s.conn}:${m[1]}`, m[2]!);
      const meta = /^(?:VA|HD|EN|NF|NS|EX)\b[^\r]* c(\d+)/.exec(reply);
      if (meta) seen.set(`${s.conn}:${s.key}`, meta[1]!);
      out.push(`[${s.conn}] ${JSON.stringify(s.command)}\r\n${reply}`);
    }
  } finally {
    for (const c of conns) c.close();
  }
  const after = await counters(port);
  // An incr/decr rewrites its item in place only while no background thread holds a reference to it, else it
  // links a new one: total_items then depends on memcached's crawler and maintainer.
  const arithmetic = steps.some((s) => /^(incr|decr|ma) /.test(s.command));
  const counted = arithmetic ? COUNTED.filter((name) => name !== 'total_items') : COUNTED;
  const moved = counted.map((name) => {
    const delta = (after.get(name) ?? -1n) - (before.get(name) ?? -1n);
    return `${name} +${name === 'bytes_read' ? delta - BigInt(substituted) : delta}`;
  });
  // A future flush must not reach items of the batches after this one: flush now, which replaces it.
  const reset = await Connection.open(port);
  await reset.send('flush_all\r\n');
  reset.close();
  // ... and the item an incr replaced is a new one, not fetched, not hit: me's fetch= and mg's h flag too. Nor
  // is it stale, so after an invalidation (md/ms I) mg's X, W and Z flags depend on the same race (seed 330094).
  if (!arithmetic) return normalize(out.join('') + moved.join('\r\n'));
  const invalidated = steps.some((s) => /^(md|ms) \S+ [^\r]*\bI\b/.test(s.command));
  const loose = normalizeLoose(out.join('') + moved.join('\r\n'));
  return invalidated ? loose.replace(/^(HD|VA \d+)( [^\r\n]*)(?=\r?$)/gm, (_, head: string, flags: string) => head + flags.replace(/ [XWZ](?= |$)/g, '')) : loose;
}
