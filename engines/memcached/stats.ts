// `stats` and its sub-commands, with memcached's field names and order.
import { cachedump } from './admin.ts';
import type { Session } from './context.ts';
import { slabChunkMax } from './item.ts';
import { CLOCK_START_OFFSET } from './limits.ts';
import { formatFixed2 } from './numbers.ts';
import { SSL_VERSIONS } from './tls.ts';
import { newItemStats, type ItemStats, type Queue } from './lru.ts';

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
      // The histogram tells items apart by CAS: under -C memcached refuses to start it.
      if (!s.ctx.settings.casEnabled) return [['sizes_status', 'error'], ['sizes_error', 'cas_support_disabled']];
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
  if (args[0] === 'sizes_enable' || args[0] === 'sizes_disable') return s.out.text(rows.map(([k, v]) => `STAT ${k} ${v}\r\n`).join(''));
  emit(s, rows);
}

function generalStats(s: Session): Row[] {
  const { store, settings } = s.ctx;
  const c = store.counters;
  const nowMs = s.ctx.nowMs();
  const cpu = process.cpuUsage();
  // memcached counts the UDP port's connection objects as connections.
  const conns = s.ctx.connections().length + s.ctx.udpConnections().length;
  const t = itemTotals(s);
  const moved = store.mover.stats;
  return [
    ['pid', process.pid],
    // memcached's uptime is its clock less ITEM_UPDATE_INTERVAL (60): 2 at start-up, whole seconds of the wall clock.
    ['uptime', Math.floor(nowMs / 1000) - Math.floor(s.ctx.startedAtMs / 1000) + CLOCK_START_OFFSET - 60],
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
    ['response_obj_oom', c.response_obj_oom],
    ['response_obj_count', 1],
    ['response_obj_bytes', 16384],
    ['read_buf_count', 8],
    ['read_buf_bytes', 131072],
    ['read_buf_bytes_free', 49152],
    ['read_buf_oom', c.read_buf_oom],
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
    ...(settings.idleTimeout > 0 ? [['idle_kicks', c.idle_kicks] satisfies Row] : []),
    ['bytes_read', c.bytes_read],
    ['bytes_written', c.bytes_written],
    ['limit_maxbytes', store.memoryLimit],
    ['accepting_conns', 1],
    ['listen_disabled_num', 0],
    ['time_in_listen_disabled_us', 0],
    ['threads', 1],
    ['conn_yields', c.conn_yields],
    ['hash_power_level', store.hashPower],
    // A pointer a bucket.
    ['hash_bytes', 8 * 2 ** store.hashPower],
    ['hash_is_expanding', 0],
    // memcached lists the mover's and the crawler's counters only while each is enabled.
    ...(settings.slabReassign
      ? ([
          ['slab_reassign_rescues', moved.slab_reassign_rescues],
          ['slab_reassign_chunk_rescues', moved.slab_reassign_chunk_rescues],
          ['slab_reassign_evictions_nomem', moved.slab_reassign_evictions_nomem],
          ['slab_reassign_inline_reclaim', moved.slab_reassign_inline_reclaim],
          ['slab_reassign_busy_items', moved.slab_reassign_busy_items],
          ['slab_reassign_busy_deletes', moved.slab_reassign_busy_deletes],
          ['slab_reassign_running', store.mover.running ? 1 : 0],
          ['slabs_moved', moved.slabs_moved],
        ] satisfies Row[])
      : []),
    ...(settings.lruCrawler
      ? ([
          ['lru_crawler_running', store.crawler.running ? 1 : 0],
          ['lru_crawler_starts', store.crawler.starts],
        ] satisfies Row[])
      : []),
    ...(settings.lruMaintainer ? ([['lru_maintainer_juggles', 0]] satisfies Row[]) : []),
    ['malloc_fails', 0],
    ['log_worker_dropped', 0],
    ['log_worker_written', 0],
    ['log_watcher_skipped', 0],
    ['log_watcher_sent', 0],
    ['log_watchers', s.ctx.watch.watchers.size],
    ...(settings.ssl.enabled
      ? ([
          ...(settings.ssl.sessionCache ? ([['ssl_new_sessions', c.ssl_new_sessions]] satisfies Row[]) : []),
          ['ssl_handshake_errors', c.ssl_handshake_errors],
          // memcached loads its certificates before its clock starts, at time 0, so until a refresh this is its clock.
          [
            'time_since_server_cert_refresh',
            s.ctx.lastCertRefresh === null
              ? Math.floor(nowMs / 1000) - Math.floor(s.ctx.startedAtMs / 1000) + CLOCK_START_OFFSET
              : Math.floor(nowMs / 1000) - s.ctx.lastCertRefresh,
          ],
        ] satisfies Row[])
      : []),
    ['unexpected_napi_ids', 0],
    ['round_robin_fallback', 0],
    ['bytes', store.bytes],
    ['curr_items', store.size],
    ['total_items', c.total_items],
    ['slab_global_page_pool', store.slabs.classes[0]!.pages.length],
    ['expired_unfetched', t.expired_unfetched],
    ['evicted_unfetched', t.evicted_unfetched],
    ...(settings.lruMaintainer ? ([['evicted_active', t.evicted_active]] satisfies Row[]) : []),
    ['evictions', t.evicted],
    ['reclaimed', t.reclaimed],
    ['crawler_reclaimed', t.crawler_reclaimed],
    ['crawler_items_checked', t.crawler_items_checked],
    ['lrutail_reflocked', t.lrutail_reflocked],
    ...(settings.lruMaintainer
      ? ([
          ['moves_to_cold', t.moves_to_cold],
          ['moves_to_warm', t.moves_to_warm],
          ['moves_within_lru', t.moves_within_lru],
          ['direct_reclaims', t.direct_reclaims],
          ['lru_bumps_dropped', 0],
        ] satisfies Row[])
      : []),
  ];
}

