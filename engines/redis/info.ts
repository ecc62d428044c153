// INFO text, section by section, with Redis's field names.
import os from 'node:os';
import { backgroundInfo } from './background-save.ts';
import { dumpStats } from './dump-file.ts';
import { shutdownInMs } from './shutdown.ts';
import { ownExpiresTracked } from './replica-expires.ts';
import { goodReplicas } from './dispatch.ts';
import { BASELINE_MEMORY, type Engine } from './engine.ts';
import { asRedis70 } from './info-layout.ts';
import { sanitizations } from './payload-sanitize.ts';
import { backlogMemory, backlogOf, backlogSize, backlogSpan, streamOffsetOf } from './repl-backlog.ts';
import { replId2Of, replIdOf } from './repl-id.ts';
import { scriptingMemoryFields } from './scripting/memory.ts';

type Section = (e: Engine) => [string, string | number][];

function humanBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)}K`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(2)}M`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)}G`;
}

const sections: Record<string, Section> = {
  server: (e) => {
    const up = Math.floor((e.clock.now() - e.startedAt) / 1000);
    // Valkey keeps redis_version at the Redis OSS release it stays compatible with and reports its own beside it.
    const identity: [string, string][] =
      e.serverName === 'valkey' ? [['redis_version', '7.2.4'], ['server_name', 'valkey'], ['valkey_version', e.version]] : [['redis_version', e.version]];
    return [
      ...identity,
      ['redis_git_sha1', '00000000'],
      ['redis_git_dirty', 0],
      ['redis_build_id', '0'],
      ['redis_mode', e.cluster === null ? 'standalone' : 'cluster'],
      ['os', `${os.type()} ${os.release()} ${os.arch()}`],
      ['arch_bits', 64],
      ['monotonic_clock', 'POSIX clock_gettime'],
      ['multiplexing_api', 'epoll'],
      ['atomicvar_api', 'c11-builtin'],
      ['gcc_version', '0.0.0'],
      ['process_id', process.pid],
      ['process_supervised', 'no'],
      ['run_id', e.runId],
      ['tcp_port', e.config.port],
      ['server_time_usec', e.clock.now() * 1000],
      ['uptime_in_seconds', up],
      ['uptime_in_days', Math.floor(up / 86400)],
      ['hz', e.config.hz],
      ['configured_hz', e.config.hz],
      ['lru_clock', Math.floor(e.clock.now() / 1000) & 0xffffff],
      ['executable', process.execPath],
      ['config_file', e.configFile ?? ''],
      ['io_threads_active', 0],
      // Only while a shutdown waits for replicas, as 7.0 shows it.
      ...(shutdownInMs(e) === null ? [] : [['shutdown_in_milliseconds', shutdownInMs(e) as number] as [string, number]]),
    ];
  },
  clients: (e) => {
    let pubsub = 0;
    let watching = 0;
    for (const c of e.clients.values()) {
      if (c.inPubSubContext) pubsub++;
      if (c.watched.size > 0) watching++;
    }
    return [
      // Replicas (SYNC clients) are not counted, as redis-server's clients minus slaves.
      ['connected_clients', e.clients.size - (e.feed?.size ?? 0)],
      ['cluster_connections', 0],
      ['maxclients', e.config.maxclients],
      ['client_recent_max_input_buffer', 0],
      ['client_recent_max_output_buffer', 0],
      ['blocked_clients', e.blockedClientCount],
      ['tracking_clients', e.tracking.clientsOn],
      ['pubsub_clients', pubsub],
      ['watching_clients', watching],
      ['clients_in_timeout_table', e.timeoutTable.size],
      ['total_watched_keys', e.ks.watchers.size],
      ['total_blocking_keys', e.ks.blockedOn.size],
    ];
  },
  memory: (e) => {
    const used = e.usedMemory();
    const rss = process.memoryUsage().rss;
    return [
      ['used_memory', used],
      ['used_memory_human', humanBytes(used)],
      ['used_memory_rss', rss],
      ['used_memory_rss_human', humanBytes(rss)],
      ['used_memory_peak', e.peakMemory],
      ['used_memory_peak_human', humanBytes(e.peakMemory)],
      ['used_memory_overhead', used - e.ks.usedMemory],
      ['used_memory_startup', BASELINE_MEMORY],
      ['used_memory_dataset', e.ks.usedMemory],
      ['total_system_memory', os.totalmem()],
      ['total_system_memory_human', humanBytes(os.totalmem())],
      ...scriptingMemoryFields(e.scripting, humanBytes),
      ['maxmemory', e.config.maxmemory],
      ['maxmemory_human', humanBytes(e.config.maxmemory)],
      ['maxmemory_policy', e.config.maxmemoryPolicy],
      ['mem_fragmentation_ratio', used > 0 ? (rss / used).toFixed(2) : '0.00'],
      // SYNC clients' output (nodes' replicas take no buffer here); no AOF buffer.
      ['mem_not_counted_for_evict', e.clientMemory.aside],
      // The backlog's blocks, and with the stream still unsent to the slowest replica the shared replication buffer.
      ['mem_replication_backlog', replBacklogMemory(e)],
      ['mem_total_replication_buffers', replBacklogMemory(e) + (e.feed?.unsentBytes() ?? 0)],
      ['mem_allocator', 'libc'],
      ['lazyfree_pending_objects', 0],
      ['lazyfreed_objects', e.ks.stats.lazyfreed],
    ];
  },
  persistence: (e) => [
    ['loading', e.loading === null ? 0 : 1],
    ['async_loading', 0],
    ['rdb_changes_since_last_save', e.ks.stats.dirty],
    ['rdb_bgsave_in_progress', backgroundInfo(e).rdb],
    ['rdb_last_save_time', Math.floor(e.lastSave / 1000)],
    ['rdb_last_bgsave_status', dumpStats(e).bgsaveOk ? 'ok' : 'err'],
    ['rdb_last_bgsave_time_sec', dumpStats(e).lastBgsaveSecs],
    ['rdb_current_bgsave_time_sec', backgroundInfo(e).rdbSecs],
    ['rdb_saves', dumpStats(e).saves],
    ['rdb_last_load_keys_expired', dumpStats(e).expiredKeys],
    ['rdb_last_load_keys_loaded', dumpStats(e).loadedKeys],
    ['aof_enabled', 0],
    ['aof_rewrite_in_progress', backgroundInfo(e).aof],
    ['aof_rewrite_scheduled', backgroundInfo(e).aofScheduled],
    ['aof_last_bgrewrite_status', 'ok'],
    ['aof_last_write_status', 'ok'],
  ],
  stats: (e) => {
    let channels = 0;
    for (const _ of e.pubsub.channels.keys()) channels++;
    return [
      ['total_connections_received', e.totalConnections],
      ['total_commands_processed', e.totalCommands],
      ['instantaneous_ops_per_sec', e.instantaneousOps],
      ['total_net_input_bytes', e.netInput],
      ['total_net_output_bytes', e.netOutput],
      ['rejected_connections', e.rejectedConnections],
      ['sync_full', e.syncFull],
      ['sync_partial_ok', e.syncPartialOk],
      ['sync_partial_err', e.syncPartialErrors],
      ['expired_keys', e.ks.stats.expired],
      ['evicted_keys', e.ks.stats.evicted],
      ['evicted_clients', e.evictedClients],
      ['keyspace_hits', e.ks.stats.hits],
      ['keyspace_misses', e.ks.stats.misses],
      ['pubsub_channels', channels],
      ['pubsub_patterns', e.pubsub.patterns.size],
      ['pubsubshard_channels', e.pubsub.shard.size],
      // Nodes never fork and MIGRATE is refused, so these stay at zero; tools and tests read them by name.
      ['latest_fork_usec', 0],
      ['total_forks', 0],
      ['migrate_cached_sockets', 0],
      ['slave_expires_tracked_keys', ownExpiresTracked(e)],
      ['tracking_total_keys', e.tracking.stats().keys],
      ['tracking_total_items', e.tracking.stats().items],
      ['tracking_total_prefixes', e.tracking.stats().prefixes],
      ['total_error_replies', e.totalErrors],
      ['dump_payload_sanitizations', sanitizations(e)],
      ['total_reads_processed', e.totalCommands],
      ['total_writes_processed', e.totalCommands],
    ];
  },
  replication: (e) => {
    const r = e.replication;
    if (r.primary !== null) {
      const [host, port] = splitAddress(r.primary.address);
      const link = r.linkView();
      // A replica of a server elsewhere keeps the stream it relays in a backlog (network-replica.ts); one in-process shows its count.
      const relayed = backlogOf(e);
      const [first, histlen] = relayed !== undefined ? backlogSpan(relayed) : [1, r.offset];
      return [
        ['role', 'slave'],
        ['master_host', host],
        ['master_port', port],
        ['master_link_status', link.up ? 'up' : 'down'],
        ['master_last_io_seconds_ago', link.lastIoSeconds],
        ['master_sync_in_progress', r.primary.remote?.syncing() === true ? 1 : 0],
        ['slave_read_repl_offset', r.offset],
        ['slave_repl_offset', r.offset],
        ...(link.up ? [] : [['master_link_down_since_seconds', link.downSeconds] as [string, number]]),
        ['slave_priority', 100],
        ['slave_read_only', e.config.get('replica-read-only') === 'no' ? 0 : 1],
        ['replica_announced', 1],
        ['connected_slaves', e.feed?.size ?? 0],
        ...minReplicasLine(e, 0),
        ...(e.feed?.infoLines(0) ?? []),
        ['master_failover_state', 'no-failover'],
        ['master_replid', replIdOf(e)],
        ['master_replid2', replId2Of(e)[0]],
        ['master_repl_offset', r.offset],
        ['second_repl_offset', replId2Of(e)[1]],
        ['repl_backlog_active', 1],
        ['repl_backlog_size', backlogSize(e)],
        ['repl_backlog_first_byte_offset', first],
        ['repl_backlog_histlen', histlen],
      ];
    }
    const acks = r.acks();
    const slaves: [string, string | number][] = acks.map(([s, ack], i) => {
      const [host, port] = splitAddress(s.address);
      return [`slave${i}`, `ip=${host},port=${port},state=online,offset=${ack.offset},lag=${ack.lag}`];
    });
    const feed = e.feed;
    // A bare engine's SYNC clients have a backlog as 7.0's (repl-backlog.ts); in-process replicas count changes, not bytes.
    const backlog = backlogOf(e);
    const [first, histlen] = backlog !== undefined ? backlogSpan(backlog) : [0, 0];
    return [
    ['role', 'master'],
    ['connected_slaves', acks.length + (feed?.size ?? 0)],
    ...minReplicasLine(e, goodReplicas(e)),
    ...slaves,
    ...(feed?.infoLines(acks.length) ?? []),
    ['master_failover_state', 'no-failover'],
    ['master_replid', replIdOf(e)],
    ['master_replid2', replId2Of(e)[0]],
    ['master_repl_offset', r.offset + streamOffsetOf(e)],
    ['second_repl_offset', replId2Of(e)[1]],
    ['repl_backlog_active', r.hasReplicas || backlog !== undefined ? 1 : 0],
    ['repl_backlog_size', backlogSize(e)],
    ['repl_backlog_first_byte_offset', first],
    ['repl_backlog_histlen', histlen],
    ];
  },
  cpu: () => {
    const u = process.cpuUsage();
    return [
      ['used_cpu_sys', (u.system / 1e6).toFixed(6)],
      ['used_cpu_user', (u.user / 1e6).toFixed(6)],
      ['used_cpu_sys_children', '0.000000'],
      ['used_cpu_user_children', '0.000000'],
    ];
  },
  modules: () => [],
  errorstats: (e) => [...e.errStats].map(([k, n]) => [`errorstat_${k}`, `count=${n}`]),
  cluster: (e) => [['cluster_enabled', e.cluster === null ? 0 : 1]],
  keyspace: (e) =>
    e.ks.dbs
      .filter((d) => d.size > 0)
      .map((d) => [`db${d.id}`, `keys=${d.size},expires=${d.expires.size},avg_ttl=${averageTtl(e, d.expires)}`]),
  latencystats: (e) => {
    // 7.0 prints the section's histograms only while latency-tracking is on (seed 72429).
    if (!e.config.latencyTracking) return [];
    const percentiles = (e.config.get('latency-tracking-info-percentiles') ?? '').split(' ').filter((w) => w !== '').map(Number);
    return [...e.cmdStats]
      .filter(([, s]) => s.histogram.some((n) => n > 0))
      .map(([name, s]) => [`latency_percentiles_usec_${name}`, percentiles.map((p) => `p${p}=${percentileOf(s.histogram, p).toFixed(3)}`).join(',')]);
  },
  commandstats: (e) =>
    [...e.cmdStats]
      .filter(([, s]) => s.calls + s.rejected + s.failed > 0)
      .map(([name, s]) => [
        `cmdstat_${name}`,
        `calls=${s.calls},usec=${Math.round(s.usec)},usec_per_call=${(s.calls ? s.usec / s.calls : 0).toFixed(2)},rejected_calls=${s.rejected},failed_calls=${s.failed}`,
      ]),
};

/**
 * The latency (usec) under which `p` percent of the calls fell, read off the power-of-two histogram
 * LATENCY HISTOGRAM shows: the bound of the bucket holding that call.
 */
function percentileOf(histogram: number[], p: number): number {
  let total = 0;
  for (const n of histogram) total += n ?? 0;
  const wanted = Math.max(1, Math.ceil((total * p) / 100));
  let seen = 0;
  for (let k = 0; k < histogram.length; k++) {
    seen += histogram[k] ?? 0;
    if (seen >= wanted) return 2 ** k;
  }
  return 2 ** (histogram.length - 1);
}

/** Mean remaining TTL (ms) over a bounded sample of keys with an expiry, like Redis's estimate. */
function averageTtl(e: Engine, expires: Map<string, number>): number {
  if (expires.size === 0) return 0;
  const now = e.clock.now();
  let sum = 0;
  let n = 0;
  for (const at of expires.values()) {
    if (at > now) {
      sum += at - now;
      n++;
    }
    if (n >= 100) break;
  }
  return n === 0 ? 0 : Math.round(sum / n);
}

/** Shown only while min-replicas-to-write is in force (both it and min-replicas-max-lag non-zero), as 7.0 does. */
function minReplicasLine(e: Engine, good: number): [string, number][] {
  return e.config.minReplicasToWrite !== 0 && e.config.minReplicasMaxLag !== 0 ? [['min_slaves_good_slaves', good]] : [];
}

function splitAddress(a: string): [string, number] {
  const i = a.lastIndexOf(':');
  return [a.slice(0, i), Number(a.slice(i + 1))];
}

const TITLES: Record<string, string> = {
  server: 'Server',
  clients: 'Clients',
  memory: 'Memory',
  persistence: 'Persistence',
  stats: 'Stats',
  replication: 'Replication',
  cpu: 'CPU',
  modules: 'Modules',
  errorstats: 'Errorstats',
  cluster: 'Cluster',
  keyspace: 'Keyspace',
  commandstats: 'Commandstats',
  latencystats: 'Latencystats',
};

const DEFAULT = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace'];
const ALL = [...DEFAULT.slice(0, 8), 'commandstats', 'errorstats', 'latencystats', 'cluster', 'keyspace'];

function replBacklogMemory(e: Engine): number {
  const b = backlogOf(e);
  return b === undefined ? 0 : backlogMemory(b);
}

/** What 7.0 adds at the end of the persistence section while it loads its dump. */
function loadingFields(l: NonNullable<Engine['loading']>): [string, string | number][] {
  const secs = (performance.now() - l.startedAt) / 1000;
  const perc = l.totalBytes > 0 ? (l.loadedBytes * 100) / l.totalBytes : 0;
  const eta = l.loadedBytes > 0 ? Math.round(((l.totalBytes - l.loadedBytes) * secs) / l.loadedBytes) : 1;
  return [
    ['loading_start_time', Math.floor(Date.now() / 1000 - secs)],
    ['loading_total_bytes', l.totalBytes],
    ['loading_rdb_used_mem', 0],
    ['loading_loaded_bytes', l.loadedBytes],
    ['loading_loaded_perc', perc.toFixed(2)],
    ['loading_eta_seconds', eta],
  ];
}

/** INFO text for the requested sections (lower-case names); also usable by an embedding control plane. */
export function infoText(e: Engine, requested: string[]): string {
  // The sections asked for add up (INFO default commandstats, INFO cpu all), printed in 7.0's order.
  const wanted = new Set<string>(requested.length === 0 ? DEFAULT : []);
  for (const r of requested) for (const s of r === 'default' ? DEFAULT : r === 'all' || r === 'everything' ? ALL : [r]) wanted.add(s);
  const names = ALL.filter((s) => wanted.has(s));
  const parts: string[] = [];
  for (const name of names) {
    const f = sections[name] as Section;
    const fields = e.serverName === 'valkey' ? f(e) : asRedis70(name, f(e));
    if (name === 'persistence' && e.loading !== null) fields.push(...loadingFields(e.loading));
    const lines = fields.map(([k, v]) => `${k}:${v}`);
    parts.push(`# ${TITLES[name]}\r\n${lines.map((l) => l + '\r\n').join('')}`);
  }
  return parts.join('\r\n');
}
