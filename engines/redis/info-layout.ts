// The fields redis-server 7.0.15 prints in each INFO section, in its order. A client that parses
// INFO (monitoring agents, a differential against redis-server) finds every 7.0 field where 7.0 puts
// it: the ones this engine has no counterpart for (forks, copy-on-write, the allocator's own figures,
// defragmentation, I/O threads, AOF rewrites) hold the values an idle redis-server without any of
// those shows. Fields 7.0 does not have (7.2's) stay out of a Redis engine's INFO; Valkey's keep them.
type Field = [string, string | number];

const ORDER: Record<string, string[]> = {
  clients: ['connected_clients', 'cluster_connections', 'maxclients', 'client_recent_max_input_buffer', 'client_recent_max_output_buffer', 'blocked_clients', 'tracking_clients', 'clients_in_timeout_table'],
  memory: ['used_memory', 'used_memory_human', 'used_memory_rss', 'used_memory_rss_human', 'used_memory_peak', 'used_memory_peak_human', 'used_memory_peak_perc', 'used_memory_overhead', 'used_memory_startup', 'used_memory_dataset', 'used_memory_dataset_perc', 'allocator_allocated', 'allocator_active', 'allocator_resident', 'total_system_memory', 'total_system_memory_human', 'used_memory_lua', 'used_memory_vm_eval', 'used_memory_lua_human', 'used_memory_scripts_eval', 'number_of_cached_scripts', 'number_of_functions', 'number_of_libraries', 'used_memory_vm_functions', 'used_memory_vm_total', 'used_memory_vm_total_human', 'used_memory_functions', 'used_memory_scripts', 'used_memory_scripts_human', 'maxmemory', 'maxmemory_human', 'maxmemory_policy', 'allocator_frag_ratio', 'allocator_frag_bytes', 'allocator_rss_ratio', 'allocator_rss_bytes', 'rss_overhead_ratio', 'rss_overhead_bytes', 'mem_fragmentation_ratio', 'mem_fragmentation_bytes', 'mem_not_counted_for_evict', 'mem_replication_backlog', 'mem_total_replication_buffers', 'mem_clients_slaves', 'mem_clients_normal', 'mem_cluster_links', 'mem_aof_buffer', 'mem_allocator', 'active_defrag_running', 'lazyfree_pending_objects', 'lazyfreed_objects'],
  persistence: ['loading', 'async_loading', 'current_cow_peak', 'current_cow_size', 'current_cow_size_age', 'current_fork_perc', 'current_save_keys_processed', 'current_save_keys_total', 'rdb_changes_since_last_save', 'rdb_bgsave_in_progress', 'rdb_last_save_time', 'rdb_last_bgsave_status', 'rdb_last_bgsave_time_sec', 'rdb_current_bgsave_time_sec', 'rdb_saves', 'rdb_last_cow_size', 'rdb_last_load_keys_expired', 'rdb_last_load_keys_loaded', 'aof_enabled', 'aof_rewrite_in_progress', 'aof_rewrite_scheduled', 'aof_last_rewrite_time_sec', 'aof_current_rewrite_time_sec', 'aof_last_bgrewrite_status', 'aof_rewrites', 'aof_rewrites_consecutive_failures', 'aof_last_write_status', 'aof_last_cow_size', 'module_fork_in_progress', 'module_fork_last_cow_size'],
  stats: ['total_connections_received', 'total_commands_processed', 'instantaneous_ops_per_sec', 'total_net_input_bytes', 'total_net_output_bytes', 'total_net_repl_input_bytes', 'total_net_repl_output_bytes', 'instantaneous_input_kbps', 'instantaneous_output_kbps', 'instantaneous_input_repl_kbps', 'instantaneous_output_repl_kbps', 'rejected_connections', 'sync_full', 'sync_partial_ok', 'sync_partial_err', 'expired_keys', 'expired_stale_perc', 'expired_time_cap_reached_count', 'expire_cycle_cpu_milliseconds', 'evicted_keys', 'evicted_clients', 'total_eviction_exceeded_time', 'current_eviction_exceeded_time', 'keyspace_hits', 'keyspace_misses', 'pubsub_channels', 'pubsub_patterns', 'pubsubshard_channels', 'latest_fork_usec', 'total_forks', 'migrate_cached_sockets', 'slave_expires_tracked_keys', 'active_defrag_hits', 'active_defrag_misses', 'active_defrag_key_hits', 'active_defrag_key_misses', 'total_active_defrag_time', 'current_active_defrag_time', 'tracking_total_keys', 'tracking_total_items', 'tracking_total_prefixes', 'unexpected_error_replies', 'total_error_replies', 'dump_payload_sanitizations', 'total_reads_processed', 'total_writes_processed', 'io_threaded_reads_processed', 'io_threaded_writes_processed', 'reply_buffer_shrinks', 'reply_buffer_expands'],
  cpu: ['used_cpu_sys', 'used_cpu_user', 'used_cpu_sys_children', 'used_cpu_user_children', 'used_cpu_sys_main_thread', 'used_cpu_user_main_thread'],
};

// Time fields an idle redis-server shows as -1 (no save or rewrite has run or is running).
const MINUS_ONE = new Set(['rdb_last_bgsave_time_sec', 'rdb_current_bgsave_time_sec', 'aof_last_rewrite_time_sec', 'aof_current_rewrite_time_sec']);
const RATIO = new Set(['instantaneous_input_kbps', 'instantaneous_output_kbps', 'instantaneous_input_repl_kbps', 'instantaneous_output_repl_kbps', 'expired_stale_perc', 'current_fork_perc']);

/** What a field this engine does not compute shows, derived from the section's other fields where 7.0 derives it. */
function derived(name: string, have: Map<string, string | number>): string | number {
  const num = (k: string): number => Number(have.get(k) ?? 0);
  const perc = (a: number, b: number): string => `${(b > 0 ? (a * 100) / b : 0).toFixed(2)}%`;
  switch (name) {
    case 'used_memory_peak_perc':
      return perc(num('used_memory'), num('used_memory_peak'));
    case 'used_memory_dataset_perc':
      return perc(num('used_memory_dataset'), num('used_memory') - num('used_memory_startup'));
    case 'allocator_allocated':
    case 'allocator_active':
      return num('used_memory');
    case 'allocator_resident':
      return num('used_memory_rss');
    case 'allocator_frag_ratio':
    case 'rss_overhead_ratio':
      return '1.00';
    case 'allocator_rss_ratio':
      return num('used_memory') > 0 ? (num('used_memory_rss') / num('used_memory')).toFixed(2) : '0.00';
    case 'allocator_rss_bytes':
    case 'mem_fragmentation_bytes':
      return num('used_memory_rss') - num('used_memory');
    case 'mem_clients_normal':
      return num('used_memory_overhead') - num('used_memory_startup') > 0 ? num('used_memory_overhead') - num('used_memory_startup') : 0;
    case 'used_cpu_sys_main_thread':
      return have.get('used_cpu_sys') ?? '0.000000';
    case 'used_cpu_user_main_thread':
      return have.get('used_cpu_user') ?? '0.000000';
    default:
      return MINUS_ONE.has(name) ? -1 : RATIO.has(name) ? '0.00' : 0;
  }
}

/** A section's fields in 7.0's order, each 7.0 field present; sections without a layout as they are. */
export function asRedis70(section: string, fields: Field[]): Field[] {
  const order = ORDER[section];
  if (order === undefined) return fields;
  const have = new Map(fields);
  return order.map((name) => [name, have.get(name) ?? derived(name, have)]);
}