function settingsStats(s: Session): Row[] {
  const { store, settings } = s.ctx;
  return [
    ['maxbytes', store.memoryLimit],
    ['maxconns', settings.maxConnections],
    ['tcpport', settings.port],
    ['udpport', settings.udpPort],
    ['inter', settings.host],
    ['verbosity', settings.verbosity],
    ['oldest', store.oldestLiveStat],
    ['evictions', store.evictLive ? 'on' : 'off'],
    ['domain_socket', 'NULL'],
    ['umask', 700],
    ['shutdown_command', settings.shutdownCommand ? 'yes' : 'no'],
    ['growth_factor', store.geometry.growthFactor.toFixed(2)],
    ['chunk_size', store.geometry.chunkSize],
    ['num_threads', 1],
    ['num_threads_per_udp', 1],
    ['stat_key_prefix', ':'],
    ['detail_enabled', yesNo(s.ctx.prefixes.enabled)],
    ['reqs_per_event', settings.reqsPerEvent],
    ['cas_enabled', yesNo(settings.casEnabled)],
    ['tcp_backlog', settings.tcpBacklog],
    ['binding_protocol', settings.bindingProtocol],
    ['auth_enabled_sasl', settings.saslEnabled ? 'yes' : 'no'],
    ['auth_enabled_ascii', 'no'],
    ['item_size_max', store.maxItemSize],
    ['maxconns_fast', 'yes'],
    ['hashpower_init', settings.hashpowerInit],
    ['slab_reassign', yesNo(settings.slabReassign)],
    ['slab_automove', settings.slabAutomove],
    ['slab_automove_ratio', formatFixed2(settings.slabAutomoveRatio)],
    ['slab_automove_window', settings.slabAutomoveWindow],
    ['slab_chunk_max', slabChunkMax(store.maxItemSize, store.geometry)],
    ['lru_crawler', yesNo(settings.lruCrawler)],
    ['lru_crawler_sleep', settings.lruCrawlerSleep],
    ['lru_crawler_tocrawl', settings.lruCrawlerTocrawl],
    ['tail_repair_time', settings.tailRepairTime],
    ['flush_enabled', yesNo(settings.flushEnabled)],
    ['dump_enabled', yesNo(settings.dumpEnabled)],
    ['hash_algorithm', settings.hashAlgorithm],
    ['lru_maintainer_thread', yesNo(settings.lruMaintainer)],
    ['lru_segmented', yesNo(settings.lruSegmented)],
    ['hot_lru_pct', settings.hotLruPct],
    ['warm_lru_pct', settings.warmLruPct],
    ['hot_max_factor', formatFixed2(settings.hotMaxFactor)],
    ['warm_max_factor', formatFixed2(settings.warmMaxFactor)],
    ['temp_lru', yesNo(settings.tempLru)],
    ['temporary_ttl', settings.temporaryTtl],
    ['idle_timeout', settings.idleTimeout],
    ['watcher_logbuf_size', settings.watcherLogbufSize],
    ['worker_logbuf_size', settings.workerLogbufSize],
    ['read_buf_mem_limit', settings.readBufMemLimit],
    ['track_sizes', yesNo(store.sizes() !== null)],
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
    // memcached prints a path it was not given with %s of NULL ("(null)") or as "NULL", line by line.
    ['ssl_enabled', yesNo(settings.ssl.enabled)],
    ['ssl_chain_cert', settings.ssl.chainCert ?? '(null)'],
    ['ssl_key', settings.ssl.key ?? '(null)'],
    ['ssl_verify_mode', settings.ssl.verifyMode],
    ['ssl_keyformat', settings.ssl.keyFormat],
    ['ssl_ciphers', settings.ssl.ciphers ?? 'NULL'],
    ['ssl_ca_cert', settings.ssl.caCert ?? 'NULL'],
    ['ssl_wbuf_size', settings.ssl.wbufSize],
    ['ssl_session_cache', yesNo(settings.ssl.sessionCache)],
    ['ssl_kernel_tls', yesNo(settings.ssl.kernelTls)],
    ['ssl_min_version', SSL_VERSIONS[settings.ssl.minVersion]!.text],
    ['num_napi_ids', '(null)'],
    ['memory_file', '(null)'],
  ];
}

