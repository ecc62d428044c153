// `stats` and its sub-commands, with memcached's field names and order.
import { cachedump } from './admin.ts';
import type { Session } from './context.ts';
import { chunksPerPage, slabChunkMax, slabClassOf, type Item } from './item.ts';
import { SLAB_PAGE_SIZE } from './limits.ts';

export type Row = [string, string | number];

function emit(s: Session, rows: Row[]): void {
  let text = '';
  for (const [k, v] of rows) text += `STAT ${k} ${v}\r\n`;
  s.out.text(text + 'END\r\n');
}

function yesNo(v: boolean): string {
  return v ? 'yes' : 'no';
}

function rusage(micros: number): string {
  const seconds = Math.floor(micros / 1e6);
  return `${seconds}.${String(micros % 1e6).padStart(6, '0')}`;
}

/** Rows for `stats [sub]`, or null when the sub-command is unknown. */
export function collectStats(s: Session, args: string[]): Row[] | null {
  switch (args[0]) {
    case undefined:
      return generalStats(s);
    case 'settings':
      return settingsStats(s);
    case 'items':
      return itemStats(s);
    case 'slabs':
      return slabStats(s);
    case 'conns':
      return connStats(s);
    case 'sizes':
      return s.ctx.store.sizes()?.map(([size, n]): Row => [String(size), n]) ?? [['sizes_status', 'disabled']];
    case 'sizes_enable':
      s.ctx.store.enableSizes();
      return [['sizes_status', 'enabled']];
    case 'sizes_disable':
      s.ctx.store.disableSizes();
      return [['sizes_status', 'disabled']];
    case 'reset':
      s.ctx.store.resetCounters();
      s.ctx.prefixes.clear();
      return [];
    default:
      return null;
  }
}

export function writeStats(s: Session, tokens: string[]): void {
  const args = tokens.slice(1);
  if (args[0] === 'reset') {
    collectStats(s, args);
    s.out.text('RESET\r\n');
    return;
  }
  if (args[0] === 'detail') {
    const prefixes = s.ctx.prefixes;
    if (args[1] === 'on' || args[1] === 'off') {
      prefixes.enabled = args[1] === 'on';
      s.out.text('OK\r\n');
    } else if (args[1] === 'dump') {
      s.out.text(prefixes.dump());
    } else {
      s.out.text('CLIENT_ERROR usage: stats detail on|off|dump\r\n');
    }
    return;
  }
  if (args[0] === 'cachedump') return cachedump(s, tokens);
  const rows = collectStats(s, args);
  if (rows === null) return s.out.text('ERROR\r\n');
  // memcached answers these two with the status line alone, no END.
  if (args[0] === 'sizes_enable' || args[0] === 'sizes_disable') return s.out.text(`STAT sizes_status ${rows[0]![1]}\r\n`);
  emit(s, rows);
}

