// The fuzzer's start-options family: a random memcached 1.6.18 command line (-m small enough to evict, -I,
// -f, -n, -C, -M, -R, -t and -o options the engine accepts) starts both servers; then `stats settings`,
// the names `stats`, `stats items` and `stats slabs` print, values near the item size limit and a fill
// past memory (which keys a client still finds) are compared.
import { int, pick } from './random.ts';
import { normalize, textExchange } from './helpers.ts';

export interface OptionsCase {
  args: string[];
  /** Value lengths to store, in order, each under its own key. */
  lengths: number[];
}

// (Below 512k memcached wants a smaller slab_chunk_max too.)
const SIZES: Record<string, number> = { '512k': 524288, '1m': 1048576, '2m': 2097152, '4m': 4194304 };

export function optionsCase(r: () => number): OptionsCase {
  const megabytes = pick(r, [2, 3, 4, 8, 64]);
  // memcached refuses an item size limit past half its memory.
  const itemMax = pick(r, Object.keys(SIZES).filter((k) => SIZES[k]! <= (megabytes * 1048576) / 2));
  const args = ['-m', String(megabytes), '-I', itemMax];
  if (r() < 0.3) args.push('-f', pick(r, ['1.05', '1.5', '2']));
  if (r() < 0.3) args.push('-n', pick(r, ['16', '64', '96']));
  if (r() < 0.2) args.push('-C');
  if (r() < 0.2) args.push('-M');
  if (r() < 0.2) args.push('-R', pick(r, ['1', '5']));
  if (r() < 0.2) args.push('-c', pick(r, ['50', '4096']));
  const o: string[] = [];
  if (r() < 0.3) o.push(pick(r, ['no_lru_crawler', 'lru_crawler']));
  if (r() < 0.3) o.push(pick(r, ['hash_algorithm=murmur3', 'hash_algorithm=jenkins']));
  if (r() < 0.3) o.push(`slab_automove=${int(r, 0, 2)}`);
  if (r() < 0.2) o.push('no_slab_reassign');
  if (r() < 0.2) o.push(`hot_lru_pct=${pick(r, [10, 20, 40])}`, `warm_lru_pct=${pick(r, [20, 40])}`);
  if (r() < 0.2) o.push(`temporary_ttl=${pick(r, [0, 61])}`);
  if (r() < 0.2) o.push('track_sizes');
  if (r() < 0.2) o.push(`idle_timeout=${pick(r, [0, 100])}`);
  if (r() < 0.2) o.push(`tail_repair_time=${pick(r, [10, 1000])}`);
  // (Not worker_logbuf_size: 1.6.18 lets it fall through into slab_sizes, which the engine does not take.)
  if (r() < 0.2) o.push(`watcher_logbuf_size=${pick(r, [64, 512])}`);
  if (r() < 0.2) o.push(`lru_crawler_tocrawl=${pick(r, [0, 100])}`);
  if (r() < 0.2) o.push(`hashpower=${pick(r, [12, 16])}`);
  if (o.length) args.push('-o', o.join(','));
  const max = SIZES[itemMax]!;
  const lengths: number[] = [];
  // Around the item size limit (the item header, key and suffix take the difference) ...
  for (let i = 0; i < 6; i++) lengths.push(max - int(r, 0, 120));
  lengths.push(max + 1);
  // ... then a fill of one size past the memory limit, so the oldest go.
  const fill = pick(r, [1000, 20000, 100000]);
  const count = Math.min(400, Math.ceil((Number(args[1]) * 1.5 * 1048576) / fill));
  for (let i = 0; i < count; i++) lengths.push(fill);
  return { args, lengths };
}

// Runtime values: ports, times, process, connections, memory the process itself holds; conn_yields (how the
// requests arrive, read by read) and the LRU maintainer's moves between HOT, WARM and COLD (its thread's timing).
const RUNTIME = /^STAT (?:items:|)(?:\d+:|)(pid|uptime|time|version|libevent|pointer_size|rusage_\w+|tcpport|udpport|curr_connections|total_connections|connection_structures|bytes_read|bytes_written|max_connections|reserved_fds|log_\w+|lru_crawler_starts|conn_yields|lru_maintainer_juggles|time_in_listen_disabled_us|\w+_us|response_obj_\w+|read_buf_\w+|round_robin_fallback|unexpected_napi_ids|malloc_fails|slab_reassign_\w+|slabs_moved|lru_bumps_dropped|hash_bytes|total_malloced|crawler_\w+|moves_\w+|evicted_active|evicted_time|age\w*|lrutail_reflocked|direct_reclaims|hits_to_\w+|number_(?:hot|warm|cold|temp)) /;

export function masked(stats: string): string {
  return stats.split('\r\n').map((l) => (RUNTIME.test(l) ? l.replace(/ \S+$/, ' ?') : l)).join('\r\n');
}

/** What a client of one server sees for one case. */
export async function runOptionsCase(port: number, c: OptionsCase): Promise<string> {
  const out: string[] = [];
  const ask = async (script: string) => normalize((await textExchange(port, script, 10_000)).reply.toString('latin1'));
  out.push(masked(await ask('stats settings\r\n')));
  const stored: string[] = [];
  // One connection per few values: a 2 MB value in a script of hundreds would outgrow one exchange's wait.
  for (let i = 0; i < c.lengths.length; i += 20) {
    const part = c.lengths.slice(i, i + 20).map((n, j) => `ms v${i + j} ${n} q\r\n${'x'.repeat(n)}\r\n`).join('');
    stored.push(await ask(part));
  }
  out.push(stored.join(''));
  // Which keys survive the fill: flags only, no values.
  out.push(await ask(c.lengths.map((_, i) => `mg v${i} s\r\n`).join('')));
  out.push(masked(await ask('stats\r\n')), masked(await ask('stats slabs\r\n')), masked(await ask('stats items\r\n')));
  return out.join('\r\n====\r\n');
}