function itemStats(s: Session): Row[] {
  const store = s.ctx.store;
  const lru = store.lru;
  const now = store.now();
  const rows: Row[] = [];
  for (let cls = 1; cls < lru.queues.length; cls++) {
    const [hot, warm, cold, temp] = lru.queues[cls]!;
    const count = hot!.count + warm!.count + cold!.count + temp!.count;
    if (count === 0) continue;
    const age = (q: Queue) => (q.tail === null ? 0 : now - q.tail.time);
    const st = lru.stats[cls]!;
    const p = `items:${cls}:`;
    // Without the maintainer memcached leaves out the segmented queues' counts and its own counters.
    const maintained = s.ctx.settings.lruMaintainer;
    rows.push([p + 'number', count]);
    if (maintained) {
      rows.push([p + 'number_hot', hot!.count], [p + 'number_warm', warm!.count], [p + 'number_cold', cold!.count]);
      if (s.ctx.settings.tempLru) rows.push([p + 'number_temp', temp!.count]);
      rows.push([p + 'age_hot', age(hot!)], [p + 'age_warm', age(warm!)]);
    }
    rows.push(
      [p + 'age', age(cold!)],
      [p + 'mem_requested', hot!.bytes + warm!.bytes + cold!.bytes + temp!.bytes],
      [p + 'evicted', st.evicted],
      [p + 'evicted_nonzero', st.evicted_nonzero],
      [p + 'evicted_time', st.evicted_time],
      [p + 'outofmemory', st.outofmemory],
      [p + 'tailrepairs', st.tailrepairs],
      [p + 'reclaimed', st.reclaimed],
      [p + 'expired_unfetched', st.expired_unfetched],
      [p + 'evicted_unfetched', st.evicted_unfetched],
    );
    if (maintained) rows.push([p + 'evicted_active', st.evicted_active]);
    rows.push(
      [p + 'crawler_reclaimed', st.crawler_reclaimed],
      [p + 'crawler_items_checked', st.crawler_items_checked],
      [p + 'lrutail_reflocked', st.lrutail_reflocked],
    );
    if (maintained) {
      rows.push(
        [p + 'moves_to_cold', st.moves_to_cold],
        [p + 'moves_to_warm', st.moves_to_warm],
        [p + 'moves_within_lru', st.moves_within_lru],
        [p + 'direct_reclaims', st.direct_reclaims],
        [p + 'hits_to_hot', st.hits_to_hot],
        [p + 'hits_to_warm', st.hits_to_warm],
        [p + 'hits_to_cold', st.hits_to_cold],
        [p + 'hits_to_temp', st.hits_to_temp],
      );
    }
  }
  return rows;
}