function generalStats(s: Session): Row[] {
  const { store, settings } = s.ctx;
  const c = store.counters;
  const nowMs = s.ctx.nowMs();
  const cpu = process.cpuUsage();
  const conns = s.ctx.connections().length;
  return [
    ['pid', process.pid],
    ['uptime', Math.floor((nowMs - s.ctx.startedAtMs) / 1000)],
    ['time', Math.floor(nowMs / 1000)],
    ['version', settings.version],
    ['libevent', '2.1.12-stable'],
    ['pointer_size', 64],
    ['rusage_user', rusage(cpu.user)],
    ['rusage_system', rusage(cpu.system)],
    ['max_connections', settings.maxConnections],
    ['curr_connections', conns],
    ['total_connections', c.total_connections],
    ['rejected_connections', c.rejected_connections],
    ['connection_structures', conns + 1],
    ['response_obj_oom', 0],
    ['response_obj_count', 1],
    ['response_obj_bytes', 16384],
    ['read_buf_count', 8],
    ['read_buf_bytes', 131072],
    ['read_buf_bytes_free', 49152],
    ['read_buf_oom', 0],
    ['reserved_fds', 20],
    ['cmd_get', c.cmd_get],
    ['cmd_set', c.cmd_set],
    ['cmd_flush', c.cmd_flush],
    ['cmd_touch', c.cmd_touch],
    ['cmd_meta', c.cmd_meta],
    ['get_hits', c.get_hits],
    ['get_misses', c.get_misses],
    ['get_expired', c.get_expired],
    ['get_flushed', c.get_flushed],
    ['delete_misses', c.delete_misses],
    ['delete_hits', c.delete_hits],
    ['incr_misses', c.incr_misses],
    ['incr_hits', c.incr_hits],
    ['decr_misses', c.decr_misses],
    ['decr_hits', c.decr_hits],
    ['cas_misses', c.cas_misses],
    ['cas_hits', c.cas_hits],
    ['cas_badval', c.cas_badval],
    ['touch_hits', c.touch_hits],
    ['touch_misses', c.touch_misses],
    ['store_too_large', c.store_too_large],
    ['store_no_memory', c.store_no_memory],
    ['auth_cmds', c.auth_cmds],
    ['auth_errors', c.auth_errors],
    ['bytes_read', c.bytes_read],
    ['bytes_written', c.bytes_written],
    ['limit_maxbytes', store.memoryLimit],
    ['accepting_conns', 1],
    ['listen_disabled_num', 0],
    ['time_in_listen_disabled_us', 0],
    ['threads', 1],
    ['conn_yields', 0],
    ['hash_power_level', 16],
    ['hash_bytes', 524288],
    ['hash_is_expanding', 0],
    ['slab_reassign_rescues', 0],
    ['slab_reassign_chunk_rescues', 0],
    ['slab_reassign_evictions_nomem', 0],
    ['slab_reassign_inline_reclaim', 0],
    ['slab_reassign_busy_items', 0],
    ['slab_reassign_busy_deletes', 0],
    ['slab_reassign_running', 0],
    ['slabs_moved', 0],
    ['lru_crawler_running', 0],
    ['lru_crawler_starts', 1],
    ['lru_maintainer_juggles', 0],
    ['malloc_fails', 0],
    ['log_worker_dropped', 0],
    ['log_worker_written', 0],
    ['log_watcher_skipped', 0],
    ['log_watcher_sent', 0],
    ['log_watchers', 0],
    ['unexpected_napi_ids', 0],
    ['round_robin_fallback', 0],
    ['bytes', store.bytes],
    ['curr_items', store.size],
    ['total_items', c.total_items],
    ['slab_global_page_pool', 0],
    ['expired_unfetched', c.expired_unfetched],
    ['evicted_unfetched', c.evicted_unfetched],
    ['evicted_active', 0],
    ['evictions', c.evictions],
    ['reclaimed', c.reclaimed],
    ['crawler_reclaimed', c.crawler_reclaimed],
    ['crawler_items_checked', 0],
    ['lrutail_reflocked', 0],
    ['moves_to_cold', 0],
    ['moves_to_warm', 0],
    ['moves_within_lru', 0],
    ['direct_reclaims', 0],
    ['lru_bumps_dropped', 0],
  ];
}

