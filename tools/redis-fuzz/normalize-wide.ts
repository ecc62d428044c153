// Normalisers for the replies of families-wide.ts: introspection that mixes what must match (INFO's
// field names and counters, DEBUG OBJECT's encoding and sizes) with what two correct servers answer
// their own way (addresses, clocks, allocator figures, random passwords).
import type { Frame } from './reply.ts';

const token = (text: string): Frame => ({ type: '+', text });

// INFO fields whose values two correct servers share after the same commands from a reset.
const INFO_VALUES = new Set(['redis_version', 'redis_mode', 'arch_bits', 'maxmemory_policy', 'loading', 'async_loading', 'aof_enabled', 'rdb_bgsave_in_progress', 'aof_rewrite_in_progress', 'expired_keys', 'evicted_keys', 'evicted_clients', 'keyspace_hits', 'keyspace_misses', 'pubsub_channels', 'pubsub_patterns', 'pubsubshard_channels', 'tracking_total_keys', 'tracking_total_items', 'tracking_total_prefixes', 'total_error_replies', 'unexpected_error_replies', 'dump_payload_sanitizations', 'role', 'connected_slaves', 'master_failover_state', 'repl_backlog_active', 'cluster_enabled', 'tracking_clients', 'blocked_clients', 'maxmemory']);
// Not lazyfree_pending_objects: redis-server's lazyfree thread frees a FLUSHALL ASYNC's or UNLINK's
// objects at its own pace, so INFO read right after may still count some (5 on it, 0 here: seed 70056).
// The harness's own polling (CLIENT LIST while a client blocks) runs a number of times of each server's;
// a SCAN walked to its end (and the sweep before RANDOMKEY) takes as many calls as each table needs.
const HARNESS = /^(cmdstat_|latency_percentiles_usec_)(client\|list|[hsz]?scan)$/;

/** One INFO text: field names in order, the values above, per-command counts without times; dict-ordered sections sorted. */
export function infoText(text: string): string {
  const out: string[] = [];
  let dictRun: string[] = [];
  const flush = (): void => {
    out.push(...dictRun.sort());
    dictRun = [];
  };
  for (const raw of text.split('\r\n')) {
    const i = raw.indexOf(':');
    const name = i < 0 ? raw : raw.slice(0, i);
    const v = i < 0 ? '' : raw.slice(i + 1);
    if (HARNESS.test(name)) continue;
    if (/^(cmdstat_|errorstat_|latency_percentiles_usec_)/.test(name)) {
      dictRun.push(name.startsWith('cmdstat_') ? `${name}:${v.replace(/usec=\d+,usec_per_call=[\d.]+,/, '')}` : name.startsWith('errorstat_') ? raw : name);
      continue;
    }
    flush();
    if (i < 0) out.push(raw);
    else if (/^db\d+$/.test(name)) out.push(`${name}:${v.replace(/avg_ttl=\d+/, 'avg_ttl=*')}`);
    else out.push(INFO_VALUES.has(name) ? raw : `${name}:*`);
  }
  flush();
  return out.join('\r\n');
}

/** DEBUG OBJECT: the object's address and LRU clock are the process's own. */
export function debugObject(text: string): string {
  return text.replace(/^Value at:0x[0-9a-f]+/, 'Value at:*').replace(/ lru:\d+ lru_seconds_idle:\d+/, ' lru:* lru_seconds_idle:*');
}

/**
 * MEMORY USAGE: allocator figures agree only roughly (streams, skiplists, sparse HyperLogLogs and
 * tables mid-rehash are estimates here); compared as a size class, a power of two.
 */
export function memoryRange(n: number): string {
  return n <= 0 ? String(n) : `~2^${Math.round(Math.log2(n))}`;
}

/** How session.ts shows a skiplist's MEMORY USAGE figure whole, for skiplistAgrees. */
export const SKIPLIST_MEMORY = '~skiplist:';

/**
 * A skiplist's MEMORY USAGE on both servers: ours sizes the sampled nodes at level 1, redis-server at
 * the levels it drew, so its figure is ours or more; a sample of five nodes above twice ours is
 * rarer than one in ten thousand (it takes a node of level 7). Ours may also be a table above
 * redis-server's while a rehash runs (its end is estimated; dict-size.ts): 15% below is let by.
 */
export function skiplistAgrees(ours: number, real: number): boolean {
  return real >= ours * 0.85 && real <= ours * 2;
}

/** Names of a flat name/value array or RESP3 map, without their values (MEMORY STATS). */
export function namesOnly(f: Frame): Frame {
  if (!f.items) return f;
  return { ...f, items: f.items.filter((_, i) => i % 2 === 0) };
}

/** ACL LOG entries: their age and the client's address, id and clocks. */
export function aclLog(f: Frame): Frame {
  if (!f.items) return f;
  return {
    ...f,
    items: f.items.map((e) => {
      if (!e.items) return e;
      const items = e.items.slice();
      for (let i = 0; i + 1 < items.length; i += 2) {
        const k = items[i]?.text;
        if (k === 'age-seconds' || k === 'timestamp-created' || k === 'timestamp-last-updated' || k === 'entry-id') items[i + 1] = token('*');
        if (k === 'client-info' && items[i + 1]?.text) items[i + 1] = { ...(items[i + 1] as Frame), text: clientInfoShape(items[i + 1]?.text as string) };
      }
      return { ...e, items };
    }),
  };
}

function clientInfoShape(line: string): string {
  return line
    .split(' ')
    // A tracking redirect is a client id, which each server numbers its own way (-1 and 0 say none, seed 72500).
    .map((kv) => (/^(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|obl|oll|omem|tot-mem|rbs|rbp|events)=/.test(kv) || /^redir=[1-9]/.test(kv) ? kv.replace(/=.*/, '=*') : kv))
    .join(' ');
}

/** LATENCY HISTOGRAM: each command's calls; the buckets hang on the machine's speed. */
export function latencyHistogram(f: Frame): Frame {
  if (!f.items) return f;
  const pairs: string[] = [];
  for (let i = 0; i + 1 < f.items.length; i += 2) {
    const name = f.items[i]?.text ?? '';
    if (/^(client\|list|[hsz]?scan)$/.test(name)) continue;
    const v = f.items[i + 1]?.items ?? [];
    pairs.push(`${name} calls=${v[1]?.text ?? '?'}`);
  }
  return token(pairs.sort().join(', '));
}

/** XINFO STREAM FULL: delivery times in the group's and each consumer's PEL ([id, (consumer,) time, count]). */
export function streamFullTimes(f: Frame): Frame {
  if (!f.items) return f;
  const items = f.items.map(streamFullTimes);
  const big = (x: Frame | undefined): boolean => x?.type === ':' && Number(x.text) > 1e12;
  if ((items.length === 3 && big(items[1])) || (items.length === 4 && big(items[2]))) {
    const at = items.length === 3 ? 1 : 2;
    items[at] = token('<delivery time>');
  }
  return { ...f, items };
}