/** The per-class LRU counters summed, as the global `stats` reports them. */
function itemTotals(s: Session): ItemStats {
  const totals = newItemStats();
  for (const st of s.ctx.store.lru.stats) for (const k of Object.keys(totals) as (keyof ItemStats)[]) totals[k] += st[k];
  return totals;
}

function slabStats(s: Session): Row[] {
  const store = s.ctx.store;
  const slabs = store.slabs;
  const rows: Row[] = [];
  let active = 0;
  for (let cls = 1; cls <= slabs.largest; cls++) {
    const c = slabs.classes[cls]!;
    const pages = c.pages.length;
    if (pages === 0) continue;
    active++;
    const total = pages * c.perPage;
    const p = `${cls}:`;
    const k = store.slabCounters.get(cls);
    rows.push(
      [p + 'chunk_size', c.size],
      [p + 'chunks_per_page', c.perPage],
      [p + 'total_pages', pages],
      [p + 'total_chunks', total],
      [p + 'used_chunks', total - c.free.length],
      [p + 'free_chunks', c.free.length],
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
  rows.push(['active_slabs', active], ['total_malloced', slabs.malloced]);
  return rows;
}

/** An address as memcached prints it: `tcp:127.0.0.1:11211`, or `tcp6:[::1]:11211` for IPv6. */
function addressText(protocol: 'tcp' | 'udp', hostPort: string): string {
  const colon = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, colon);
  if (!host.includes(':')) return `${protocol}:${hostPort}`;
  return `${protocol}6:[${host.replace(/^\[|\]$/g, '')}]${hostPort.slice(colon)}`;
}

function connStats(s: Session): Row[] {
  const { settings } = s.ctx;
  const nowMs = s.ctx.nowMs();
  const rows: Row[] = [
    ['0:addr', addressText('tcp', `${settings.host}:${settings.port}`)],
    ['0:state', 'conn_listening'],
    ['0:secs_since_last_cmd', 0],
  ];
  for (const c of s.ctx.udpConnections()) {
    rows.push([`${c.id}:UDP`, 'UDP']);
    if (c.remote === null) rows.push([`${c.id}:addr`, addressText('udp', c.local)]);
    else rows.push([`${c.id}:addr`, addressText('udp', c.remote)], [`${c.id}:listen_addr`, addressText('udp', c.local)]);
    rows.push([`${c.id}:state`, c.state], [`${c.id}:secs_since_last_cmd`, Math.floor((nowMs - c.lastCommandAt) / 1000)]);
  }
  for (const c of s.ctx.connections()) {
    rows.push(
      [`${c.id}:addr`, addressText('tcp', c.remote)],
      [`${c.id}:listen_addr`, addressText('tcp', c.local)],
      [`${c.id}:state`, c.state],
      [`${c.id}:secs_since_last_cmd`, Math.floor((nowMs - c.lastCommandAt) / 1000)],
    );
  }
  return rows;
}