function settingsStats(s: Session): Row[] {
  const { store, settings } = s.ctx;
  return [
    ['maxbytes', store.memoryLimit],
    ['maxconns', settings.maxConnections],
    ['tcpport', settings.port],
    ['udpport', 0],
    ['inter', settings.host],
    ['verbosity', settings.verbosity],
    ['oldest', 0],
    ['evictions', 'on'],
    ['domain_socket', 'NULL'],
    ['umask', 700],
    ['shutdown_command', 'no'],
    ['growth_factor', store.geometry.growthFactor.toFixed(2)],
    ['chunk_size', store.geometry.chunkSize],
    ['num_threads', 1],
    ['num_threads_per_udp', 1],
    ['stat_key_prefix', ':'],
    ['detail_enabled', yesNo(s.ctx.prefixes.enabled)],
    ['reqs_per_event', 20],
    ['cas_enabled', 'yes'],
    ['tcp_backlog', 1024],
    ['binding_protocol', settings.saslEnabled ? 'binary' : 'auto-negotiate'],
    ['auth_enabled_sasl', settings.saslEnabled ? 'yes' : 'no'],
    ['auth_enabled_ascii', 'no'],
    ['item_size_max', store.maxItemSize],
    ['maxconns_fast', 'yes'],
    ['hashpower_init', 0],
    ['slab_reassign', yesNo(settings.slabReassign)],
    ['slab_automove', settings.slabAutomove],
    ['slab_automove_ratio', settings.slabAutomoveRatio.toFixed(2)],
    ['slab_automove_window', 30],
    ['slab_chunk_max', slabChunkMax(store.maxItemSize, store.geometry)],
    ['lru_crawler', yesNo(settings.lruCrawler)],
    ['lru_crawler_sleep', settings.lruCrawlerSleep],
    ['lru_crawler_tocrawl', settings.lruCrawlerTocrawl],
    ['tail_repair_time', 0],
    ['flush_enabled', 'yes'],
    ['dump_enabled', yesNo(settings.dumpEnabled)],
    ['hash_algorithm', 'murmur3'],
    ['lru_maintainer_thread', 'yes'],
    ['lru_segmented', yesNo(settings.lruSegmented)],
    ['hot_lru_pct', settings.hotLruPct],
    ['warm_lru_pct', settings.warmLruPct],
    ['hot_max_factor', settings.hotMaxFactor.toFixed(2)],
    ['warm_max_factor', settings.warmMaxFactor.toFixed(2)],
    ['temp_lru', yesNo(settings.tempLru)],
    ['temporary_ttl', settings.temporaryTtl],
    ['idle_timeout', settings.idleTimeout],
    ['watcher_logbuf_size', 262144],
    ['worker_logbuf_size', 65536],
    ['read_buf_mem_limit', 0],
    ['track_sizes', 'no'],
    ['inline_ascii_response', 'no'],
    ['ext_item_size', 512],
    ['ext_item_age', 4294967295],
    ['ext_low_ttl', 0],
    ['ext_recache_rate', 2000],
    ['ext_wbuf_size', 4194304],
    ['ext_compact_under', 0],
    ['ext_drop_under', 0],
    ['ext_max_sleep', 1000000],
    ['ext_max_frag', '0.80'],
    ['slab_automove_freeratio', '0.010'],
    ['ext_drop_unread', 'no'],
    ['ssl_enabled', settings.tls ? 'yes' : 'no'],
    ['ssl_chain_cert', '(null)'],
    ['ssl_key', '(null)'],
    ['ssl_verify_mode', 0],
    ['ssl_keyformat', 1],
    ['ssl_ciphers', 'NULL'],
    ['ssl_ca_cert', 'NULL'],
    ['ssl_wbuf_size', 16384],
    ['ssl_session_cache', 'no'],
    ['ssl_kernel_tls', 'no'],
    ['ssl_min_version', 'tlsv1.2'],
    ['num_napi_ids', '(null)'],
    ['memory_file', '(null)'],
  ];
}

interface ClassSummary {
  count: number;
  bytes: number;
  oldest: number;
}

function summarizeClasses(s: Session): Map<number, ClassSummary> {
  const store = s.ctx.store;
  const byClass = new Map<number, ClassSummary>();
  for (const item of store.all() as Iterable<Item>) {
    const cls = slabClassOf(store.slabSizes, item.size);
    const entry = byClass.get(cls) ?? { count: 0, bytes: 0, oldest: item.time };
    entry.count++;
    entry.bytes += item.size;
    entry.oldest = Math.min(entry.oldest, item.time);
    byClass.set(cls, entry);
  }
  return new Map([...byClass.entries()].sort((a, b) => a[0] - b[0]));
}

function itemStats(s: Session): Row[] {
  const store = s.ctx.store;
  const now = store.now();
  const rows: Row[] = [];
  for (const [cls, e] of summarizeClasses(s)) {
    const p = `items:${cls}:`;
    const evicted = store.evictedByClass[cls] ?? 0;
    rows.push(
      [p + 'number', e.count],
      [p + 'number_hot', 0],
      [p + 'number_warm', 0],
      [p + 'number_cold', e.count],
      [p + 'age_hot', 0],
      [p + 'age_warm', 0],
      [p + 'age', now - e.oldest],
      [p + 'mem_requested', e.bytes],
      [p + 'evicted', evicted],
      [p + 'evicted_nonzero', 0],
      [p + 'evicted_time', 0],
      [p + 'outofmemory', 0],
      [p + 'tailrepairs', 0],
      [p + 'reclaimed', 0],
      [p + 'expired_unfetched', 0],
      [p + 'evicted_unfetched', 0],
      [p + 'evicted_active', 0],
      [p + 'crawler_reclaimed', 0],
      [p + 'crawler_items_checked', 0],
      [p + 'lrutail_reflocked', 0],
      [p + 'moves_to_cold', 0],
      [p + 'moves_to_warm', 0],
      [p + 'moves_within_lru', 0],
      [p + 'direct_reclaims', 0],
      [p + 'hits_to_hot', store.slabCounters.get(cls)?.get_hits ?? 0],
      [p + 'hits_to_warm', 0],
      [p + 'hits_to_cold', 0],
      [p + 'hits_to_temp', 0],
    );
  }
  return rows;
}

function slabStats(s: Session): Row[] {
  const store = s.ctx.store;
  const rows: Row[] = [];
  let malloced = 0;
  const classes = summarizeClasses(s);
  for (const [cls, e] of classes) {
    const chunkSize = store.slabSizes[cls - 1]!;
    const perPage = chunksPerPage(chunkSize);
    const pages = Math.max(1, Math.ceil(e.count / perPage));
    malloced += pages * SLAB_PAGE_SIZE;
    const p = `${cls}:`;
    const k = store.slabCounters.get(cls);
    rows.push(
      [p + 'chunk_size', chunkSize],
      [p + 'chunks_per_page', perPage],
      [p + 'total_pages', pages],
      [p + 'total_chunks', pages * perPage],
      [p + 'used_chunks', e.count],
      [p + 'free_chunks', pages * perPage - e.count],
      [p + 'free_chunks_end', 0],
      [p + 'get_hits', k?.get_hits ?? 0],
      [p + 'cmd_set', k?.cmd_set ?? 0],
      [p + 'delete_hits', k?.delete_hits ?? 0],
      [p + 'incr_hits', k?.incr_hits ?? 0],
      [p + 'decr_hits', k?.decr_hits ?? 0],
      [p + 'cas_hits', k?.cas_hits ?? 0],
      [p + 'cas_badval', k?.cas_badval ?? 0],
      [p + 'touch_hits', k?.touch_hits ?? 0],
    );
  }
  rows.push(['active_slabs', classes.size], ['total_malloced', malloced]);
  return rows;
}

function connStats(s: Session): Row[] {
  const { settings } = s.ctx;
  const nowMs = s.ctx.nowMs();
  const rows: Row[] = [
    ['0:addr', `tcp:${settings.host}:${settings.port}`],
    ['0:state', 'conn_listening'],
    ['0:secs_since_last_cmd', 0],
  ];
  for (const c of s.ctx.connections()) {
    rows.push(
      [`${c.id}:addr`, `tcp:${c.remote}`],
      [`${c.id}:listen_addr`, `tcp:${c.local}`],
      [`${c.id}:state`, c.state],
      [`${c.id}:secs_since_last_cmd`, Math.floor((nowMs - c.lastCommandAt) / 1000)],
    );
  }
  return rows;
}
